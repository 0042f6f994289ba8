"""Hard bounds on parsing: hostile mail must cost bounded time and memory, never an exception."""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024
# Characters of a subject or display name that scanners' heuristic patterns look at. Both are sender-controlled
# and the parser keeps up to 64 KiB of a field; many useful patterns are only linear on bounded text, and no
# honest subject or name is longer than a line of mail (998 octets). Content Filtering's expressions, which
# have their own timeout, see the whole field.
HEURISTIC_TEXT_LIMIT = 1000


@dataclass(frozen=True)
class ParseLimits:
    """Every bound the parser enforces while walking; each cut is recorded as a defect.

    Defaults fit a Lambda with 1-2 GB of memory and SES's 40 MB message ceiling.
    """

    max_depth: int = 20  # MIME nesting (multipart and message/rfc822) below the top-level entity
    max_parts: int = 500  # MIME entities walked, containers included
    max_headers: int = 1000  # header fields kept per entity
    max_header_length: int = 64 * 1024  # characters of one unfolded header value
    max_header_block_bytes: int = 8 * MiB  # one entity's header block; real ones are kilobytes
    max_part_decoded_bytes: int = 50 * MiB
    max_total_decoded_bytes: int = 200 * MiB
    max_archive_depth: int = 3  # archive levels opened: members of an archive inside an archive...
    max_archive_members: int = 2000  # members listed per message, all attachments and levels together
    max_archive_ratio: int = 100  # expansion ratio above which a large expansion is a bomb
    max_archive_expanded_bytes: int = 500 * MiB  # declared expansion above which an archive is a bomb
    archive_bomb_floor_bytes: int = 10 * MiB  # a high ratio only matters for expansions this large
    max_archive_inspect_bytes: int = 64 * MiB  # bytes decompressed in memory to look inside archives
    max_nested_archive_bytes: int = 32 * MiB  # a nested archive larger than this is listed, not opened
    max_magic_lookups: int = 64  # slow puremagic fallbacks per message (fast signatures are unbounded)
    max_urls: int = 2000
    max_url_length: int = 8192
    max_html_bytes_for_text: int = 5 * MiB  # HTML beyond this is not rendered to text nor mined for links


DEFAULT_LIMITS = ParseLimits()
