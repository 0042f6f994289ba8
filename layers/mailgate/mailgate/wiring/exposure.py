"""The exposure routes' ports (mailgate.api.routes_exposure): the index in the events table, the URL list in the
mail bucket, the gateway's own mail for the notices. Built on first use by the api function."""

from __future__ import annotations

from mailgate.aws.exposure_index import DynamoExposureIndex
from mailgate.exposure.actions import URL_LIST_KEY, ActionPorts, ExposurePorts
from mailgate.wiring import application_notices, stores
from mailgate.wiring.process import config, settings


def exposure_ports() -> ExposurePorts | None:
    """None without an events table (nothing is indexed then)."""
    s = settings()
    if not s.events_table:
        return None
    index = DynamoExposureIndex(s.events_table, config().event_retention_days)
    if not s.mail_bucket:
        return ExposurePorts(index, None)
    from mailgate.aws.mail_store import MailStoreError, S3MailStore  # noqa: PLC0415
    from mailgate.wiring.api import settings_service  # noqa: PLC0415

    store = S3MailStore(s.mail_bucket)

    def read_list() -> bytes | None:
        """None only when the list does not exist yet: a list that cannot be read is never written over."""
        try:
            return store.get_bytes(URL_LIST_KEY)
        except MailStoreError as exc:
            code = getattr(exc.__cause__, "response", {}).get("Error", {}).get("Code")
            if code in ("NoSuchKey", "404"):
                return None
            raise

    def write_list(data: bytes) -> None:
        store.put_bytes(URL_LIST_KEY, data, "text/plain; charset=utf-8")

    ledger = stores.quarantine_ledger()
    return ExposurePorts(index, ActionPorts(
        settings=settings_service(), config=config, read_list=read_list, write_list=write_list,
        list_location=f"s3://{s.mail_bucket}/{URL_LIST_KEY}", send=application_notices.send,
        notify_administrators=application_notices.notify, held=ledger.held if ledger is not None else None,
        pin=ledger.pin if ledger is not None else None))
