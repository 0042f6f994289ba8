"""The SMTP relay against real aiosmtpd servers: what the organisation's mail server receives."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest

from mailgate.config import DeliverySettings, Route, SmtpHost
from mailgate.delivery.errors import PermanentDeliveryError, TemporaryDeliveryError
from mailgate.delivery.smtp_relay import SmtpRelay
from tests.support.smtp_servers import LOOPBACK, GreetingServer, RecordingServer, TestPki, free_port
from tests.unit.delivery.conftest import RELAY_PASSWORD, RELAY_USER

MESSAGE = (
    b"From: Alice <alice@example.org>\r\n"
    b"To: Bob <bob@corp.test>\r\n"
    b"Subject: Quarterly report\r\n"
    b"Message-ID: <q3@example.org>\r\n"
    b"\r\n"
    b"Hello Bob,\r\n"
    b".a line that starts with a dot\r\n"
    b"Regards\r\n"
)


def route(*ports: int, **settings: object) -> Route:
    hosts = tuple(SmtpHost(host=LOOPBACK, port=p, priority=10 * (i + 1)) for i, p in enumerate(ports))
    return msgspec.convert({"hosts": [msgspec.to_builtins(h) for h in hosts], **settings}, Route)


def relay(r: Route, pki: TestPki | None = None, timeout: float = 5.0, **kwargs: Any) -> SmtpRelay:
    return SmtpRelay(r, DeliverySettings(connect_timeout_seconds=timeout),
                     tls_context=pki.client_context if pki else None, helo_name="gateway.corp.test", **kwargs)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A host that accepts the TCP connection and then never says a word."""
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        s.listen(8)
        yield s.getsockname()[1]


# -- what arrives, and how ----------------------------------------------------------------------------


def test_downstream_receives_exactly_the_bytes_sent(plain_server: RecordingServer) -> None:
    result = relay(route(plain_server.port)).deliver("alice@example.org", ["bob@corp.test"], MESSAGE)

    [received] = plain_server.messages
    assert received.data == MESSAGE
    assert (received.mail_from, received.rcpt_tos) == ("alice@example.org", ("bob@corp.test",))
    assert result.accepted == ("bob@corp.test",)
    assert not result.refused
    assert (result.host, result.port, result.tls) == (LOOPBACK, plain_server.port, False)
    assert result.reply == "250 2.0.0 Ok: queued as TEST0001"
    assert result.queue_id == "TEST0001"


def test_starttls_is_used_whenever_the_server_offers_it(tls_server: RecordingServer, pki: TestPki) -> None:
    result = relay(route(tls_server.port), pki).deliver("alice@example.org", ["bob@corp.test"], MESSAGE)

    assert result.tls
    [received] = tls_server.messages
    assert received.tls
    assert received.data == MESSAGE
    assert all(over_tls for _, over_tls in tls_server.mail_attempts)


def test_required_tls_to_a_server_without_starttls_defers_and_sends_nothing_in_clear(
        plain_server: RecordingServer) -> None:
    with pytest.raises(TemporaryDeliveryError) as caught:
        relay(route(plain_server.port, require_tls=True)).deliver("alice@example.org", ["bob@corp.test"],
                                                                   MESSAGE)

    assert caught.value.enhanced_status == "4.7.4"
    assert "does not offer STARTTLS" in str(caught.value)
    assert plain_server.mail_attempts == []
    assert plain_server.messages == []


def test_an_untrusted_certificate_defers_and_never_falls_back_to_clear(tls_server: RecordingServer) -> None:
    # No test CA given: the system's trust store does not know our test certificate.
    with pytest.raises(TemporaryDeliveryError) as caught:
        relay(route(tls_server.port)).deliver("alice@example.org", ["bob@corp.test"], MESSAGE)

    assert "TLS handshake failed" in str(caught.value)
    assert tls_server.mail_attempts == []


def test_verify_tls_off_still_encrypts_with_an_unknown_certificate(tls_server: RecordingServer) -> None:
    result = relay(route(tls_server.port, verify_tls=False)).deliver("alice@example.org", ["bob@corp.test"],
                                                                     MESSAGE)

    assert result.tls
    assert tls_server.messages[0].tls


def test_bare_line_feeds_leave_as_crlf_so_nothing_can_be_smuggled(plain_server: RecordingServer) -> None:
    smuggling = (b"Subject: hello\n\nfirst line\n.\r\nMAIL FROM:<ceo@corp.test>\r\n"
                 b"RCPT TO:<victim@corp.test>\r\nDATA\r\nSubject: forged\r\n\r\nfake\r\n.\r\n")

    relay(route(plain_server.port)).deliver("alice@example.org", ["bob@corp.test"], smuggling)

    [received] = plain_server.messages  # one message, not two
    assert received.rcpt_tos == ("bob@corp.test",)
    assert b"\r\n.\r\nMAIL FROM:<ceo@corp.test>\r\n" in received.data
    assert b"\n" not in received.data.replace(b"\r\n", b"")


# -- which host -----------------------------------------------------------------------------------------


def test_with_the_first_host_down_the_second_gets_the_mail(plain_server: RecordingServer) -> None:
    result = relay(route(free_port(), plain_server.port)).deliver("alice@example.org", ["bob@corp.test"],
                                                                  MESSAGE)

    assert result.port == plain_server.port
    assert plain_server.messages[0].data == MESSAGE


def test_a_busy_greeting_moves_on_to_the_next_host(plain_server: RecordingServer) -> None:
    with GreetingServer("421 4.3.2 Too busy, try later") as busy:
        result = relay(route(busy.port, plain_server.port)).deliver("alice@example.org", ["bob@corp.test"],
                                                                    MESSAGE)

    assert result.port == plain_server.port
    assert len(plain_server.messages) == 1


def test_a_5xx_greeting_is_final_and_no_other_host_is_tried(plain_server: RecordingServer) -> None:
    with GreetingServer("554 5.7.1 No service for you") as hostile, \
            pytest.raises(PermanentDeliveryError) as caught:
        relay(route(hostile.port, plain_server.port)).deliver("alice@example.org", ["bob@corp.test"], MESSAGE)

    assert caught.value.code == 554
    assert caught.value.server_text == "5.7.1 No service for you"
    assert plain_server.mail_attempts == []


def test_a_silent_host_times_out_per_the_settings_and_the_next_host_delivers(
        silent_port: int, plain_server: RecordingServer) -> None:
    started = time.monotonic()
    result = relay(route(silent_port, plain_server.port), timeout=0.5).deliver(
        "alice@example.org", ["bob@corp.test"], MESSAGE)

    assert time.monotonic() - started < 3
    assert result.port == plain_server.port


def test_a_server_that_hangs_after_data_defers_within_the_timeout() -> None:
    with RecordingServer() as hanging:
        hanging.stall_data(30)
        started = time.monotonic()
        with pytest.raises(TemporaryDeliveryError) as caught:
            relay(route(hanging.port), timeout=0.5).deliver("alice@example.org", ["bob@corp.test"], MESSAGE)

        assert time.monotonic() - started < 3  # one timeout, no second wait for a QUIT reply
        assert "during DATA" in str(caught.value)


def test_a_route_with_a_credentials_secret_but_no_reader_never_relays_unauthenticated(
        plain_server: RecordingServer) -> None:
    with pytest.raises(TemporaryDeliveryError):
        relay(route(plain_server.port, username_secret="mailgate/smarthost")).deliver(
            "alice@example.org", ["bob@corp.test"], MESSAGE)

    assert plain_server.mail_attempts == []


def test_when_every_host_is_down_the_delivery_is_deferred_naming_each() -> None:
    first, second = free_port(), free_port()
    with pytest.raises(TemporaryDeliveryError) as caught:
        relay(route(first, second)).deliver("alice@example.org", ["bob@corp.test"], MESSAGE)

    assert f":{first}" in str(caught.value)
    assert f":{second}" in str(caught.value)
    assert caught.value.port == second


# -- what the server says -------------------------------------------------------------------------------


def test_451_for_the_recipient_defers(plain_server: RecordingServer) -> None:
    plain_server.reply_to_rcpt("bob@corp.test", "451 4.3.0 Mailbox temporarily unavailable")

    with pytest.raises(TemporaryDeliveryError) as caught:
        relay(route(plain_server.port)).deliver("alice@example.org", ["bob@corp.test"], MESSAGE)

    assert caught.value.code == 451
    assert caught.value.enhanced_status == "4.3.0"
    assert caught.value.refused == {"bob@corp.test": (451, "4.3.0 Mailbox temporarily unavailable")}
    assert plain_server.messages == []


def test_550_bounces_with_the_server_text(plain_server: RecordingServer) -> None:
    plain_server.reply_to_rcpt("bob@corp.test", "550 5.1.1 No such user here")

    with pytest.raises(PermanentDeliveryError) as caught:
        relay(route(plain_server.port)).deliver("alice@example.org", ["bob@corp.test"], MESSAGE)

    error = caught.value
    assert (error.code, error.enhanced_status, error.server_text) == (550, "5.1.1", "5.1.1 No such user here")
    assert error.host == LOOPBACK
    assert "550 5.1.1 No such user here" in str(error)


def test_a_refused_sender_defers_or_bounces_by_its_code(plain_server: RecordingServer) -> None:
    plain_server.reply_to_mail("452 4.3.1 Insufficient system storage")
    with pytest.raises(TemporaryDeliveryError):
        relay(route(plain_server.port)).deliver("alice@example.org", ["bob@corp.test"], MESSAGE)

    plain_server.reply_to_mail("553 5.7.1 Sender address rejected")
    with pytest.raises(PermanentDeliveryError) as caught:
        relay(route(plain_server.port)).deliver("alice@example.org", ["bob@corp.test"], MESSAGE)
    assert caught.value.enhanced_status == "5.7.1"


def test_content_refused_after_data_bounces_for_every_accepted_recipient(
        plain_server: RecordingServer) -> None:
    plain_server.reply_to_data("554 5.7.1 Message rejected as spam")

    with pytest.raises(PermanentDeliveryError) as caught:
        relay(route(plain_server.port)).deliver("alice@example.org", ["bob@corp.test", "carol@corp.test"],
                                                MESSAGE)

    assert set(caught.value.refused) == {"bob@corp.test", "carol@corp.test"}


def test_mixed_recipient_outcomes_are_reported_per_recipient(plain_server: RecordingServer) -> None:
    plain_server.reply_to_rcpt("later@corp.test", "451 4.2.1 Mailbox busy")
    plain_server.reply_to_rcpt("gone@corp.test", "550 5.1.1 User unknown")

    result = relay(route(plain_server.port)).deliver(
        "alice@example.org", ["bob@corp.test", "later@corp.test", "gone@corp.test"], MESSAGE)

    assert result.accepted == ("bob@corp.test",)
    assert result.temporary == {"later@corp.test": (451, "4.2.1 Mailbox busy")}
    assert result.permanent == {"gone@corp.test": (550, "5.1.1 User unknown")}
    [received] = plain_server.messages
    assert received.rcpt_tos == ("bob@corp.test",)


def test_refusals_of_both_kinds_with_nobody_accepted_are_a_result_not_an_error(
        plain_server: RecordingServer) -> None:
    plain_server.reply_to_rcpt("later@corp.test", "451 4.2.1 Mailbox busy")
    plain_server.reply_to_rcpt("gone@corp.test", "550 5.1.1 User unknown")

    result = relay(route(plain_server.port)).deliver(
        "alice@example.org", ["later@corp.test", "gone@corp.test"], MESSAGE)

    assert result.accepted == ()
    assert set(result.temporary) == {"later@corp.test"}
    assert set(result.permanent) == {"gone@corp.test"}
    assert plain_server.messages == []


# -- 8-bit and international mail ---------------------------------------------------------------------


def test_an_8bit_utf8_message_with_international_addresses_arrives_intact(tls_server: RecordingServer,
                                                                          pki: TestPki) -> None:
    message = ("From: Jürgen <jürgen@example.org>\r\nTo: Zoë <zoë@corp.test>\r\nSubject: Grüße\r\n\r\n"
               "Schöne Grüße, 你好\r\n").encode()

    result = relay(route(tls_server.port), pki).deliver("jürgen@example.org", ["zoë@corp.test"], message)

    assert result.accepted == ("zoë@corp.test",)
    [received] = tls_server.messages
    assert received.data == message
    assert (received.mail_from, received.rcpt_tos) == ("jürgen@example.org", ("zoë@corp.test",))
    assert received.smtputf8
    assert {"SMTPUTF8", "BODY=8BITMIME"} <= set(received.mail_options)


def test_an_8bit_body_with_ascii_addresses_is_announced_as_8bitmime(plain_server: RecordingServer) -> None:
    message = "Subject: plain\r\n\r\nCafé crème\r\n".encode()

    relay(route(plain_server.port)).deliver("alice@example.org", ["bob@corp.test"], message)

    [received] = plain_server.messages
    assert received.data == message
    assert "BODY=8BITMIME" in received.mail_options
    assert not received.smtputf8


def test_an_international_address_to_a_server_without_smtputf8_bounces() -> None:
    with RecordingServer(smtputf8=False) as ascii_only, pytest.raises(PermanentDeliveryError) as caught:
        relay(route(ascii_only.port)).deliver("alice@example.org", ["zoë@corp.test"], MESSAGE)

    assert caught.value.enhanced_status == "5.6.7"


# -- authentication -----------------------------------------------------------------------------------


def test_credentials_authenticate_after_starttls(auth_server: RecordingServer, pki: TestPki) -> None:
    result = relay(route(auth_server.port), pki, credentials=(RELAY_USER, RELAY_PASSWORD)).deliver(
        "alice@example.org", ["bob@corp.test"], MESSAGE)

    assert result.tls
    [received] = auth_server.messages
    assert received.login == RELAY_USER


def test_credentials_come_from_the_routes_secret(auth_server: RecordingServer, pki: TestPki) -> None:
    class Secrets:
        def get(self, name: str) -> str:
            assert name == "mailgate/smarthost"
            return json.dumps({"username": RELAY_USER, "password": RELAY_PASSWORD})

    r = route(auth_server.port, username_secret="mailgate/smarthost")
    relay(r, pki, secrets=Secrets()).deliver("alice@example.org", ["bob@corp.test"], MESSAGE)

    assert auth_server.messages[0].login == RELAY_USER


def test_a_wrong_password_defers_instead_of_bouncing(auth_server: RecordingServer, pki: TestPki) -> None:
    with pytest.raises(TemporaryDeliveryError) as caught:
        relay(route(auth_server.port), pki, credentials=(RELAY_USER, "wrong")).deliver(
            "alice@example.org", ["bob@corp.test"], MESSAGE)

    assert caught.value.code == 535
    assert auth_server.messages == []


def test_credentials_are_never_sent_over_an_unencrypted_connection(plain_server: RecordingServer) -> None:
    with pytest.raises(TemporaryDeliveryError) as caught:
        relay(route(plain_server.port), credentials=(RELAY_USER, RELAY_PASSWORD)).deliver(
            "alice@example.org", ["bob@corp.test"], MESSAGE)

    assert "not sending them in clear" in str(caught.value)
    assert plain_server.mail_attempts == []


def test_implicit_tls_submission_port_with_authentication(pki: TestPki) -> None:
    server = RecordingServer(implicit_tls=pki.server_context(), users={RELAY_USER: RELAY_PASSWORD})
    with server:
        result = relay(route(server.port), pki, credentials=(RELAY_USER, RELAY_PASSWORD),
                       implicit_tls_ports={server.port}).deliver("alice@example.org", ["bob@corp.test"],
                                                                 MESSAGE)

        assert result.tls
        [received] = server.messages
        assert received.tls
        assert received.login == RELAY_USER
