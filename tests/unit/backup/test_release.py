"""What a release delivers, made from hostile originals: the release fields on top, a sender's own SCL and our
forged fields gone, the original never lost, nothing raised."""

from __future__ import annotations

import email
import email.policy

import pytest

from mailgate.backup.model import BackupRecord
from mailgate.backup.release import Release, released_as_attachment, released_as_is
from mailgate.message.line_endings import crlf_line_endings

RECORD = BackupRecord(backup_id="m-1.abc", message_id="m-1", recipients=("bob@example.test", "carol@example.test"),
                      sender="eve@evil.test", subject="Cheap fasteners", reason="spam (score 12.5)",
                      object_key="backup/m-1.abc.eml", verdicts={"antispam": "spam"}, held_by="antispam",
                      verdict_class="spam", rule="Default")
RELEASE = Release(RECORD, "ann <ann@example.test>", "X-Gw-", "mx.example.test", at="2026-12-05T17:00:00Z")
PLAIN = (b"From: Eve <eve@evil.test>\r\nTo: bob@example.test\r\nSubject: Cheap fasteners\r\n"
         b"X-MS-Exchange-Organization-SCL: -1\r\nx-ms-exchange-organization-AuthAs: Internal\r\n"
         b"X-Mailgate-Released: by nobody\r\nX-Gw-Action: deliver\r\n"
         b"Authentication-Results: mx.example.test; dmarc=pass\r\n\r\nBuy now.\r\n")
HOSTILE = {
    "bare CR line endings": b"From: eve@evil.test\rSubject: hi\rX-MS-Exchange-Organization-SCL: -1\r\rbody\r",
    "malformed MIME": (b"From: eve@evil.test\r\nContent-Type: multipart/mixed; boundary=\"b\r\n\r\n--b\r\n"
                       b"Content-Type: text/plain\r\n\r\nno end boundary\r\n--b"),
    "8-bit headers": b"From: \xff\xfe\xc3 <eve@evil.test>\r\nSubject: \xe9t\xe9\x00\r\n\r\n\xff body\r\n",
    "a 1 MB header": b"From: eve@evil.test\r\nX-Big: " + b"a" * 1_000_000 + b"\r\n\r\nbody\r\n",
    "no header at all": b"just text, no fields\r\n",
    "empty": b"",
}


def _fields(data: bytes, name: str) -> list[str]:
    return [str(v) for v in email.message_from_bytes(data, policy=email.policy.default).get_all(name, [])]


def test_as_is_carries_the_release_fields_and_our_scl_and_no_field_the_sender_forged():
    data = released_as_is(PLAIN, RELEASE)
    assert _fields(data, "X-Gw-Released") == ["by ann <ann@example.test>; 2026-12-05T17:00:00Z; backup m-1.abc"]
    assert _fields(data, "X-MS-Exchange-Organization-SCL") == ["-1"]
    assert data.count(b"X-MS-Exchange-Organization-SCL") == 1 and b"AuthAs" not in data
    assert b"by nobody" not in data and b"X-Gw-Action" not in data
    assert b"dmarc=pass" not in data  # an Authentication-Results claiming our name, written by the sender
    assert data.endswith(b"Subject: Cheap fasteners\r\n\r\nBuy now.\r\n")  # the rest as it came


def test_as_is_carries_our_authentication_results_for_the_seal():
    release = Release(RECORD, "ann", authserv_id="mx.example.test",
                      authentication_results="mx.example.test; spf=pass smtp.mailfrom=evil.test")
    assert _fields(released_as_is(PLAIN, release), "Authentication-Results") == [
        "mx.example.test; spf=pass smtp.mailfrom=evil.test"]


def test_a_caller_name_cannot_inject_a_field():
    data = released_as_is(PLAIN, Release(RECORD, "ann\r\nBcc: x@evil.test"))
    assert b"\r\nBcc:" not in data


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_originals_are_released_both_ways_without_losing_a_byte(name):
    raw = HOSTILE[name]
    as_is = released_as_is(raw, RELEASE)
    assert as_is.startswith(b"X-Gw-Released: ")
    body = crlf_line_endings(raw).split(b"\r\n\r\n", 1)[-1]
    assert body in crlf_line_endings(as_is)
    assert as_is.count(b"X-MS-Exchange-Organization-SCL") == 1  # ours; a sender's is gone

    wrapped = released_as_attachment(raw, RELEASE, "mailgate@mx.example.test", ["bob@example.test"])
    assert crlf_line_endings(raw) in wrapped  # byte for byte, as SMTP carries it
    message = email.message_from_bytes(wrapped, policy=email.policy.default)
    parts = [p.get_content_type() for p in message.iter_parts()]
    assert parts == ["text/plain", "message/rfc822"]


def test_as_an_attachment_says_why_it_was_held_and_who_released_it():
    wrapped = released_as_attachment(PLAIN, RELEASE, "mailgate@mx.example.test", ["bob@example.test"])
    message = email.message_from_bytes(wrapped, policy=email.policy.default)
    assert (message["From"].addresses[0].addr_spec, str(message["To"])) == ("mailgate@mx.example.test",
                                                                            "bob@example.test")
    assert message["Subject"] == "Released from Backup: Cheap fasteners"
    assert message["Auto-Submitted"] == "auto-generated" and message["X-MS-Exchange-Organization-SCL"] == "-1"
    text, attached = message.iter_parts()
    words = text.get_content()
    assert "spam (score 12.5)" in words and "ann <ann@example.test>" in words and "antispam=spam" in words
    assert attached.get_content_type() == "message/rfc822"
    assert attached.get_content()["Subject"] == "Cheap fasteners"


def test_a_subject_with_line_breaks_and_controls_stays_one_header():
    record = BackupRecord.from_dict({**RECORD.to_dict(), "subject": "Hi\r\nBcc: x@evil.test\x00\u202e"})
    wrapped = released_as_attachment(PLAIN, Release(record, "ann"), "mailgate@mx.example.test", ["bob@example.test"])
    message = email.message_from_bytes(wrapped, policy=email.policy.default)
    assert message["Bcc"] is None and message["Subject"] == "Released from Backup: Hi Bcc: x@evil.test"
