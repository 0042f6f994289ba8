"""Header fields as a reader sees them: decoded, unfolded, addresses parsed safely."""

from __future__ import annotations

import base64

import pytest

from mailgate.message import parse_message

from .build import raw_mail


def encoded_word(text: str, charset: str) -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode()}?="


@pytest.mark.parametrize("charset", ["koi8-r", "iso-2022-jp", "gb2312", "big5", "shift_jis",
                                     "windows-1251", "iso-8859-7", "utf-16"])
def test_subjects_encoded_in_odd_charsets_are_decoded(charset: str) -> None:
    text = {"koi8-r": "Привет", "windows-1251": "Счёт", "iso-8859-7": "Γειά",
            "iso-2022-jp": "こんにちは", "shift_jis": "請求書", "gb2312": "发票", "big5": "發票",
            "utf-16": "invoice ✓"}[charset]
    message = parse_message(raw_mail("From: a@example.test", f"Subject: {encoded_word(text, charset)}"))
    assert message.subject == text


def test_a_multibyte_character_split_across_encoded_words_survives() -> None:
    data = "café €".encode()
    first, second = base64.b64encode(data[:4]).decode(), base64.b64encode(data[4:]).decode()
    message = parse_message(raw_mail(f"Subject: =?utf-8?B?{first}?=\r\n =?utf-8?B?{second}?="))
    assert message.subject == "café €"


def test_encoded_words_mix_with_plain_text_and_q_encoding() -> None:
    message = parse_message(raw_mail("Subject: Re: =?iso-8859-1?q?caf=E9_cr=E8me?= [ticket 7]"))
    assert message.subject == "Re: café crème [ticket 7]"


def test_unknown_charset_and_broken_base64_in_encoded_words_do_not_raise() -> None:
    message = parse_message(raw_mail("Subject: =?x-nonsense?Q?hello?= =?utf-8?B?!!aGk?="))
    assert message.subject == "hellohi"


def test_raw_utf8_headers_are_read_as_utf8_and_others_as_windows_1252() -> None:
    raw = b"From: a@example.test\r\nSubject: caf\xc3\xa9\r\nX-Legacy: caf\xe9\r\n\r\nbody"
    message = parse_message(raw)
    assert message.subject == "café"
    assert message.header("x-legacy") == "café"


def test_header_lookup_is_case_insensitive_and_keeps_order() -> None:
    message = parse_message(raw_mail("Received: one", "From: a@example.test", "received: two"))
    assert message.header("RECEIVED") == "one"
    assert message.header_all("Received") == ["one", "two"]
    assert message.header("X-Missing") is None
    assert [name for name, _ in message.headers] == ["Received", "From", "received"]


def test_addresses_are_parsed_with_display_names_decoded() -> None:
    raw = raw_mail('From: "Doe, Jane" <jane@example.test>',
                   "To: bob@example.test, =?utf-8?Q?Ren=C3=A9?= <rene@example.test>",
                   "Cc: Team <team@example.test>", "Reply-To: <replies@example.test>")
    message = parse_message(raw)
    assert message.from_addresses == (("Doe, Jane", "jane@example.test"),)
    assert message.to == (("", "bob@example.test"), ("René", "rene@example.test"))
    assert message.cc == (("Team", "team@example.test"),)
    assert message.reply_to == (("", "replies@example.test"),)


def test_an_encoded_display_name_cannot_inject_an_address() -> None:
    # The name decodes to "paypal <service@paypal.test>"; the real address is the attacker's.
    name = base64.b64encode(b"paypal <service@paypal.test>").decode()
    message = parse_message(raw_mail(f"From: =?utf-8?B?{name}?= <attacker@evil.test>"))
    assert message.from_addresses == (("paypal <service@paypal.test>", "attacker@evil.test"),)


def test_unparsable_address_headers_give_empty_lists() -> None:
    message = parse_message(raw_mail("From: <<<>>>", "To: undisclosed-recipients:;"))
    assert message.from_addresses == ()
    assert message.to == ()


def test_repeated_single_fields_are_recorded() -> None:
    message = parse_message(raw_mail("From: a@example.test", "From: b@example.test", "Subject: one"))
    assert message.from_addresses == (("", "a@example.test"),)
    assert "2 from header fields where one is allowed" in message.defects


def test_message_id_and_date_are_exposed() -> None:
    message = parse_message(raw_mail("Message-ID: <abc@example.test>", "Date: Mon, 1 Jan 2024 10:00:00 +0000"))
    assert message.message_id == "<abc@example.test>"
    assert message.date == "Mon, 1 Jan 2024 10:00:00 +0000"


def test_control_characters_never_reach_header_values() -> None:
    message = parse_message(b"Subject: a\x0bb\x00c\x1bd\r\n\r\n")
    assert message.subject == "a b c d"
    assert parse_message(b"Subject: a\rb\x00c\r\n\r\n").subject == "a"  # a bare CR ends the field
