"""A real clamd, started and stopped by us: local mode, tests, and the Lambda container image.

`ClamdProcess` writes a clamd.conf from the anti-virus settings, starts `clamd --foreground` as the
invoking user in its own process group (no `User` line, no system paths), waits until it answers
PING, and stops it by process group. It knows nothing of local mode: give it a working directory
and a database directory.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from mailgate.config import AntivirusSettings
from mailgate.free_ports import free_port
from mailgate.processes import stop_process_group
from mailgate.scanners.antivirus.client import ClamdAddress, ClamdClient

MiB = 1024 * 1024
STREAM_MARGIN_BYTES = MiB  # clamd's StreamMaxLength sits above the scanner's max_stream_bytes
SOCKET_PATH_MAX = 100  # sun_path holds 108 bytes
BINARY_CANDIDATES = ("clamd", "/usr/sbin/clamd", "/usr/local/sbin/clamd")

STRICT_ALERTS = ("AlertBrokenExecutables", "AlertBrokenMedia", "AlertOLE2Macros", "AlertPhishingSSLMismatch",
                 "AlertPhishingCloak", "AlertPartitionIntersection")


class ClamdStartError(RuntimeError):
    """clamd exited or did not answer PING in time; the message carries its log's tail."""


def clamd_binary() -> str | None:
    return next((found for name in BINARY_CANDIDATES if (found := shutil.which(name))), None)


def render_config(
    settings: AntivirusSettings, *, database_dir: Path, run_dir: Path, temp_dir: Path,
    unix_socket: Path | None, tcp: tuple[str, int] | None, max_threads: int = 4,
) -> str:
    """clamd.conf text. Limits are always alerted (AlertExceedsMax) and encrypted content is always
    named (AlertEncrypted), whatever the heuristics level, so neither can pass as clean."""
    stream = settings.max_stream_bytes + STREAM_MARGIN_BYTES
    lines = [
        "Foreground yes",
        f"DatabaseDirectory {database_dir}",
        f"TemporaryDirectory {temp_dir}",
        f"PidFile {run_dir / 'clamd.pid'}",
        f"LogFile {run_dir / 'clamd.log'}",
        "LogTime yes",
        "SelfCheck 0",  # the launcher reloads after a signature refresh
        "ConcurrentDatabaseReload no",  # one engine in memory, not two during a reload
        "IdleTimeout 2",  # a RELOAD (not concurrent) waits for idle threads to exit: 30 s by default
        f"MaxThreads {max_threads}",
        f"ReadTimeout {max(1, int(settings.timeout_seconds + 0.999))}",
        f"StreamMaxLength {stream}",
        f"MaxFileSize {stream}",
        f"MaxScanSize {4 * stream}",
        "MaxRecursion 17",
        "MaxFiles 10000",
        "AlertExceedsMax yes",
        "AlertEncrypted yes",
        f"HeuristicAlerts {'no' if settings.heuristics == 'off' else 'yes'}",
        *(f"{alert} yes" for alert in STRICT_ALERTS if settings.heuristics == "strict"),
        "DetectPUA yes",  # PUA are always reported; whether they count is the scanner's setting
        *(f"IncludePUA {category}" for category in settings.pua_include),
        *(f"ExcludePUA {category}" for category in settings.pua_exclude if not settings.pua_include),
    ]
    if unix_socket is not None:
        lines += [f"LocalSocket {unix_socket}", "FixStaleSocket yes"]
    if tcp is not None:
        lines += [f"TCPSocket {tcp[1]}", f"TCPAddr {tcp[0]}"]
    return "\n".join(lines) + "\n"


class ClamdProcess:
    """One clamd. `address` is what AntivirusSettings.clamd wants (the unix socket when there is one)."""

    def __init__(
        self, workdir: Path, database_dir: Path, settings: AntivirusSettings | None = None, *,
        unix_socket: bool = True, tcp_host: str | None = "127.0.0.1", tcp_port: int = 0,
        lifetime_seconds: int | None = None, start_timeout_seconds: float = 60.0, binary: str | None = None,
    ) -> None:
        self.workdir = Path(workdir).resolve()
        self.database_dir = Path(database_dir).resolve()
        self.settings = settings or AntivirusSettings()
        self.lifetime_seconds = lifetime_seconds
        self.start_timeout = start_timeout_seconds
        self.binary = binary or clamd_binary()
        self.run_dir = self.workdir / "run"
        self.config_path = self.workdir / "clamd.conf"
        self.log_path = self.run_dir / "clamd.log"
        self.output_path = self.run_dir / "clamd.out"  # stdout and stderr: start-up errors land here
        self.tcp = (tcp_host, tcp_port or free_port(tcp_host)) if tcp_host else None
        self._socket_dir: Path | None = None
        self.socket_path = self._socket_path() if unix_socket else None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        if self.socket_path is not None:
            return str(self.socket_path)
        return self.tcp_address or ""

    @property
    def tcp_address(self) -> str | None:
        return str(ClamdAddress(host=self.tcp[0], port=self.tcp[1])) if self.tcp else None

    def _socket_path(self) -> Path:
        path = self.run_dir / "clamd.sock"
        if len(str(path)) <= SOCKET_PATH_MAX:
            return path
        self._socket_dir = Path(tempfile.mkdtemp(prefix="mailgate-clamd-"))  # deep working dirs
        return self._socket_dir / "clamd.sock"

    def write_config(self) -> Path:
        temp_dir = self.workdir / "tmp"
        for folder in (self.run_dir, temp_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(render_config(
            self.settings, database_dir=self.database_dir, run_dir=self.run_dir, temp_dir=temp_dir,
            unix_socket=self.socket_path, tcp=self.tcp))
        return self.config_path

    def start(self) -> ClamdProcess:
        if self.binary is None:
            raise ClamdStartError("clamd is not installed (Debian: apt-get install clamav-daemon)")
        if self.socket_path is None and self.tcp is None:
            raise ClamdStartError("clamd needs a unix socket or a TCP address")
        self.write_config()
        command = [self.binary, "--foreground", "-c", str(self.config_path)]
        if self.lifetime_seconds:
            command = ["timeout", str(self.lifetime_seconds), *command]
        started = time.monotonic()
        with self.output_path.open("wb") as output:  # a file, not a pipe: a full pipe would stall clamd
            self.process = subprocess.Popen(  # noqa: S603 - our binary and our config file, no shell
                command, stdin=subprocess.DEVNULL, stdout=output, stderr=output, start_new_session=True)
        client = ClamdClient(ClamdAddress.parse(self.address), timeout_seconds=2.0)
        while not client.ping():
            if self.process.poll() is not None:
                raise ClamdStartError(f"clamd exited with {self.process.returncode}: {self._tail()}")
            if time.monotonic() - started > self.start_timeout:
                self.stop()
                raise ClamdStartError(f"clamd did not answer PING within {self.start_timeout} s: {self._tail()}")
            time.sleep(0.02)
        if self.process.poll() is not None:  # what answered is another clamd on the same socket
            raise ClamdStartError(f"clamd exited with {self.process.returncode} and another clamd answers at "
                                  f"{self.address}: {self._tail()}")
        return self

    def stop(self) -> None:
        process, self.process = self.process, None
        stop_process_group(process, grace_seconds=10)
        if self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _tail(self, limit: int = 2000) -> str:
        text = self.output_path.read_text(errors="replace") if self.output_path.exists() else ""
        return text[-limit:].strip() or "(no output)"

    def __enter__(self) -> ClamdProcess:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()



