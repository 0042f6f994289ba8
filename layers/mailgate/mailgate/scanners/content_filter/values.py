"""The attributes a condition can test, read from one message once and only when asked."""

from __future__ import annotations

from functools import cached_property

from mailgate.message.model import Message
from mailgate.scan.envelope import Envelope
from mailgate.scanners.content_filter.files import FileView, message_files


class MessageValues:
    """Text attributes are tuples of values: a condition matches when any value does."""

    def __init__(self, message: Message, envelope: Envelope) -> None:
        self.message = message
        self.envelope = envelope

    @cached_property
    def _files(self) -> tuple[tuple[FileView, ...], tuple[str, ...]]:
        return message_files(self.message)

    @property
    def files(self) -> tuple[FileView, ...]:
        return self._files[0]

    @property
    def file_problems(self) -> tuple[str, ...]:
        return self._files[1]

    @cached_property
    def attachment_parts(self) -> tuple[str, ...]:
        return tuple(a.part_path for a in self.message.attachments)

    @cached_property
    def subject(self) -> tuple[str, ...]:
        return (self.message.subject,)

    @cached_property
    def body(self) -> tuple[str, ...]:
        """Plain text parts and what the HTML parts show, attached messages' included (whole: a matcher
        that examines only MAX_VALUE_CHARS of it says so)."""
        message = self.message
        return ("\n".join(part for part in (message.text_body, message.html_text) if part),)

    @cached_property
    def sender(self) -> tuple[str, ...]:
        """The envelope sender and the From addresses (a forged From is mail authentication's to judge)."""
        found = [self.envelope.mail_from, *(address for _, address in self.message.from_addresses)]
        return tuple(dict.fromkeys(a for a in found if a))

    @cached_property
    def recipients(self) -> tuple[str, ...]:
        """Envelope recipients (Bcc included); the To and Cc addresses when there is no envelope."""
        if self.envelope.recipients:
            return tuple(dict.fromkeys(self.envelope.recipients))
        return tuple(dict.fromkeys(address for _, address in (*self.message.to, *self.message.cc) if address))

    @cached_property
    def cc(self) -> tuple[str, ...]:
        return tuple(address for _, address in self.message.cc if address)

    def header(self, name: str) -> tuple[str, ...]:
        return tuple(self.message.header_all(name))
