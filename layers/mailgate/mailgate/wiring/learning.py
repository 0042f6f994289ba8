"""The organisation's learned anti-spam counts, shared by `scan` (which scores with them) and `api`
(which takes the feedback that trains them)."""

from __future__ import annotations

import os
from functools import cache

from mailgate.aws.antispam_store import DynamoS3OrganisationStore
from mailgate.environment import Env
from mailgate.scanners.antispam.feedback import DEFAULT_ORGANISATION
from mailgate.scanners.antispam.learning import OrganisationModel
from mailgate.wiring.process import settings

# How soon feedback given through the admin API reaches a warm scan function (local mode: at once).
ANTISPAM_REFRESH_SECONDS = 60.0


@cache
def antispam_model() -> OrganisationModel | None:
    """One per process: its version is checked at most every minute and the counts reloaded only when
    feedback changed them. None without a settings table."""
    s = settings()
    if not (s.settings_table and s.mail_bucket):
        return None
    refresh = float(os.environ.get(Env.ANTISPAM_REFRESH_SECONDS, ANTISPAM_REFRESH_SECONDS))
    return OrganisationModel(DEFAULT_ORGANISATION, DynamoS3OrganisationStore(s.settings_table, s.mail_bucket),
                             refresh_seconds=refresh)
