"""Keeping the SES Mail Manager address list equal to the directory's recipients, after `ldap_sync` ran: the traffic
policy of the Mail Manager ingress refuses recipients not in it (docs/recipient-verification.md).

Incremental: each address added or removed by itself, or, when more than `import_threshold` are to be added, one
import job. Never a removal after a failed sync, never anything when the directory holds no recipients (the list
keeps its last good members, as the cache does). Errors are reported, never raised: a list that cannot be changed
now is changed by the next sync, which computes the difference afresh.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from mailgate.directory.recipients import list_changes

IMPORT_THRESHOLD = 1_000
# the whole list cannot be changed now: stop and leave the rest to the next sync
STOPPING = frozenset({"ThrottlingException", "AccessDeniedException", "ServiceQuotaExceededException",
                      "ResourceNotFoundException", "ConnectionError", "InternalServerException"})


class AddressListError(Exception):
    """A Mail Manager call that failed: `code` is the service's error code (or ConnectionError)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


@dataclass(frozen=True)
class ImportOutcome:
    job_id: str
    status: str  # COMPLETED, FAILED, ... or PROCESSING when it was still running when we stopped waiting
    imported: int = 0
    failed: int = 0
    error: str = ""


class AddressList(Protocol):
    """What the sync needs from the list; mailgate.aws.mail_manager implements it on the Mail Manager API."""

    list_id: str

    def members(self) -> frozenset[str]: ...

    def register(self, address: str) -> bool:
        """Add one member; False when it was a member already."""

    def deregister(self, address: str) -> bool:
        """Remove one member; False when it was no member."""

    def import_addresses(self, addresses: Sequence[str]) -> ImportOutcome: ...


@dataclass
class AddressListReport:
    address_list: str
    added: int = 0
    removed: int = 0
    left: int = 0  # changes not made (an error stopped them): the next sync makes them
    import_job: ImportOutcome | None = None
    skipped: str = ""  # why nothing was changed
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        job = self.import_job
        return {"address_list": self.address_list, "added": self.added, "removed": self.removed, "left": self.left,
                "import_job": None if job is None else {"job_id": job.job_id, "status": job.status,
                                                        "imported": job.imported, "failed": job.failed},
                "skipped": self.skipped, "errors": list(self.errors)}


def synchronise_address_list(address_list: AddressList, wanted: frozenset[str], may_remove: bool,
                             import_threshold: int = IMPORT_THRESHOLD) -> AddressListReport:
    """Make the list hold `wanted`; `may_remove` only after a successful sync."""
    report = AddressListReport(address_list.list_id)
    if not wanted:
        report.skipped = "the directory cache holds no recipients: the list keeps its members"
        return report
    try:
        current = address_list.members()
    except AddressListError as error:
        report.skipped = "the list's members could not be read"
        report.errors.append(str(error))
        return report
    changes = list_changes(wanted, current, may_remove)
    if not may_remove and current - wanted:
        report.skipped = "a sync failed: no member is removed until one succeeds"
    adds = list(changes.add)
    if len(adds) > import_threshold:
        _import(address_list, adds, report)
        adds = []
    stopped = _apply(address_list.register, adds, report, "added")
    if stopped:
        report.left += len(changes.remove)
    else:
        _apply(address_list.deregister, list(changes.remove), report, "removed")
    return report


def _import(address_list: AddressList, adds: list[str], report: AddressListReport) -> None:
    try:
        report.import_job = outcome = address_list.import_addresses(adds)
    except AddressListError as error:
        report.errors.append(f"import job for {len(adds)} addresses: {error}")
        report.left += len(adds)
        return
    report.added += outcome.imported
    if outcome.status not in ("COMPLETED", "PROCESSING") or outcome.failed or outcome.error:
        report.errors.append(f"import job {outcome.job_id} {outcome.status}: {outcome.failed} address(es) failed"
                             + (f" ({outcome.error})" if outcome.error else ""))


def _apply(change: Any, addresses: list[str], report: AddressListReport, counter: str) -> bool:
    """Each address in turn; True when an error stopped the rest (they are counted as left)."""
    for i, address in enumerate(addresses):
        try:
            if change(address):
                setattr(report, counter, getattr(report, counter) + 1)
        except AddressListError as error:
            report.errors.append(f"{address}: {error}" if error.code not in STOPPING else str(error))
            if error.code in STOPPING:
                report.left += len(addresses) - i
                return True
    return False
