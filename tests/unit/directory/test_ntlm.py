"""NTLM binds, for real Active Directory only (Samba and OpenLDAP do not speak Microsoft's "Sicily"
NTLM bind that ldap3 uses): the NT hash needs MD4, which OpenSSL 3 lacks, so pycryptodome must be
there; and a connection set to NTLM must really offer NTLM to the server."""

from __future__ import annotations

import socket
import ssl
import threading

import pytest
from ldap3.utils.ntlm import NtlmClient

from mailgate.directory.connection import parse_connection
from mailgate.directory.discovery import Endpoint
from mailgate.directory.errors import SyncFailed
from mailgate.directory.reader import open_session
from tests.support.slapd import self_signed

# BindResponse{success, matchedDN "NTLM" (the packages the server offers), ""}
DISCOVERY_RESPONSE = bytes.fromhex("610b0a010004044e544c4d0400")


def discovery_answer(request: bytes) -> bytes:
    """The LDAPMessage carrying DISCOVERY_RESPONSE under the request's message id (ldap3 numbers
    messages per process, so the id depends on what ran before)."""
    offset = 2 + (request[1] & 0x7F if request[1] & 0x80 else 0)  # SEQUENCE tag and length
    assert request[offset] == 0x02  # INTEGER messageID
    message_id = request[offset: offset + 2 + request[offset + 1]]
    body = message_id + DISCOVERY_RESPONSE
    return bytes([0x30, len(body)]) + body


def test_the_ntlmv2_hash_is_computed_even_without_md4_in_openssl():
    # MS-NLMP 4.2.4.1.1: NTOWFv2("Password", "User", "Domain")
    assert NtlmClient("Domain", "User", "Password").ntowf_v2() == bytes.fromhex("0c868a403bfd7a93a3001ef22ef02e3f")


def test_an_ntlm_connection_sends_an_ntlm_negotiate_bind_over_ldaps(tmp_path):
    key, cert = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    received: list[bytes] = []

    def sicily_server() -> None:
        """Answers AD's way to the package discovery ("NTLM"), records the next request, hangs up."""
        raw, _ = listener.accept()
        with context.wrap_socket(raw, server_side=True) as tls:
            received.append(tls.recv(4096))
            tls.sendall(discovery_answer(received[0]))
            received.append(tls.recv(4096))

    server = threading.Thread(target=sicily_server, daemon=True)
    server.start()
    conn = parse_connection({"connection_id": "c1", "name": "AD", "domain": "example.com",
                             "base_dn": "DC=example,DC=com", "bind_dn": "EXAMPLE\\svc-mailgate",
                             "bind_method": "ntlm",
                             "password_secret": "mailgate/ldap/c1", "ca_pem": cert.read_text(),
                             "read_timeout_seconds": 10})
    port = listener.getsockname()[1]
    try:
        with pytest.raises(SyncFailed) as failed:  # the server hangs up after the negotiate
            open_session(conn, Endpoint("127.0.0.1", port, "localhost", "configured"), "Passw0rd!")
    finally:
        server.join(timeout=10)
        listener.close()
    assert failed.value.kind in ("unreachable", "protocol"), failed.value
    discovery, negotiate = received
    assert discovery[-2:] == b"\x89\x00"  # bindRequest with sicilyPackageDiscovery [9]
    assert b"NTLMSSP\x00\x01\x00\x00\x00" in negotiate  # sicilyNegotiate carrying an NTLM NEGOTIATE message
