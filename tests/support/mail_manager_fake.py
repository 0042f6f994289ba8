"""A small local SES Mail Manager for the address-list operations mailgate uses (moto has no Mail Manager).

It speaks the wire protocols of the real service (awsJson1_0, which botocore picks first from the model's list, and
Smithy RPC v2 CBOR; errors as `{"__type", "message"}` with the model's HTTP status), validates every
request against botocore's own model (required members, lengths, patterns, enums, page sizes), keeps address lists
and import jobs in memory, takes the import file at the pre-signed URL it hands out, and records every call. It is a
fake of AWS, not of our code: the adapter under test (mailgate.aws.mail_manager) runs unchanged against it.

    with MailManagerFake() as fake:
        fake.create_list("al-corp")
        client = boto3.client("mailmanager", endpoint_url=fake.url, ...)
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import botocore.session

from tests.support.cbor import Epoch, cbor_decode, cbor_encode

OPERATIONS = ("RegisterMemberToAddressList", "DeregisterMemberFromAddressList", "ListMembersOfAddressList",
              "CreateAddressListImportJob", "StartAddressListImportJob", "GetAddressListImportJob")
_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")  # what the service takes as a member (an e-mail address)
DEFAULT_PAGE_SIZE = 100


class ApiError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


# --- the model's constraints ----------------------------------------------------------------------------------------

_MODEL = botocore.session.get_session().get_service_model("mailmanager")


def _validate(shape: Any, value: Any, path: str) -> None:
    """What the service checks before it acts: the model's required members, lengths, ranges, patterns, enums."""
    meta = shape.metadata
    if shape.type_name == "structure":
        if not isinstance(value, dict):
            raise ApiError("ValidationException", f"{path or 'input'} must be a structure")
        for name in shape.required_members:
            if value.get(name) is None:
                raise ApiError("ValidationException", f"1 validation error detected: Value null at '{path}{name}' "
                                                      "failed to satisfy constraint: Member must not be null")
        for name, member in value.items():
            if name not in shape.members:
                raise ApiError("ValidationException", f"unknown member {path}{name}")
            _validate(shape.members[name], member, f"{path}{name}.")
        return
    where = path.rstrip(".")
    if shape.type_name == "string":
        if not isinstance(value, str):
            raise ApiError("ValidationException", f"{where} must be a string")
        if not meta.get("min", 0) <= len(value) <= meta.get("max", 1 << 30):
            raise ApiError("ValidationException", f"Value at '{where}' failed to satisfy constraint: Member must "
                                                  f"have length between {meta.get('min', 0)} and {meta.get('max')}")
        if "pattern" in meta and not re.fullmatch(meta["pattern"], value):
            raise ApiError("ValidationException", f"Value at '{where}' failed to satisfy constraint: Member must "
                                                  f"satisfy regular expression pattern: {meta['pattern']}")
        if shape.enum and value not in shape.enum:
            raise ApiError("ValidationException", f"Value at '{where}' must be one of {shape.enum}")
    elif shape.type_name == "integer" and (
            not isinstance(value, int) or not meta.get("min", -(1 << 31)) <= value <= meta.get("max", 1 << 31)):
        raise ApiError("ValidationException", f"Value at '{where}' failed to satisfy constraint: Member must "
                                                  f"have value between {meta.get('min')} and {meta.get('max')}")


# --- the service ----------------------------------------------------------------------------------------------------

@dataclass
class ImportJob:
    job_id: str
    name: str
    list_id: str
    data_type: str
    created: float
    status: str = "CREATED"
    upload: bytes | None = None
    imported: int = 0
    failed: int = 0
    error: str | None = None
    polls_left: int = 0  # GetAddressListImportJob answers PROCESSING this many times first


@dataclass
class MailManagerFake:
    host: str = "127.0.0.1"
    lists: dict[str, dict[str, float]] = field(default_factory=dict)  # list id → address → created
    jobs: dict[str, ImportJob] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    faults: dict[str, list[str]] = field(default_factory=dict)  # operation → error codes to answer, in turn
    processing_polls: int = 0
    max_members: int = 1_000_000  # ServiceQuotaExceededException beyond this
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def create_list(self, list_id: str, *addresses: str) -> None:
        self.lists[list_id] = {a: time.time() for a in addresses}

    def members(self, list_id: str) -> set[str]:
        return set(self.lists[list_id])

    def operations(self) -> list[str]:
        return [op for op, _ in self.calls]

    def fail(self, operation: str, code: str, times: int = 1) -> None:
        self.faults.setdefault(operation, []).extend([code] * times)

    # --- the HTTP side

    def __enter__(self) -> MailManagerFake:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                fake._post(self)

            def do_PUT(self) -> None:
                fake._put(self)

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self._server.server_address[1]}"

    def _reply(self, http: BaseHTTPRequestHandler, cbor: bool, status: int, body: dict[str, Any]) -> None:
        data = cbor_encode(body) if cbor else json.dumps(body).encode()
        http.send_response(status)
        http.send_header("Content-Type", "application/cbor" if cbor else "application/x-amz-json-1.0")
        if cbor:
            http.send_header("smithy-protocol", "rpc-v2-cbor")
        http.send_header("x-amzn-requestid", str(uuid.uuid4()))
        http.send_header("Content-Length", str(len(data)))
        http.end_headers()
        http.wfile.write(data)

    def _post(self, http: BaseHTTPRequestHandler) -> None:
        """awsJson1_0 (`X-Amz-Target: MailManagerSvc.<Operation>`, what botocore picks first from the model's
        protocols) or Smithy RPC v2 CBOR (`/service/MailManagerSvc/operation/<Operation>`)."""
        body = http.rfile.read(int(http.headers.get("Content-Length") or 0))
        target = http.headers.get("X-Amz-Target", "")
        cbor_path = re.fullmatch(r"/service/MailManagerSvc/operation/(\w+)", http.path)
        cbor = cbor_path is not None and http.headers.get("smithy-protocol") == "rpc-v2-cbor"
        json_call = http.path == "/" and target.startswith("MailManagerSvc.") and \
            http.headers.get("Content-Type") == "application/x-amz-json-1.0"
        if not (cbor or json_call) or "Authorization" not in http.headers:
            self._reply(http, cbor, 400, {"__type": "com.amazonaws.mailmanager#ValidationException",
                                          "message": "not a signed awsJson1_0 or rpc-v2-cbor request"})
            return
        operation = cbor_path.group(1) if cbor and cbor_path else target.removeprefix("MailManagerSvc.")
        try:
            try:
                params = (cbor_decode(body) if cbor else json.loads(body)) if body else {}
            except ValueError as exc:
                raise ApiError("SerializationException", f"the body could not be read: {exc}") from exc
            with self._lock:
                self.calls.append((operation, params))
                answer = self._operate(operation, params)
        except ApiError as error:
            try:
                status = _MODEL.shape_for(error.code).metadata["error"]["httpStatusCode"]
            except Exception:
                status = 400
            self._reply(http, cbor, status, {"__type": f"com.amazonaws.mailmanager#{error.code}",
                                             "message": error.message})
            return
        self._reply(http, cbor, 200, answer)

    def _put(self, http: BaseHTTPRequestHandler) -> None:
        data = http.rfile.read(int(http.headers.get("Content-Length") or 0))
        job = self.jobs.get(http.path.rsplit("/", 1)[-1]) if http.path.startswith("/import-upload/") else None
        if job is None or job.status != "CREATED":
            http.send_response(403)
            http.end_headers()
            return
        job.upload = data
        http.send_response(200)
        http.send_header("Content-Length", "0")
        http.end_headers()

    def _operate(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if operation not in OPERATIONS:
            raise ApiError("ValidationException", f"{operation} is not offered by this fake")
        _validate(_MODEL.operation_model(operation).input_shape, params, "")
        if self.faults.get(operation):
            code = self.faults[operation].pop(0)
            raise ApiError(code, f"{code} (injected)")
        handler = getattr(self, "_" + re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower())
        answer: dict[str, Any] = handler(params)
        return answer

    def _list(self, list_id: str) -> dict[str, float]:
        if list_id not in self.lists:
            raise ApiError("ResourceNotFoundException", f"Address list {list_id} was not found")
        return self.lists[list_id]

    def _register_member_to_address_list(self, p: dict[str, Any]) -> dict[str, Any]:
        members = self._list(p["AddressListId"])
        address = p["Address"]
        if not _ADDRESS.fullmatch(address):
            raise ApiError("ValidationException", f"{address!r} is not a valid e-mail address")
        if address in members:
            raise ApiError("ConflictException", f"{address} is already a member of the address list")
        if len(members) >= self.max_members:
            raise ApiError("ServiceQuotaExceededException", "the address list is full")
        members[address] = time.time()
        return {}

    def _deregister_member_from_address_list(self, p: dict[str, Any]) -> dict[str, Any]:
        members = self._list(p["AddressListId"])
        if members.pop(p["Address"], None) is None:
            raise ApiError("ResourceNotFoundException", f"{p['Address']} is not a member of the address list")
        return {}

    def _list_members_of_address_list(self, p: dict[str, Any]) -> dict[str, Any]:
        members = self._list(p["AddressListId"])
        prefix = (p.get("Filter") or {}).get("AddressPrefix", "")
        addresses = sorted(a for a in members if a.startswith(prefix))
        start = 0
        if token := p.get("NextToken"):
            if not token.startswith("page-") or not token[5:].isdigit():
                raise ApiError("ValidationException", "invalid NextToken")
            start = int(token[5:])
        size = p.get("PageSize", DEFAULT_PAGE_SIZE)
        page = addresses[start:start + size]
        answer: dict[str, Any] = {"Addresses": [{"Address": a, "CreatedTimestamp": Epoch(members[a])}
                                                for a in page]}
        if start + size < len(addresses):
            answer["NextToken"] = f"page-{start + size}"
        return answer

    def _create_address_list_import_job(self, p: dict[str, Any]) -> dict[str, Any]:
        self._list(p["AddressListId"])
        job = ImportJob(uuid.uuid4().hex, p["Name"], p["AddressListId"], p["ImportDataFormat"]["ImportDataType"],
                        time.time(), polls_left=self.processing_polls)
        self.jobs[job.job_id] = job
        return {"JobId": job.job_id, "PreSignedUrl": f"{self.url}/import-upload/{job.job_id}"}

    def _start_address_list_import_job(self, p: dict[str, Any]) -> dict[str, Any]:
        job = self._job(p["JobId"])
        if job.status != "CREATED":
            raise ApiError("ConflictException", f"import job {job.job_id} is {job.status}")
        if job.upload is None:
            raise ApiError("ValidationException", "nothing was uploaded to the job's pre-signed URL")
        members = self._list(job.list_id)
        for address in self._rows(job):
            if _ADDRESS.fullmatch(address) and len(address) <= 320:
                members.setdefault(address, time.time())
                job.imported += 1
            else:
                job.failed += 1
        job.status = "PROCESSING" if job.polls_left else "COMPLETED"
        return {}

    def _rows(self, job: ImportJob) -> Iterator[str]:
        text = (job.upload or b"").decode("utf-8")
        if job.data_type == "CSV":
            rows = list(csv.reader(io.StringIO(text)))
            if not rows or [c.strip().lower() for c in rows[0]] != ["address"]:
                job.error = "the CSV file's first line must be the header 'address'"
                return
            yield from (row[0].strip() for row in itertools.islice(rows, 1, None) if row)
        else:
            yield from (str(json.loads(line).get("address", "")) for line in text.splitlines() if line.strip())

    def _get_address_list_import_job(self, p: dict[str, Any]) -> dict[str, Any]:
        job = self._job(p["JobId"])
        if job.status == "PROCESSING":
            job.polls_left -= 1
            if job.polls_left <= 0:
                job.status = "COMPLETED"
        answer: dict[str, Any] = {
            "JobId": job.job_id, "Name": job.name, "Status": "FAILED" if job.error else job.status,
            "PreSignedUrl": f"{self.url}/import-upload/{job.job_id}", "ImportedItemsCount": job.imported,
            "FailedItemsCount": job.failed, "ImportDataFormat": {"ImportDataType": job.data_type},
            "AddressListId": job.list_id, "CreatedTimestamp": Epoch(job.created)}
        if job.error:
            answer["Error"] = job.error
        return answer

    def _job(self, job_id: str) -> ImportJob:
        if job_id not in self.jobs:
            raise ApiError("ResourceNotFoundException", f"import job {job_id} was not found")
        return self.jobs[job_id]
