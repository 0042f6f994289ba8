"""Mail authentication: SPF, DKIM, DMARC and ARC, and the Authentication-Results we write.

Import the modules directly (`...authentication.scanner`, `...authentication.headers`): the
package itself imports nothing, so delivery code that only writes headers stays light.
"""
