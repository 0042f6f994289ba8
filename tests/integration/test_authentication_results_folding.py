"""Our Authentication-Results stays within RFC 5322's line limits however many signatures a sender adds:
ten DKIM signatures (sender-controlled) made one 2,500-octet line before; now the field is folded at 78
characters where it can be, never past 998, and unfolds to a value authres parses."""

from __future__ import annotations

import base64
import re

import authres
import pytest

from tests.support.local_gateway import delivered_raw, outcomes, send

pytestmark = pytest.mark.integration


def signed_ten_times() -> bytes:
    signatures = [
        f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=team{i}.sender.test; s=s{i};\r\n"
        f" h=from:to:subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n"
        f" b={base64.b64encode(bytes([i]) * 96).decode()}\r\n".encode() for i in range(10)]
    return b"".join(signatures) + (b"From: Alice <alice@sender.test>\r\nTo: bob@example.test\r\n"
                                   b"Subject: ten signatures\r\n\r\nHello.\r\n")


def test_ten_dkim_signatures_make_a_folded_authentication_results(gateway) -> None:
    message_id = send(gateway, "alice@sender.test", ["bob@example.test"], signed_ten_times())
    assert [e["kind"] for e in outcomes(gateway, message_id)] == ["delivered"]
    [raw] = delivered_raw(gateway, message_id)
    head = raw.split(b"\r\n\r\n", 1)[0]
    field = re.search(rb"^Authentication-Results: mailgate\.local;.*?(?=\r\n\S)", head, re.M | re.S)
    assert field is not None
    lines = field.group(0).split(b"\r\n")
    assert len(lines) > 10 and all(len(line) <= 78 for line in lines), [len(line) for line in lines]
    assert all(len(line) <= 998 for line in head.split(b"\r\n"))
    value = b" ".join(line.strip() for line in lines).decode().split(":", 1)[1]
    parsed = authres.all_features().parse_value(value)
    assert str(parsed.authserv_id) == "mailgate.local"
    assert [r.method for r in parsed.results].count("dkim") == 10
