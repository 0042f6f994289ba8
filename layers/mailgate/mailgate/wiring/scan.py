"""The `scan` function's composition root: an SES receipt → the scanners → a ScanReport → `rules`."""

from __future__ import annotations

import logging
import os
from functools import cache
from pathlib import Path

import msgspec

from mailgate.aws.exposure_index import DynamoExposureIndex
from mailgate.aws.mail_store import S3MailStore
from mailgate.aws.queue import SqsQueue
from mailgate.aws.signature_store import S3SignatureStore
from mailgate.config import GatewayConfig
from mailgate.environment import Env
from mailgate.scan.service import ScanService
from mailgate.scanners.antivirus.embedded import EmbeddedClamd
from mailgate.scanners.registry import build_scanners
from mailgate.wiring import stores
from mailgate.wiring.learning import antispam_model
from mailgate.wiring.process import config, current_service, settings

CLAMD_WORKDIR = Path("/tmp/mailgate-clamav")  # noqa: S108 - Lambda's only writable directory


def service() -> ScanService:
    return current_service("scan", build_service)


def build_service() -> ScanService:
    s, cfg = settings(), with_embedded_clamd(config())
    store = S3MailStore(s.mail_bucket)
    ledger = stores.quarantine_ledger()
    return ScanService(cfg, store, stores.event_log(),
                       build_scanners(cfg, stores.directory_cache(), antispam_model()),
                       stores.backup_keeper(store), SqsQueue(s.rules_queue_url), s.reports_prefix,
                       stores.status_board(), release_hold=ledger.release if ledger is not None else None,
                       exposure=exposure_index().record if s.events_table else None,
                       reports=stores.report_keeper(store) if s.events_table else None)


def exposure_index() -> DynamoExposureIndex:
    """The exposure search's index (mailgate.exposure), in the events table, kept as long as the events."""
    return DynamoExposureIndex(settings().events_table, config().event_retention_days)


@cache
def embedded_clamd() -> EmbeddedClamd | None:
    """The scan function's own clamd when it runs from the container image (CLAMAV_SIGNATURES names
    the signatures in S3); None elsewhere (local mode and tests start clamd themselves)."""
    location = os.environ.get(Env.CLAMAV_SIGNATURES, "")
    if not location:
        return None
    return EmbeddedClamd(S3SignatureStore(location), CLAMD_WORKDIR, config().antivirus)


def with_embedded_clamd(cfg: GatewayConfig) -> GatewayConfig:
    """The configuration with the embedded clamd's socket when there is one and no clamd is configured.
    A clamd that fails to start still gets its address: Anti-Virus then answers `error` (mail is held
    in Backup), never `skipped`."""
    clamd = embedded_clamd()
    if clamd is None or cfg.antivirus.clamd:
        return cfg
    try:
        address = clamd.address()
    except Exception:
        logging.getLogger(__name__).exception("the embedded clamd did not start")
        address = clamd.planned_address()
    return msgspec.structs.replace(cfg, antivirus=msgspec.structs.replace(cfg.antivirus, clamd=address))


def refresh_antivirus() -> None:
    """Each scan invocation: reload newer signatures into the embedded clamd when they are due."""
    if (clamd := embedded_clamd()) is not None:
        clamd.refresh_if_due()
