"""Header edits leave the body and every other byte of the original untouched."""

from mailgate.delivery.header_edit import edit_headers, split_header_block

RAW = (b"Received: from a\r\n\tby b\r\nAuthentication-Results: mailgate.local; dmarc=pass\r\n"
       b"From: Alice <alice@sender.test>\r\nSubject: hi\r\n folded\r\n\r\nbody line\r\n.\r\n")


def test_fields_with_continuations_are_kept_whole():
    block = split_header_block(RAW)
    assert len(block.fields) == 4
    assert block.fields[0] == b"Received: from a\r\n\tby b\r\n"
    assert block.body == b"\r\nbody line\r\n.\r\n"


def test_remove_and_prepend_preserve_the_rest_byte_for_byte():
    edited = edit_headers(RAW, remove=lambda name, _: name == "authentication-results",
                          prepend=[("X-Test", "one\r\nInjected: header")])
    assert edited.startswith(b"X-Test: one Injected: header\r\nReceived: from a\r\n\tby b\r\nFrom:")
    assert b"Authentication-Results" not in edited
    assert edited.endswith(b"Subject: hi\r\n folded\r\n\r\nbody line\r\n.\r\n")


def test_lf_only_messages_stay_lf():
    edited = edit_headers(b"From: a@b\nSubject: x\n\nbody\n", prepend=[("X-A", "1")])
    assert edited == b"X-A: 1\nFrom: a@b\nSubject: x\n\nbody\n"


def test_message_without_body_or_separator():
    assert edit_headers(b"Subject: only", prepend=[("X-A", "1")]) == b"X-A: 1\nSubject: only\n"
    assert edit_headers(b"", prepend=[("X-A", "1")]) == b"X-A: 1\n"
