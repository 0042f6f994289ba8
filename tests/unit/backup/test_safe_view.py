"""Backup's safe view through the real parser: whatever a sender sends, the view is text (no markup, hidden
characters shown), bounded, and built without raising."""

from __future__ import annotations

import hashlib
import random
import time

import msgspec
import pytest

from mailgate.backup.model import BackupRecord
from mailgate.backup.safe_view import BODY_MAX, HEADER_VALUE_MAX, HEADERS_MAX, decision_path, is_dangerous, safe_view
from mailgate.rules.decision import Decision, PartRemoval
from mailgate.scan.envelope import Envelope
from mailgate.scan.report import Contribution, ScannerResult, ScanReport

RECORD = BackupRecord(backup_id="m-1.abc", message_id="m-1", recipients=("bob@example.org",),
                      sender="eve@evil.test", subject="Offer", reason="spam", object_key="backup/m-1.eml")
MARKUP = ("<script", "<img", "<iframe", "onerror", "javascript:", "http://evil.test", "alert(", "<a ", "<style",
          "color:red")


def view_json(raw: bytes, **kwargs) -> tuple[object, str]:
    view = safe_view(raw, RECORD, **kwargs)
    return view, msgspec.json.encode(view).decode()


HOSTILE_HTML = (
    b"From: Eve <eve@evil.test>\r\nTo: bob@example.org\r\nSubject: Your invoice\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n\r\n"
    b"<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>"
    b"<p>Dear customer,</p><img src=\"http://evil.test/track.png\" onerror=\"alert(2)\">"
    b"<p>pay <a href=\"javascript:alert(3)\">here</a> today</p>"
    b"<iframe src=\"http://evil.test/frame\"></iframe><script>alert(4)</script></body></html>\r\n"
)


def test_an_html_body_with_scripts_remote_images_and_javascript_links_is_shown_as_its_text_only():
    view, text = view_json(HOSTILE_HTML)
    assert view.body.source == "text/html"
    assert "Dear customer," in view.body.text and "pay here today" in view.body.text
    for markup in MARKUP:
        assert markup not in text, markup


def test_the_plain_text_alternative_is_preferred_to_the_html_one():
    raw = (b"From: a@sender.test\r\nSubject: alt\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/alternative; boundary=b\r\n\r\n"
           b"--b\r\nContent-Type: text/plain\r\n\r\nthe plain words\r\n"
           b"--b\r\nContent-Type: text/html\r\n\r\n<p>the <b>html</b> words</p>\r\n--b--\r\n")
    view = safe_view(raw, RECORD)
    assert (view.body.source, view.body.text) == ("text/plain", "the plain words")


def test_cr_only_line_endings_still_give_separate_headers_and_the_body():
    raw = b"From: a@sender.test\rSubject: old mac\rX-Note: a\r\rhello\rworld\r"
    view = safe_view(raw, RECORD)
    assert [(h.name, h.value) for h in view.headers] == [("From", "a@sender.test"), ("Subject", "old mac"),
                                                         ("X-Note", "a")]
    assert view.body.text == "hello\nworld"


def test_control_characters_and_direction_overrides_are_made_visible_in_headers_and_body():
    raw = ("From: a@sender.test\r\nSubject: invoice\x1b[2J\r\nX-Name: evil\u202etxt.exe\r\n"
           "X-Sep: a\u2028b\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\nline\x07one\x1b]0;pwned\x07\r\nline two\r\n").encode()
    view = safe_view(raw, RECORD)
    values = {h.name: h.value for h in view.headers}
    assert values["Subject"] == "invoice\u241b[2J"  # ␛, not ESC
    assert values["X-Name"] == "evil<U+202E>txt.exe"
    assert values["X-Sep"] == "a<U+2028>b"
    assert view.body.text == "line\u2407one\u241b]0;pwned\u2407\nline two"
    assert not any("\x1b" in line.value or "\u202e" in line.value for line in view.headers)


def test_folded_headers_read_as_one_line_with_spaces():
    raw = b"Received: from mx.sender.test\r\n\tby mx.example.org\r\n  with ESMTP\r\nSubject: x\r\n\r\nhi\r\n"
    assert safe_view(raw, RECORD).headers[0].value == "from mx.sender.test by mx.example.org  with ESMTP"


def test_encoded_words_are_decoded_and_8bit_headers_read_as_utf8_or_windows_1252():
    raw = (b"From: =?utf-8?b?w4lsb2RpZQ==?= <e@sender.test>\r\nSubject: =?iso-8859-1?q?caf=E9?=\r\n"
           b"X-Latin: na\xefve\r\nX-Utf8: gr\xc3\xbc\xc3\x9fe\r\n\r\nhi\r\n")
    values = {h.name: h.value for h in safe_view(raw, RECORD).headers}
    assert values["From"] == "\u00c9lodie <e@sender.test>"
    assert (values["Subject"], values["X-Latin"], values["X-Utf8"]) == ("caf\u00e9", "na\u00efve", "gr\u00fc\u00dfe")


def test_a_non_utf8_body_without_a_charset_is_text_and_the_view_encodes():
    raw = b"From: a@sender.test\r\nSubject: bytes\r\n\r\nna\xefve \xff\xfe\x80 end\r\n"
    view, text = view_json(raw)
    assert view.body.text == "na\u00efve \u00ff\u00fe\u20ac end"  # Windows-1252, as mail programs guess
    assert "\\udc" not in text  # no surrogate escapes: the view is valid UTF-8


def test_a_one_megabyte_header_is_cut_to_the_view_bound_and_says_so():
    raw = b"From: a@sender.test\r\nX-Huge: " + b"A" * 1_000_000 + b"\r\nSubject: after\r\n\r\nbody\r\n"
    started = time.perf_counter()
    view = safe_view(raw, RECORD)
    assert time.perf_counter() - started < 2
    huge = next(h for h in view.headers if h.name == "X-Huge")
    assert huge.truncated and len(huge.value) == HEADER_VALUE_MAX
    assert not next(h for h in view.headers if h.name == "From").truncated
    assert view.body.text == "body"


def test_thousands_of_header_fields_are_capped_with_a_flag():
    raw = b"From: a@sender.test\r\n" + b"".join(b"X-F%d: v\r\n" % n for n in range(2000)) + b"\r\nbody\r\n"
    view = safe_view(raw, RECORD)
    assert len(view.headers) == HEADERS_MAX and view.headers_truncated
    assert not safe_view(b"From: a@sender.test\r\n\r\nx\r\n", RECORD).headers_truncated


def test_five_hundred_nested_parts_are_cut_by_the_parser_bounds_and_never_raise():
    raw = bytearray(b"From: a@sender.test\r\nSubject: deep\r\nMIME-Version: 1.0\r\n")
    for depth in range(500):
        raw += b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (depth, depth)
    raw += b"Content-Type: text/plain\r\n\r\ndeep inside\r\n"
    for depth in reversed(range(500)):
        raw += b"--b%d--\r\n" % depth
    started = time.perf_counter()
    view = safe_view(bytes(raw), RECORD)
    assert time.perf_counter() - started < 5
    assert view.incomplete and any("depth" in d or "nest" in d for d in view.defects)
    assert len(view.defects) <= 50


def test_five_hundred_sibling_attachments_stay_within_the_view_bound():
    parts = b"".join(b"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; "
                     b"filename=f%d.bin\r\n\r\nx\r\n" % n for n in range(600))
    raw = (b"From: a@sender.test\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
           + parts + b"--b--\r\n")
    view = safe_view(raw, RECORD)
    assert view.incomplete and len(view.attachments) <= 200
    assert view.attachments_truncated == (len(view.attachments) == 200)


@pytest.mark.parametrize("raw", [
    b"",
    b"\x00\x01\x02 not mail at all \xff",
    b"Content-Type: multipart/mixed\r\n\r\n--x\r\nno boundary parameter\r\n",
    b"From: a@sender.test\r\nContent-Type: multipart/mixed; boundary=\"unclosed\r\n\r\n--unclosed\r\n"
    b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64@@@\r\n",
    b"From: a@sender.test\r\nContent-Type: text/html; charset=x-no-such-charset\r\n\r\n<p>unknown</p>\r\n",
    b"From: a@sender.test\r\nContent-Type: text/html\r\n\r\n<<<<>>>><scr<script>ipt>alert(1)</script><!--",
])
def test_malformed_mime_and_non_mail_give_a_view_not_an_exception(raw):
    view, text = view_json(raw)
    assert "<script" not in text  # what is left is the sender's text (as a browser shows it), never an element
    assert view.backup_id == RECORD.backup_id


def test_random_bytes_never_raise():
    rng = random.Random(14)
    seed = HOSTILE_HTML + b"\r\n--b\r\nContent-Type: multipart/mixed; boundary=b\r\n=?utf-8?q?x?=\r\x00\xff"
    for _ in range(200):
        data = bytearray(seed)
        for _ in range(rng.randint(1, 40)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        msgspec.json.encode(safe_view(bytes(data), RECORD))


def test_a_long_body_is_cut_with_a_flag():
    raw = b"From: a@sender.test\r\n\r\n" + b"word " * (BODY_MAX // 4)
    body = safe_view(raw, RECORD).body
    assert body.truncated and len(body.text) == BODY_MAX


ATTACHED = (b"From: a@sender.test\r\nSubject: files\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
            b"--b\r\nContent-Type: text/plain\r\n\r\nsee the files\r\n"
            b"--b\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=\"photo.png\"\r\n\r\n"
            b"%PDF-1.4\r\n1 0 obj\r\n"
            b"--b\r\nContent-Type: application/zip\r\n"
            b"Content-Disposition: attachment; filename=\"tool\xe2\x80\xaegpj.zip\"\r\n\r\n"
            b"PK\x03\x04 not really\r\n--b--\r\n")


def report(*results: ScannerResult) -> ScanReport:
    return ScanReport(message_id="m-1", raw_location={}, envelope=Envelope("eve@evil.test", ("bob@example.org",)),
                      facts={}, results=results)


def test_attachments_show_their_true_type_hash_and_what_the_scanners_and_the_decision_did_to_them():
    pdf_path, zip_path = "2", "3"
    antivirus = ScannerResult("antivirus", "infected", reasons=(Contribution("AV_INFECTED", 10, "a virus", "Eicar"),),
                              details={"threats": ["Eicar-Test-Signature"],
                                       "parts": [{"part_path": zip_path, "filename": "tool.zip",
                                                  "verdict": "infected", "threats": ["Eicar-Test-Signature"]},
                                                 {"part_path": pdf_path, "verdict": "clean"}]})
    content = ScannerResult("content_filter", "violation",
                            details={"matches": [{"expression": "Disguised files", "action": "delete_attachment",
                                                  "parts": [pdf_path]}]})
    kept = Decision(action="delete_attachment", backup=True, rule="Default", reason="infected attachment removed",
                    module="antivirus", verdict_class="infected", path=("rule Default matched", "antivirus: infected"),
                    removals=(PartRemoval(zip_path, "tool.zip", "infected: Eicar-Test-Signature"),))
    view = safe_view(ATTACHED, RECORD, report(antivirus, content), decision_path(kept, RECORD.recipients, True))
    pdf, archive = view.attachments
    assert (pdf.name, pdf.declared_type, pdf.true_type, pdf.size) == ("photo.png", "image/png", "application/pdf", 17)
    assert pdf.sha256 == hashlib.sha256(b"%PDF-1.4\r\n1 0 obj").hexdigest()
    assert (pdf.infected, pdf.removed, pdf.why) == (False, False, ("content filtering: Disguised files "
                                                                   "(delete_attachment)",))
    assert archive.name == "tool<U+202E>gpj.zip"
    assert (archive.infected, archive.threats, archive.removed) == (True, ("Eicar-Test-Signature",), True)
    assert archive.why == ("infected: Eicar-Test-Signature", "removed: infected: Eicar-Test-Signature")
    assert [(s.scanner, s.verdict, [t.test for t in s.tests]) for s in view.scanners] == [
        ("antivirus", "infected", ["AV_INFECTED"]), ("content_filter", "violation", [])]
    assert view.decision is not None and view.decision.steps == ("rule Default matched", "antivirus: infected")
    assert view.decision.recorded and view.decision.removals[0].part_path == zip_path


def test_without_a_scan_report_the_attachments_are_listed_without_findings():
    view = safe_view(ATTACHED, RECORD)
    assert [a.name for a in view.attachments] == ["photo.png", "tool<U+202E>gpj.zip"]
    assert not any(a.infected or a.removed or a.why for a in view.attachments)
    assert view.scanners == () and view.decision is None


@pytest.mark.parametrize(("verdicts", "verdict_class", "dangerous"), [
    ({"antivirus": "infected"}, None, True),
    ({"antiphishing": "phishing"}, "phishing", True),
    ({"links": "malicious_link"}, "malicious_link", True),
    ({"antispam": "spam"}, "spam", False),
    ({"antiphishing": "probable_phishing"}, "probable_phishing", False),
])
def test_infected_and_phishing_entries_are_dangerous_spam_is_not(verdicts, verdict_class, dangerous):
    record = msgspec.structs.replace(RECORD, verdicts=verdicts, verdict_class=verdict_class)
    assert is_dangerous(record) is dangerous
