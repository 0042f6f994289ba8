"""One composition root per Lambda function: `scan`, `rules`, `api`, `ldap_sync`.

Each module imports at its top what its function needs, so its import list is that function's cold
start; `process` holds what every function keeps for the life of its process, and `stores` the
adapters several functions share.
"""
