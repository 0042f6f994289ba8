"""Anti-Virus through a real clamd: what an administrator checks before trusting the gateway with
attachments. Every file of Debian's clamav-testfiles and EICAR are found however they are wrapped;
legitimate mail is not touched; and nothing that goes wrong ever reads as "clean"."""

from __future__ import annotations

import email
import io
import json
import os
import socket
import subprocess
import threading
import time
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP, default
from pathlib import Path

import pytest

from mailgate.config import AntivirusSettings
from mailgate.local.api_server import get_json
from mailgate.local.ports import free_port
from mailgate.message import parse_message
from mailgate.scan.envelope import Envelope
from mailgate.scan.report import ScannerResult
from mailgate.scanners.antivirus import AntivirusScanner
from mailgate.scanners.antivirus.daemon import ClamdProcess
from mailgate.scanners.antivirus.database import EICAR, PUA_TEST_BYTES, TESTFILES_DIR, write_test_database
from mailgate.scanners.antivirus.signature_watch import SignatureWatch
from mailgate.scanners.base import ScanContext
from tests.support.clamd import start_clamd
from tests.support.cli import run_mailgate
from tests.support.local_gateway import delivered, events, outcomes, send, wait_for

pytestmark = pytest.mark.integration

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
CONTEXT = ScanContext(Envelope("alice@sender.test", ("bob@example.test",)), "mailgate.test")
SAMPLES = [(p.name, p.read_bytes()) for p in sorted(TESTFILES_DIR.iterdir())] + [("eicar.com", EICAR)]
HAM_SAMPLE_EVERY = int(os.environ.get("MAILGATE_AV_HAM_EVERY", "1"))  # 1 = the whole ham folder


# --- building the mail an attacker would send -------------------------------------------------

def mail(*files: tuple[str, bytes], subject: str = "documents", body: str = "Please see attached.\n") -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "alice@sender.test", "bob@example.test", subject
    msg.set_content(body)
    for name, data in files:
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return msg.as_bytes(policy=SMTP)


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def sevenzip(tmp_path: Path, name: str, data: bytes, *args: str, kind: str = "7z") -> bytes:
    """An archive made by the real 7z program (p7zip-full): 7z, or zip with a password."""
    folder = tmp_path / f"7z-{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    (folder / name).write_bytes(data)
    subprocess.run(["7z", "a", f"-t{kind}", *args, "out.archive", name], cwd=folder, check=True,
                   capture_output=True)
    return (folder / "out.archive").read_bytes()


def inside_mbox(name: str, data: bytes) -> bytes:
    """A mailbox file holding one message that carries the file (base64): attached as application/mbox."""
    return b"From alice@sender.test Mon Jan  6 10:00:00 2025\n" + mail((name, data), subject="archived")


def forwarded(name: str, data: bytes) -> bytes:
    """The file base64-encoded in a message, forwarded as message/rfc822 inside another one."""
    outer = EmailMessage()
    outer["From"], outer["To"], outer["Subject"] = "carol@sender.test", "bob@example.test", "Fwd: documents"
    outer.set_content("Forwarding this.\n")
    outer.add_attachment(email.message_from_bytes(mail((name, data)), _class=EmailMessage, policy=default))
    return outer.as_bytes(policy=SMTP)


def scan(scanner: AntivirusScanner, raw: bytes) -> ScannerResult:
    return scanner.scan(parse_message(raw), CONTEXT)


def fired(result: ScannerResult) -> set[str]:
    return {c.test for c in result.reasons}


@pytest.fixture(scope="module")
def scanner(clamd: ClamdProcess) -> AntivirusScanner:
    return AntivirusScanner(AntivirusSettings(clamd=clamd.address))


# --- detection --------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "data"), SAMPLES, ids=[name for name, _ in SAMPLES])
def test_every_test_file_is_infected_as_a_direct_attachment_and_the_part_is_named(scanner, name, data):
    result = scan(scanner, mail((name, data)))
    assert result.verdict == "infected"
    assert result.details["threats"]
    [part] = [p for p in result.details["parts"] if p["filename"] == name]
    assert part["verdict"] == "infected"
    assert part["threats"]
    assert any(c.test == "AV_INFECTED" and name in c.evidence for c in result.reasons)


WRAPPINGS = ["zip", "7z", "mbox", "forwarded-base64"]


@pytest.mark.parametrize("wrapping", WRAPPINGS)
def test_every_test_file_is_infected_inside_archives_and_nested_mail(scanner, tmp_path, wrapping):
    missed = []
    for name, data in SAMPLES:
        if wrapping == "zip":
            raw = mail((f"{name}.zip", zipped({name: data})))
        elif wrapping == "7z":
            raw = mail((f"{name}.7z", sevenzip(tmp_path, name, data)))
        elif wrapping == "mbox":
            raw = mail(("inbox.mbox", inside_mbox(name, data)))
        else:
            raw = forwarded(name, data)
        result = scan(scanner, raw)
        if result.verdict != "infected" or not result.details["threats"]:
            missed.append((name, result.verdict, [c.evidence for c in result.reasons]))
    assert not missed


def test_the_whole_message_stream_names_a_threat_in_the_body(scanner):
    result = scan(scanner, mail(body="Here it is inline:\n" + EICAR.decode() + "\n"))
    assert result.verdict == "infected"
    assert result.details["message"]["verdict"] == "infected"
    assert any(c.test == "AV_INFECTED" and "the message" in c.evidence for c in result.reasons)
    assert result.details["removable"] is False  # nothing to cut out: the body itself carries it


def test_an_infected_attachment_beside_clean_ones_is_removable(scanner):
    result = scan(scanner, mail(("report.txt", b"quarterly figures\n"), ("eicar.com", EICAR)))
    assert result.verdict == "infected"
    assert {p["filename"]: p["verdict"] for p in result.details["parts"]} == {
        "report.txt": "clean", "eicar.com": "infected"}
    assert result.details["removable"] is True
    assert result.details["on_infected"] == "backup"


def test_plain_mail_is_clean_and_carries_the_signature_version(scanner):
    result = scan(scanner, mail(("notes.txt", b"see you on Monday\n")))
    assert result.verdict == "clean"
    assert result.reasons == ()
    signatures = result.details["signatures"]
    assert signatures["engine"].startswith("ClamAV ")
    assert signatures["database_version"] == 1
    assert signatures["stale"] is False


@pytest.fixture(scope="module")
def ham_files() -> list[Path]:
    if not (CORPUS / "ham").is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS}")
    return sorted(p for p in (CORPUS / "ham").iterdir() if p.is_file())[::HAM_SAMPLE_EVERY]


@pytest.mark.timeout(600)
def test_no_detection_on_legitimate_mail(scanner, ham_files):
    """The whole ham folder (about 7 s; MAILGATE_AV_HAM_EVERY=n samples every n-th file): no detection,
    no error, and unscannable only for the rare message that really hides something from the scan."""
    verdicts: dict[str, list[str]] = {}
    for path in ham_files:
        result = scan(scanner, path.read_bytes())
        verdicts.setdefault(result.verdict, []).append(path.name)
        assert result.verdict != "infected", (path.name, [c.evidence for c in result.reasons])
    assert "error" not in verdicts
    assert len(verdicts.get("clean", [])) >= 0.99 * len(ham_files), verdicts.get("unscannable")


# --- PUA: "legitimate applications that can be used to harm" -----------------------------------

def test_pua_is_reported_but_not_infected_when_pua_detection_is_off(clamd):
    result = scan(AntivirusScanner(AntivirusSettings(clamd=clamd.address)), mail(("tool.exe", PUA_TEST_BYTES)))
    assert result.verdict == "clean"
    assert result.details["pua"] == ["PUA.Win.Tool.MailgateTest.UNOFFICIAL"]
    assert result.details["threats"] == []


def test_pua_makes_the_message_infected_when_pua_detection_is_on(clamd):
    settings = AntivirusSettings(clamd=clamd.address, detect_pua=True)
    result = scan(AntivirusScanner(settings), mail(("tool.exe", PUA_TEST_BYTES)))
    assert result.verdict == "infected"
    assert result.details["threats"] == ["PUA.Win.Tool.MailgateTest.UNOFFICIAL"]
    assert "AV_PUA" in fired(result)


@pytest.mark.parametrize("categories", [{"pua_exclude": ("Tool",)}, {"pua_include": ("Spy", "Win.Packer")}])
def test_pua_categories_the_administrator_left_out_do_not_count(clamd, categories):
    settings = AntivirusSettings(clamd=clamd.address, detect_pua=True, **categories)
    result = scan(AntivirusScanner(settings), mail(("tool.exe", PUA_TEST_BYTES)))
    assert result.verdict == "clean"
    assert result.details["pua"] == ["PUA.Win.Tool.MailgateTest.UNOFFICIAL"]


def test_a_pua_never_hides_a_virus_in_the_same_archive(clamd):
    raw = mail(("bundle.zip", zipped({"a-tool.exe": PUA_TEST_BYTES, "b-eicar.com": EICAR})))
    result = scan(AntivirusScanner(AntivirusSettings(clamd=clamd.address)), raw)
    assert result.verdict == "infected"
    assert any("EICAR" in t for t in result.details["threats"])


# --- never clean on an error or a limit --------------------------------------------------------

def test_engine_down_is_an_error_never_clean():
    for address in (f"127.0.0.1:{free_port()}", "/nonexistent/clamd.sock"):
        result = scan(AntivirusScanner(AntivirusSettings(clamd=address)), mail(("eicar.com", EICAR)))
        assert result.verdict == "error"
        assert fired(result) == {"AV_ERROR_UNREACHABLE"}
        assert all(p["verdict"] == "error" for p in result.details["parts"])


@pytest.fixture
def silent_engine() -> Iterator[str]:
    """A clamd that hangs: it accepts connections and never answers."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    server.close()


def test_an_engine_that_does_not_answer_is_a_timeout_error(silent_engine):
    settings = AntivirusSettings(clamd=silent_engine, timeout_seconds=0.3, total_timeout_seconds=5)
    result = scan(AntivirusScanner(settings), mail(("a.txt", b"a"), ("b.txt", b"b")))
    assert result.verdict == "error"
    assert fired(result) == {"AV_ERROR_TIMEOUT"}


def test_a_part_over_the_stream_limit_is_unscannable_not_clean(clamd):
    settings = AntivirusSettings(clamd=clamd.address, max_stream_bytes=64 * 1024)
    result = scan(AntivirusScanner(settings), mail(("big.bin", os.urandom(100 * 1024))))
    assert result.verdict == "unscannable"
    assert fired(result) == {"AV_UNSCANNABLE_TOO_LARGE"}


@pytest.fixture(scope="module")
def small_clamd(tmp_path_factory, clamd_database) -> Iterator[ClamdProcess]:
    """A clamd whose StreamMaxLength (2 MiB) is below what a misconfigured scanner would send."""
    process = start_clamd(tmp_path_factory.mktemp("small-clamd"), clamd_database,
                          AntivirusSettings(max_stream_bytes=1024 * 1024))
    yield process
    process.stop()


def test_clamd_refusing_an_over_long_stream_is_an_error_not_clean(small_clamd):
    settings = AntivirusSettings(clamd=small_clamd.address, max_stream_bytes=10 * 1024 * 1024)
    result = scan(AntivirusScanner(settings), mail(("big.bin", os.urandom(3 * 1024 * 1024))))
    assert result.verdict == "error"
    assert fired(result) <= {"AV_ERROR_SIZE_LIMIT", "AV_ERROR_ENGINE"}
    assert small_clamd.running()  # it refused the stream; it did not fall over


@pytest.mark.parametrize("kind", ["zip", "7z"])
def test_a_password_protected_archive_is_unscannable(scanner, tmp_path, kind):
    archive = sevenzip(tmp_path, "invoice.exe", EICAR, "-psecret", *(["-mhe=on"] if kind == "7z" else []),
                       kind=kind)
    result = scan(scanner, mail((f"invoice.{kind}", archive)))
    assert result.verdict == "unscannable"
    assert fired(result) == {"AV_UNSCANNABLE_ENCRYPTED"}


def test_a_damaged_archive_is_unscannable(scanner):
    archive = zipped({f"file{i}.txt": os.urandom(2000) for i in range(5)})
    result = scan(scanner, mail(("broken.zip", archive[: len(archive) // 2])))
    assert result.verdict == "unscannable"
    assert "AV_UNSCANNABLE_CORRUPTED" in fired(result)


@pytest.mark.timeout(60)
def test_a_zip_bomb_is_unscannable_within_bounds(scanner):
    bomb = zipped({"zeros.bin": bytes(300 * 1024 * 1024)})
    result = scan(scanner, mail(("bomb.zip", bomb)))
    assert result.verdict == "unscannable"
    assert "AV_UNSCANNABLE_ARCHIVE_BOMB" in fired(result)
    with_virus = scan(scanner, mail(("bomb.zip", bomb), ("eicar.com", EICAR)))
    assert with_virus.verdict == "infected"


@pytest.mark.timeout(120)
def test_a_zip_bomb_sent_over_smtp_is_held_in_backup_not_lost(gateway):
    bomb = zipped({"zeros.bin": bytes(300 * 1024 * 1024)})
    message_id = send(gateway, "alice@sender.test", ["bob@example.test"], mail(("report.zip", bomb)))
    kinds = {e["kind"] for e in outcomes(gateway, message_id)}
    assert "backup" in kinds
    decision = next(e for e in events(gateway, message_id) if e["kind"] == "decision")["detail"]["decision"]
    assert (decision["action"], decision["module"], decision["verdict_class"]) == ("delete", "antivirus",
                                                                                   "unscannable")
    assert "AV_UNSCANNABLE_ARCHIVE_BOMB" in decision["reason"]
    assert not delivered(gateway, message_id)


@pytest.mark.timeout(60)
def test_deeply_nested_archives_are_not_clean(scanner):
    data = EICAR
    for level in range(25):
        data = zipped({f"level{level}.zip" if level else "eicar.com": data})
    result = scan(scanner, mail(("nested.zip", data)))
    assert result.verdict == "unscannable"
    assert "AV_UNSCANNABLE_LIMIT" in fired(result)  # clamd's own recursion limit, named
    assert any("MaxRecursion" in c.evidence for c in result.reasons)


@pytest.mark.timeout(120)
def test_a_virus_hidden_behind_thousands_of_parts_is_still_found(scanner):
    files = [(f"note{i}.txt", b"x") for i in range(3000)]
    files.insert(2500, ("eicar.com", EICAR))
    result = scan(scanner, mail(*files))
    assert result.verdict == "infected"  # the parser stops at its part limit; clamd reads the rest
    assert "AV_UNSCANNABLE_INCOMPLETE" in fired(result)
    assert any("the message" in c.evidence for c in result.reasons if c.test == "AV_INFECTED")
    clean_flood = scan(scanner, mail(*files[:2500], *files[2501:]))
    assert clean_flood.verdict == "unscannable"
    assert len(json.dumps(clean_flood.details)) < 64 * 1024  # the report stays small


# --- signatures' freshness ---------------------------------------------------------------------

def test_old_signatures_are_reported_stale(tmp_path):
    write_test_database(tmp_path / "db", version=7, built=datetime.now(UTC) - timedelta(days=10))
    with ClamdProcess(tmp_path / "clamd", tmp_path / "db", lifetime_seconds=600) as old:
        old_scanner = AntivirusScanner(AntivirusSettings(clamd=old.tcp_address))
        info = old_scanner.signature_info()
        scanned = scan(old_scanner, mail(("notes.txt", b"hello\n")))
    assert info is not None
    assert info.database_version == 7
    assert info.stale(48)
    assert 239 < (info.age_hours() or 0) < 241
    outcome = SignatureWatch().observe(scanned, time.time())
    assert outcome.status is not None and outcome.status["stale"] is True
    assert outcome.warning is not None and "database version 7" in outcome.warning


def test_health_shows_the_signature_version_and_age_the_scan_function_published(gateway):
    message_id = send(gateway, "alice@sender.test", ["bob@example.test"], mail(("notes.txt", b"hello\n")))
    outcomes(gateway, message_id)
    status, health = get_json(f"{gateway.api_url}/health", None)
    assert status == 200
    signatures = health["signatures"]
    assert signatures["engine"].startswith("ClamAV ")
    assert signatures["database_version"] == 1
    assert signatures["stale"] is False and signatures["age_hours"] < 48
    assert not [w for w in health["warnings"] if w.startswith("antivirus")]


# --- the command line and the local gateway ----------------------------------------------------

def test_mailgate_scan_reports_threats_with_clamd_and_skipped_without(clamd, tmp_path):
    (tmp_path / "infected.eml").write_bytes(mail(("eicar.com", EICAR)))
    (tmp_path / "clean.eml").write_bytes(mail(("notes.txt", b"hello\n")))
    result = run_mailgate("scan", "--json", "--no-network", "--clamd", clamd.tcp_address or "", str(tmp_path))
    assert result.returncode == 1, result.stderr[-2000:]  # exit 1: a message has findings (README, CLI exit codes)
    lines = {Path(line["file"]).name: line for line in map(json.loads, result.stdout.splitlines())}
    infected = lines["infected.eml"]["verdicts"]["antivirus"]
    assert infected["verdict"] == "infected"
    assert infected["threats"] == ["Mailgate.Test.EICAR-String.UNOFFICIAL"]
    assert lines["clean.eml"]["verdicts"]["antivirus"]["verdict"] == "clean"
    assert "threats" not in lines["clean.eml"]["verdicts"]["antivirus"]

    without = run_mailgate("scan", "--json", "--no-network", str(tmp_path / "infected.eml"))
    assert json.loads(without.stdout)["verdicts"]["antivirus"]["verdict"] == "skipped"


def test_mailgate_scan_refuses_a_malformed_clamd_address(tmp_path):
    (tmp_path / "a.eml").write_bytes(mail())
    result = run_mailgate("scan", "--clamd", "no-port-here", str(tmp_path / "a.eml"))
    assert result.returncode != 0
    assert "--clamd" in result.stderr


def test_local_mode_scans_mail_with_its_own_clamd(gateway):
    message_id = send(gateway, "alice@sender.test", ["bob@example.test"], mail(("eicar.com", EICAR)))
    scanned = wait_for(lambda: [e for e in events(gateway, message_id)
                                if e["kind"] == "scanned" and e["summary"].startswith("antivirus:")])
    assert scanned[0]["summary"].startswith("antivirus: infected")
    assert scanned[0]["detail"]["result"]["details"]["threats"]


def test_eicar_sent_over_smtp_is_not_delivered_and_ends_in_backup(gateway):
    message_id = send(gateway, "alice@sender.test", ["bob@example.test"], mail(("eicar.txt", EICAR)))
    kinds = {e["kind"] for e in outcomes(gateway, message_id)}
    assert "backup" in kinds
    decision = next(e for e in events(gateway, message_id) if e["kind"] == "decision")["detail"]["decision"]
    assert (decision["action"], decision["module"]) == ("delete", "antivirus")
    assert "Mailgate.Test.EICAR-String.UNOFFICIAL" in decision["reason"]
    wait_for(lambda: any(e["kind"] == "deleted" for e in events(gateway, message_id)))
    assert not delivered(gateway, message_id)
