"""An SES Mail Manager address list (mailgate.directory.address_list.AddressList): its members listed a thousand at a
time, one registered or deregistered at a time, or many imported by an import job (a CSV file with the header
`address` uploaded to the job's pre-signed URL, then started and watched for a while).

The service's errors become AddressListError with the service's code; botocore retries throttling itself first
(the clients' standard retry mode).
"""

from __future__ import annotations

import logging
import time
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from mailgate.aws.clients import client
from mailgate.directory.address_list import AddressListError, ImportOutcome

logger = logging.getLogger(__name__)

PAGE_SIZE = 1_000  # ListMembersOfAddressList's largest page
IMPORT_WAIT_SECONDS = 120.0  # how long a sync watches its import job; a longer one finishes on its own
POLL_SECONDS = 2.0
UPLOAD_TIMEOUT_SECONDS = 60.0


def _put(url: str, body: bytes) -> None:
    """The upload to the pre-signed URL (an S3 PUT the URL itself authorises)."""
    request = urllib.request.Request(url, data=body, method="PUT", headers={"Content-Type": "text/csv"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=UPLOAD_TIMEOUT_SECONDS) as reply:  # noqa: S310 - the API's URL
        reply.read()


def _error(exc: Exception) -> AddressListError:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error") or {}
        return AddressListError(str(error.get("Code") or "Unknown"), str(error.get("Message") or exc))
    return AddressListError("ConnectionError", f"{type(exc).__name__}: {exc}")


class MailManagerAddressList:
    def __init__(self, list_id: str, mailmanager: Any | None = None, upload: Callable[[str, bytes], None] = _put,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 wait_seconds: float = IMPORT_WAIT_SECONDS) -> None:
        self.list_id = list_id
        self._client = mailmanager
        self._upload = upload
        self._sleep = sleep
        self._clock = clock
        self.wait_seconds = wait_seconds

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = client("mailmanager")
        return self._client

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        try:
            answer: dict[str, Any] = getattr(self.client, operation)(**params)
        except Exception as exc:  # botocore's ClientError and connection errors alike
            raise _error(exc) from exc
        return answer

    def members(self) -> frozenset[str]:
        found: set[str] = set()
        params: dict[str, Any] = {"AddressListId": self.list_id, "PageSize": PAGE_SIZE}
        while True:
            page = self._call("list_members_of_address_list", **params)
            found.update(a["Address"].lower() for a in page.get("Addresses", ()))
            if not page.get("NextToken"):
                return frozenset(found)
            params["NextToken"] = page["NextToken"]

    def register(self, address: str) -> bool:
        try:
            self._call("register_member_to_address_list", AddressListId=self.list_id, Address=address)
        except AddressListError as error:
            if error.code == "ConflictException":  # a member already
                return False
            raise
        return True

    def deregister(self, address: str) -> bool:
        try:
            self._call("deregister_member_from_address_list", AddressListId=self.list_id, Address=address)
        except AddressListError as error:
            if error.code == "ResourceNotFoundException":  # no member (the list itself was just listed)
                return False
            raise
        return True

    def import_addresses(self, addresses: Sequence[str]) -> ImportOutcome:
        name = f"mailgate-ldap-sync-{uuid.uuid4().hex[:12]}"
        job = self._call("create_address_list_import_job", AddressListId=self.list_id, Name=name,
                         ImportDataFormat={"ImportDataType": "CSV"})
        csv = "address\n" + "".join(f"{a}\n" for a in addresses)
        try:
            self._upload(job["PreSignedUrl"], csv.encode("utf-8"))
        except Exception as exc:
            raise AddressListError("UploadFailed", f"the import file could not be uploaded: {exc}") from exc
        self._call("start_address_list_import_job", JobId=job["JobId"])
        deadline = self._clock() + self.wait_seconds
        while True:
            state = self._call("get_address_list_import_job", JobId=job["JobId"])
            status = str(state.get("Status", ""))
            if status not in ("CREATED", "PROCESSING") or self._clock() >= deadline:
                if status in ("CREATED", "PROCESSING"):
                    logger.info("address list import job %s still %s; it finishes on its own", job["JobId"], status)
                return ImportOutcome(job["JobId"], status, int(state.get("ImportedItemsCount") or 0),
                                     int(state.get("FailedItemsCount") or 0), str(state.get("Error") or ""))
            self._sleep(POLL_SECONDS)
