"""What kind of thing was wrong with a message, as data: scanners decide on kinds, never on sentences.

Modelled on CPython's `email.errors` defect classes (the stdlib's counterpart is named beside each
kind); the parser's readable texts stay for humans and are capped, the kinds are counted in full.
The `*_CUT` kinds are bounds the parser enforced: something was not parsed or not inspected.
"""

from __future__ import annotations

from enum import StrEnum


class DefectKind(StrEnum):
    # Malformed input (the message was read, leniently)
    EMPTY_MESSAGE = "empty_message"
    NO_HEADERS = "no_headers"  # content starts without header fields (MissingHeaderBodySeparatorDefect)
    MISSING_HEADER_SEPARATOR = "missing_header_separator"  # MissingHeaderBodySeparatorDefect
    DUPLICATE_FIELD = "duplicate_field"  # a field allowed once appears again (MultipleHeadersDefect in spirit)
    NO_BOUNDARY = "no_boundary"  # NoBoundaryInMultipartDefect
    START_BOUNDARY_NOT_FOUND = "start_boundary_not_found"  # StartBoundaryNotFoundDefect
    CLOSE_BOUNDARY_NOT_FOUND = "close_boundary_not_found"  # CloseBoundaryNotFoundDefect
    INVALID_PARAMETERS = "invalid_parameters"  # InvalidHeaderDefect (unparsable MIME parameters)
    TRANSFER_ENCODING = "transfer_encoding"  # InvalidBase64CharactersDefect, InvalidBase64PaddingDefect...
    CHARSET = "charset"  # CharsetError, UndecodableBytesDefect
    EMPTY_ATTACHED_MESSAGE = "empty_attached_message"
    ARCHIVE_DAMAGED = "archive_damaged"  # an archive or a member that cannot be read
    ARCHIVE_NOT_LISTED = "archive_not_listed"  # a format not listed (7z, rar) or a nested archive too large
    ARCHIVE_BOMB = "archive_bomb"
    LINE_ENDINGS_NORMALISED = "line_endings_normalised"  # a bare CR, or LF among CRLF, made the message's own
    # Bounds that cut something: the message was not fully parsed or inspected
    STRUCTURE_CUT = "structure_cut"  # MIME parts, depth or a header block (fields, size, a value) not read whole
    CONTENT_CUT = "content_cut"  # decoded content beyond the part or total bound not kept
    ARCHIVE_CUT = "archive_cut"  # archive nesting, member listing or inspection budget reached
    HTML_CUT = "html_cut"  # HTML beyond the bound not rendered to text
    URL_CUT = "url_cut"  # URLs beyond the bound not collected
    PARSER_FAILURE = "parser_failure"  # a part (or the whole message) could not be processed: a parser bug


CUTS = frozenset({DefectKind.STRUCTURE_CUT, DefectKind.CONTENT_CUT, DefectKind.ARCHIVE_CUT, DefectKind.HTML_CUT,
                  DefectKind.URL_CUT, DefectKind.PARSER_FAILURE})
# Cuts after which MIME content exists that no per-part view holds: parts, bodies or attachment bytes unseen.
HIDES_CONTENT = frozenset({DefectKind.STRUCTURE_CUT, DefectKind.CONTENT_CUT, DefectKind.PARSER_FAILURE})
