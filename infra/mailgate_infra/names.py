"""Names shared by the constructs and the function code: prefixes, environment variables, groups.

Table key schemas come from `mailgate.aws.resources` so the CDK tables match what the adapters query.
"""

from __future__ import annotations

from typing import Any

from mailgate import environment, secret_names
from mailgate.aws.antispam_store import MODEL_PREFIX
from mailgate.aws.resources import settings_table_spec, table_specs
from mailgate.aws.status_board import STATUS_PARTITION  # noqa: F401 - where functions report their state

INCOMING_PREFIX = "incoming/"
OUTGOING_PREFIX = "outgoing/"  # mail_manager mode: the organisation's own mail from the authenticated ingress point
REPORTS_PREFIX = "reports/"
BACKUP_PREFIX = "backup/"
MODELS_PREFIX = MODEL_PREFIX  # learned anti-spam counts (models/antispam/<organisation>/<version>-<nonce>.json.gz)
LISTS_PREFIX = "lists/"  # link reputation lists the scan function re-reads (s3://<mail bucket>/lists/...)
SECRETS_PREFIX = secret_names.ROOT  # every secret lives below; each function reads only its own part
SERVICE_NAME = "mailgate"
METRICS_NAMESPACE = environment.METRICS_NAMESPACE
DELIVERY_FAILED_METRIC = environment.Metric.DELIVERY_FAILED.value
SIGNATURE_AGE_METRIC = environment.Metric.SIGNATURE_AGE.value
ENGINE_UNAVAILABLE_METRIC = environment.Metric.ENGINE_UNAVAILABLE.value  # messages scanned while clamd did not answer
USER_GROUPS = ("Administrator", "SecurityOfficer", "Auditor", "PersonalUser")
EVENTS_TTL = "expires_at"
BACKUP_TTL = "expires_at"
IDEMPOTENCY_TTL = "expiration"
LDAP_SYNC_RATE_MINUTES = 30


def _spec_by_role() -> dict[str, dict[str, Any]]:
    events, backup, idempotency = table_specs("events", "backup", "idempotency")
    return {"events": events, "backup": backup, "idempotency": idempotency,
            "settings": settings_table_spec("settings")}


TABLE_SPECS = _spec_by_role()
