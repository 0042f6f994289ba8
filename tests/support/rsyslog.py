"""A real rsyslogd as the SIEM's collector (Debian `rsyslog` + `rsyslog-gnutls`).

No fork (`-n`), its own config, pid file and work directory under a temp dir; imtcp with the gtls stream driver
(TLS only, anonymous clients) and imudp on free loopback ports, with a test CA and a server certificate for `localhost`
made here with `cryptography`; each received message's MSG part is appended to `received.log`, one per line.
`stop()` and `start()` again keep the port, so a test can take the collector away and bring it back.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from mailgate.local.ports import free_port

RSYSLOGD = "/usr/sbin/rsyslogd"
HOSTNAME = "localhost"
LIFETIME_SECONDS = 1800  # an rsyslogd outliving a crashed session stops by itself


def write_test_pki(folder: Path) -> Path:
    """ca.pem, cert.pem, key.pem in folder (an EC CA and a server certificate for localhost); the CA's path."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mailgate test SIEM CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
          .not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOSTNAME)]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOSTNAME)]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    return folder / "ca.pem"


class Rsyslog:
    def __init__(self, folder: Path, host: str = "127.0.0.1") -> None:
        self.folder = folder
        self.host = host
        self.port = free_port(host)
        self.udp_port = free_port(host)  # imudp too, for the lab transport
        self.work = folder / "work"
        self.work.mkdir(parents=True, exist_ok=True)
        self.received = folder / "received.log"
        self.ca_file = write_test_pki(folder)
        self.config = folder / "rsyslog.conf"
        f = folder
        self.config.write_text(f'''
global(workDirectory="{self.work}"
       DefaultNetstreamDriver="gtls"
       DefaultNetstreamDriverCAFile="{f / "ca.pem"}"
       DefaultNetstreamDriverCertFile="{f / "cert.pem"}"
       DefaultNetstreamDriverKeyFile="{f / "key.pem"}")
module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")
input(type="imtcp" address="{host}" port="{self.port}")
module(load="imudp")
input(type="imudp" address="{host}" port="{self.udp_port}")
template(name="msgonly" type="string" string="%msg%\\n")
action(type="omfile" file="{self.received}" template="msgonly" flushOnTXEnd="on" asyncWriting="off")
''')
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Rsyslog:
        self.process = subprocess.Popen(
            ["timeout", str(LIFETIME_SECONDS), RSYSLOGD, "-n", "-f", str(self.config),
             "-i", str(self.folder / "rsyslogd.pid")],
            stdout=(self.folder / "rsyslogd.out").open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"rsyslogd exited: {(self.folder / 'rsyslogd.out').read_text()[-2000:]}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("rsyslogd did not listen within 20 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.process = None

    def lines(self) -> list[str]:
        if not self.received.exists():
            return []
        return self.received.read_text(encoding="utf-8", errors="replace").splitlines()


def rsyslogd_missing() -> str | None:
    """Why the rsyslog tests cannot run here, or None."""
    if shutil.which("timeout") is None or not Path(RSYSLOGD).is_file():
        return "rsyslogd is not installed (scripts/setup.sh --test installs rsyslog and rsyslog-gnutls)"
    if not any(Path("/usr/lib").glob("*/rsyslog/lmnsd_gtls.so")):
        return "rsyslog-gnutls is not installed (scripts/setup.sh --test installs it)"
    return None
