"""The functions' environment in one table: every variable's name, what each function cannot start without,
and the metric names the alarms read. The CDK construct and local mode import the same names, so a
variable renamed here is renamed everywhere, and a missing one stops the cold start with a clear error
instead of failing at the first S3 call.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Env(StrEnum):
    MAIL_BUCKET = "MAIL_BUCKET"
    INCOMING_PREFIX = "INCOMING_PREFIX"
    REPORTS_PREFIX = "REPORTS_PREFIX"
    BACKUP_PREFIX = "BACKUP_PREFIX"
    EVENTS_TABLE = "EVENTS_TABLE"
    BACKUP_TABLE = "BACKUP_TABLE"
    IDEMPOTENCY_TABLE = "IDEMPOTENCY_TABLE"
    RULES_QUEUE_URL = "RULES_QUEUE_URL"
    # the queues whose depth the admin API shows (GET /stats); RULES_QUEUE_URL is the rules queue's
    SCAN_QUEUE_URL = "SCAN_QUEUE_URL"
    SCAN_DLQ_URL = "SCAN_DLQ_URL"
    RULES_DLQ_URL = "RULES_DLQ_URL"
    SETTINGS_TABLE = "SETTINGS_TABLE"
    DIRECTORY_TABLE = "DIRECTORY_TABLE"
    LDAP_SYNC_FUNCTION = "LDAP_SYNC_FUNCTION"
    RULES_FUNCTION = "RULES_FUNCTION"  # the admin API has releases from Backup delivered by it
    RESCAN_SCHEDULE_GROUP = "RESCAN_SCHEDULE_GROUP"
    RESCAN_TARGET_ARN = "RESCAN_TARGET_ARN"
    RESCAN_ROLE_ARN = "RESCAN_ROLE_ARN"
    CONFIG = "MAILGATE_CONFIG"  # the configuration's JSON text
    CONFIG_FILE = "MAILGATE_CONFIG_FILE"  # or a file holding it
    SECRETS_PREFIX = "SECRETS_PREFIX"
    CLAMAV_SIGNATURES = "CLAMAV_SIGNATURES"  # s3://bucket/prefix/ of the refreshed ClamAV databases
    ANTISPAM_REFRESH_SECONDS = "ANTISPAM_REFRESH_SECONDS"
    # the construct's SNS topic for application notices, used when application_notifications.sns_topic_arn is empty
    APPLICATION_TOPIC_ARN = "APPLICATION_TOPIC_ARN"
    CONSOLE_ORIGIN = "MAILGATE_CONSOLE_ORIGIN"  # the web console's origin: the only one the API allows (CORS)
    # the SIEM export (docs/siem.md): the queue the event log sends to, and where the forwarder sends
    SIEM_QUEUE_URL = "SIEM_QUEUE_URL"
    SIEM_HOST = "SIEM_HOST"
    SIEM_PORT = "SIEM_PORT"
    SIEM_PROTOCOL = "SIEM_PROTOCOL"  # tls | tcp | udp
    SIEM_FORMAT = "SIEM_FORMAT"  # cef | json
    SIEM_CA_SECRET = "SIEM_CA_SECRET"  # noqa: S105 (a secret's name): the CA PEM to trust
    SIEM_CA_FILE = "SIEM_CA_FILE"  # or a PEM file (local mode)
    SIEM_ENABLED = "SIEM_ENABLED"
    SIEM_DESTINATION = "SIEM_DESTINATION"  # syslog (default) | firehose | eventbridge
    SIEM_FIREHOSE_STREAM = "SIEM_FIREHOSE_STREAM"  # the Firehose stream's name (destination firehose)
    SIEM_EVENT_BUS = "SIEM_EVENT_BUS"  # the EventBridge bus's name or ARN (destination eventbridge)
    MAIL_MANAGER_ADDRESS_LIST = "MAIL_MANAGER_ADDRESS_LIST"  # the address list ldap_sync keeps equal to the directory


# A scheduled invocation's input names its job under this key (API Gateway's events never have it).
SCHEDULED_JOB_KEY = "mailgate_job"
# A direct invocation of the rules function carrying a release order from Backup (mailgate.backup.releasing).
RELEASE_KEY = "mailgate_release"
# ... and one carrying the gateway's own mail the admin API composed (the Backup digest: mailgate.notify.own_mail).
SEND_KEY = "mailgate_send"


class Metric(StrEnum):
    """CloudWatch metrics in the `mailgate` namespace that alarms are set on."""

    DELIVERY_FAILED = "DeliveryFailed"  # recipient groups not delivered after every attempt
    ENGINE_UNAVAILABLE = "EngineUnavailable"  # scanner engines (clamd) that did not answer for a message
    SIGNATURE_AGE = "SignatureAgeHours"


METRICS_NAMESPACE = "mailgate"

# What each function cannot start without (the others have defaults or are optional).
REQUIRED: Mapping[str, tuple[Env, ...]] = {
    "scan": (Env.MAIL_BUCKET, Env.RULES_QUEUE_URL),
    "rules": (Env.MAIL_BUCKET,),
    "api": (Env.MAIL_BUCKET,),
    "ldap_sync": (Env.DIRECTORY_TABLE,),
}


class MissingEnvironment(RuntimeError):
    """A deployment defect: the function was started without a variable it needs."""


@dataclass(frozen=True)
class Settings:
    mail_bucket: str
    incoming_prefix: str
    reports_prefix: str
    backup_prefix: str
    events_table: str
    backup_table: str
    idempotency_table: str
    rules_queue_url: str
    settings_table: str = ""  # when set, the GatewayConfig is read from this table (the admin API edits it)
    directory_table: str = ""  # the LDAP/AD directory cache; empty: no directory
    ldap_sync_function: str = ""  # invoked asynchronously for on-demand syncs
    rules_function: str = ""  # invoked synchronously to deliver releases from Backup (it holds the delivery secrets)
    rescan_group: str = ""  # EventBridge Scheduler group of the Anti-Spam Quarantine's re-scans
    rescan_target_arn: str = ""  # the scan queue, where a re-scan request goes when a hold ends
    rescan_role_arn: str = ""  # the role EventBridge Scheduler sends with
    scan_queue_url: str = ""  # the queues the admin API shows the depth of; empty: shown as unknown
    scan_dlq_url: str = ""
    rules_dlq_url: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        e = dict(os.environ if env is None else env)
        return cls(
            mail_bucket=e.get(Env.MAIL_BUCKET, ""),
            incoming_prefix=e.get(Env.INCOMING_PREFIX, "incoming/"),
            reports_prefix=e.get(Env.REPORTS_PREFIX, "reports/"),
            backup_prefix=e.get(Env.BACKUP_PREFIX, "backup/"),
            events_table=e.get(Env.EVENTS_TABLE, "mailgate-events"),
            backup_table=e.get(Env.BACKUP_TABLE, "mailgate-backup"),
            idempotency_table=e.get(Env.IDEMPOTENCY_TABLE, "mailgate-idempotency"),
            rules_queue_url=e.get(Env.RULES_QUEUE_URL, ""),
            settings_table=e.get(Env.SETTINGS_TABLE, ""),
            directory_table=e.get(Env.DIRECTORY_TABLE, ""),
            ldap_sync_function=e.get(Env.LDAP_SYNC_FUNCTION, ""),
            rules_function=e.get(Env.RULES_FUNCTION, ""),
            rescan_group=e.get(Env.RESCAN_SCHEDULE_GROUP, ""),
            rescan_target_arn=e.get(Env.RESCAN_TARGET_ARN, ""),
            rescan_role_arn=e.get(Env.RESCAN_ROLE_ARN, ""),
            scan_queue_url=e.get(Env.SCAN_QUEUE_URL, ""),
            scan_dlq_url=e.get(Env.SCAN_DLQ_URL, ""),
            rules_dlq_url=e.get(Env.RULES_DLQ_URL, ""),
        )


def require(function: str, env: Mapping[str, str] | None = None) -> None:
    """Stop the cold start of `function` when its environment lacks what it needs."""
    e = os.environ if env is None else env
    missing = [str(name) for name in REQUIRED[function] if not e.get(name)]
    if missing:
        raise MissingEnvironment(f"the {function} function was started without {', '.join(missing)}: "
                                 "deploy it with the MailGateway construct, or set the variable(s) "
                                 "(local mode sets them for you)")
