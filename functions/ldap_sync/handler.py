"""Lambda `ldap_sync`: the 30-minute directory synchronisation. Built by the LDAP issue.

Until then it answers honestly that no LDAP connection is configured, so the schedule can be
deployed and monitored without pretending to synchronise anything.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

logger = Logger(service="mailgate-ldap-sync")


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    logger.info("no LDAP connections configured; nothing to synchronise")
    return {"connections": 0, "synchronised": 0}
