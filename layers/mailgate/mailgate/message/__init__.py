"""The message model: a raw message parsed once, under hard bounds, into what scanners read."""

from mailgate.message.defects import DefectKind
from mailgate.message.limits import DEFAULT_LIMITS, ParseLimits
from mailgate.message.model import ArchiveMember, Attachment, Message, Url
from mailgate.message.parser import parse_message

__all__ = ["DEFAULT_LIMITS", "ArchiveMember", "Attachment", "DefectKind", "Message", "ParseLimits", "Url",
           "parse_message"]
