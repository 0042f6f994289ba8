"""Messages, settings and the scanner for the Content Filtering tests."""

from __future__ import annotations

from email.message import EmailMessage

from mailgate.config import ContentCondition, ContentDictionary, ContentExpression, ContentFilterSettings
from mailgate.message import parse_message
from mailgate.scan.envelope import Envelope
from mailgate.scan.report import ScannerResult
from mailgate.scanners.base import ScanContext
from mailgate.scanners.content_filter.scanner import ContentFilterScanner

RECIPIENTS = ("bob@corp.test",)


def condition(attribute: str, operator: str, value: str | int = "", **options: object) -> ContentCondition:
    return ContentCondition(attribute=attribute, operator=operator, value=value, **options)  # type: ignore[arg-type]


def expression(name: str, *conditions: ContentCondition, **options: object) -> ContentExpression:
    options.setdefault("action", "reject")
    return ContentExpression(name=name, conditions=conditions, **options)  # type: ignore[arg-type]


def scanner(*expressions: ContentExpression, dictionaries: tuple[ContentDictionary, ...] = ()) -> ContentFilterScanner:
    return ContentFilterScanner(ContentFilterSettings(expressions=expressions, dictionaries=dictionaries))


def default_scanner() -> ContentFilterScanner:
    return ContentFilterScanner(ContentFilterSettings())


def mail(subject: str = "Quarterly figures", text: str | None = "Hello,\nthe figures are attached.\n",
         html: str | None = None, attachments: tuple[tuple[bytes, str, str], ...] = (),
         sender: str = "Alice <alice@partner.test>", to: str = "bob@corp.test", cc: str | None = None,
         headers: dict[str, str] | None = None) -> bytes:
    """A message as a mail program writes it; attachments are (bytes, file name, MIME type)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    for name, value in (headers or {}).items():
        message[name] = value
    if text is not None:
        message.set_content(text)
    if html is not None:
        if text is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    for data, filename, mime in attachments:
        maintype, _, subtype = mime.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def scan(raw: bytes, filter_: ContentFilterScanner, recipients: tuple[str, ...] = RECIPIENTS,
         mail_from: str = "alice@partner.test") -> ScannerResult:
    context = ScanContext(Envelope(mail_from, recipients), "mx.corp.test", ("corp.test",))
    return filter_.scan(parse_message(raw), context)


def triggered(result: ScannerResult) -> list[str]:
    return [m["expression"] for m in result.details["matches"]]


def matched(result: ScannerResult) -> list[tuple[str | None, str | None]]:
    """(what matched, file) of every reported condition."""
    return [(c["matched"], c["filename"]) for m in result.details["matches"] for c in m["conditions"]]
