"""The `mailgate` command: `scan` files without AWS, `explain` a decision, `serve` the whole gateway locally."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import msgspec

from mailgate.config import AntivirusSettings, DnsSettings, GatewayConfig, load_config
from mailgate.rules.current import decide
from mailgate.rules.decision import DELIVER, STRICTNESS, Decision
from mailgate.scan.report import ScanReport

if TYPE_CHECKING:
    from mailgate.local.state import RunningGateway
    from mailgate.rules.matching import CompiledTable

# The exit status of `scan` and `explain`: a stable interface for scripts (README, "The command line").
EXIT_CLEAN = 0  # every message delivered as is, and no scanner's verdict made a rule act
EXIT_FINDINGS = 1  # some message would be held, rejected, deleted, cut, kept in Backup, tagged or notified
EXIT_UNUSABLE = 2  # a usage error, or an input that cannot be read or is not a message
EXIT_STATUS_HELP = """exit status (the highest that applies):
  0  every message is clean: delivered as is, and no scanner's verdict made a rule act
  1  findings: some message would be held, rejected, deleted or have parts removed, its original
     kept in Backup, or a verdict made its rule tag it or send a notice
  2  a usage error, or an input that cannot be read or is not a message (the others are still scanned)
PATH `-` reads one message from standard input."""
STDIN = "-"


class UsageError(Exception):
    """A command line that cannot run as given: exit status 2 with the message."""


def package_version() -> str:
    try:
        return version("mailgate")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def iter_files(paths: Sequence[str]) -> Iterator[Path]:
    """Each file in order (folders recursively, sorted); `-` stands for standard input."""
    for given in paths:
        path = Path(given)
        if given != STDIN and path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file())
        else:
            yield path


def read_message(path: Path) -> bytes:
    if str(path) == STDIN:
        return sys.stdin.buffer.read()
    return path.read_bytes()


def is_finding(decision: Decision) -> bool:
    """What exit status 1 means, from the decision's own record."""
    return decision.action != DELIVER or decision.backup or decision.verdict_class is not None


def _dns_settings(args: argparse.Namespace, base: DnsSettings) -> DnsSettings:
    if args.dns:
        host, _, port = args.dns.rpartition(":")
        if not host or not port.isdigit():
            raise UsageError(f"--dns wants HOST:PORT, got {args.dns!r}")
        base = msgspec.structs.replace(base, servers=(host,), port=int(port))
    if args.no_network:
        return msgspec.structs.replace(base, no_network=True)
    return base


def _antivirus_settings(address: str, base: AntivirusSettings) -> AntivirusSettings:
    from mailgate.scanners.antivirus.client import ClamdAddress  # noqa: PLC0415

    try:
        ClamdAddress.parse(address)
    except ValueError as exc:
        raise UsageError(f"--clamd: {exc}") from exc
    return msgspec.structs.replace(base, clamd=address)


def _scan_sources(args: argparse.Namespace, err: TextIO) -> tuple[GatewayConfig, RunningGateway | None]:
    """The configuration file's settings, or a running local gateway's (`--state-dir`), with the
    command line's DNS and clamd on top; a warning on stderr when the clamd it names does not answer."""
    if [str(p) for p in args.paths].count(STDIN) > 1:
        raise UsageError("standard input (-) holds one message: give - once")
    gateway = None
    if args.state_dir:
        from mailgate.local.state import GatewayUnavailable, connect  # noqa: PLC0415

        try:
            gateway = connect(Path(args.state_dir).resolve())
        except GatewayUnavailable as exc:
            raise UsageError(f"--state-dir: {exc}") from exc
    config = gateway.config if gateway is not None else load_config()
    config = msgspec.structs.replace(config, dns=_dns_settings(args, config.dns))
    if args.clamd:
        config = msgspec.structs.replace(config, antivirus=_antivirus_settings(args.clamd, config.antivirus))
    if config.antivirus.clamd:
        _warn_when_clamd_is_silent(config.antivirus.clamd, "--clamd" if args.clamd else "the configuration",
                                   args.command, err)
    return config, gateway


def _warn_when_clamd_is_silent(address: str, given_by: str, command: str, err: TextIO) -> None:
    """Once, before the first message: otherwise every message only says Anti-Virus `error`."""
    from mailgate.scanners.antivirus.client import ClamdAddress, ClamdClient  # noqa: PLC0415

    try:
        ClamdClient(ClamdAddress.parse(address), timeout_seconds=2.0).version()
    except Exception as exc:  # whatever the reason (refused, timeout, not clamd), the warning is the same
        err.write(f"mailgate {command}: warning: no clamd answers at {address} (from {given_by}; asked for its "
                  f"VERSION: {type(exc).__name__}: {exc}).\n"
                  "  Anti-Virus will report `error` for every message, and the rule table acts on that "
                  "(the Default rule deletes it and keeps the original in Backup: exit status 1).\n"
                  "  Start clamd there (`mailgate serve` starts one and prints its address), give the address "
                  "of one that runs, or leave out --clamd to report Anti-Virus as skipped.\n")
        err.flush()


def scan_file(path: Path, config: GatewayConfig, scanners: Sequence[Any], recipients: Sequence[str] = (),
              table: CompiledTable | None = None,
              gateway: RunningGateway | None = None) -> tuple[Any, ScanReport, list[tuple[str, Decision]]]:
    """Parse, scan with the envelope inferred from the headers (or the recipients given), decide per
    recipient: (message, report, [(recipient, decision)]). With a running gateway its directory and each
    recipient's own lists take part, as in the rules function."""
    from mailgate.rules.dry_run import scan_raw  # noqa: PLC0415

    message, report = scan_raw(read_message(path), config, scanners, recipients, origin={"file": str(path)},
                               fallback_id=path.name if str(path) != STDIN else "stdin")
    directory = gateway.directory_index() if gateway is not None else None
    personal = gateway.personal if gateway is not None else None
    decisions = [(r, decide(report, r, config, directory, personal, table)) for r in report.envelope.recipients] \
        or [("", decide(report, "", config, directory, personal, table))]
    return message, report, decisions


def build_cli_scanners(config: GatewayConfig, gateway: RunningGateway | None) -> list[Any]:
    """The gateway's scanners; with a running gateway, its directory and its learned anti-spam counts."""
    from mailgate.scanners.registry import build_scanners  # noqa: PLC0415

    if gateway is None:
        return build_scanners(config)
    return build_scanners(config, gateway.directory, gateway.organisation)


def scan_verdict(path: Path, config: GatewayConfig, scanners: Sequence[Any],
                 gateway: RunningGateway | None = None) -> dict[str, Any]:
    """One file → the stable JSON line documented in the README."""
    return _scan_one(path, config, scanners, gateway)[0]


def _scan_one(path: Path, config: GatewayConfig, scanners: Sequence[Any],
              gateway: RunningGateway | None) -> tuple[dict[str, Any], bool]:
    """The JSON line and whether any recipient's decision is a finding."""
    started = time.perf_counter()
    message, report, decided = scan_file(path, config, scanners, gateway=gateway)
    decisions = [d for _, d in decided]
    strictest = max(decisions, key=lambda d: STRICTNESS[d.action])
    elapsed = (time.perf_counter() - started) * 1000
    return {
        "file": str(path),
        "message_id": message.message_id,
        "action": strictest.action,
        "backup": any(d.backup for d in decisions),
        "reason": strictest.reason,
        **({"removed_parts": [r.to_dict() for r in strictest.removals]} if strictest.removals else {}),
        "verdicts": {r.scanner: {"verdict": r.verdict, "score": round(r.score, 3),
                                 "reasons": [c.to_dict() for c in r.reasons], **_verdict_extras(r)}
                     for r in report.results},
        "defects": list(message.defects),
        "elapsed_ms": round(elapsed, 3),
    }, any(is_finding(d) for d in decisions)


def _verdict_extras(result: Any) -> dict[str, Any]:
    """Anti-Virus names its threats; Content Filtering the expressions and conditions that matched."""
    extras: dict[str, Any] = {}
    if result.details.get("threats"):
        extras["threats"] = result.details["threats"]
    if result.scanner == "content_filter" and result.details.get("matches"):
        extras["matches"] = [{"expression": m["expression"], "action": m["action"], "conditions": m["conditions"]}
                             for m in result.details["matches"]]
    return extras


def command_scan(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    config, gateway = _scan_sources(args, err)
    scanners = build_cli_scanners(config, gateway)
    status = EXIT_CLEAN
    for path in iter_files(args.paths):
        try:
            line, finding = _scan_one(path, config, scanners, gateway)
        except (OSError, ValueError) as exc:
            status = EXIT_UNUSABLE
            message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            if args.json:
                out.write(json.dumps({"file": str(path), "error": message}) + "\n")
            else:
                err.write(f"{path}: error: {message}\n")
            continue
        if finding:
            status = max(status, EXIT_FINDINGS)
        if args.json:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        else:
            verdicts = " ".join(f"{k}={v['verdict']}" for k, v in line["verdicts"].items())
            backup = " +backup" if line["backup"] else ""
            out.write(f"{path}: {line['action']}{backup} [{verdicts}] {line['elapsed_ms']:.2f} ms\n")
    return status


def explanation(path: Path, config: GatewayConfig, scanners: Sequence[Any], recipients: Sequence[str] = (),
                table: CompiledTable | None = None, gateway: RunningGateway | None = None) -> tuple[str, bool]:
    """The whole decision path in plain words: what each scanner found and why, then per recipient
    the rule, each module's request and the final action (`table`: a proposed rule table instead);
    and whether any decision is a finding."""
    message, report, decided = scan_file(path, config, scanners, recipients, table, gateway)
    sender = report.envelope.mail_from or "<>"
    lines = [f"{path}", f"  Message-ID {message.message_id or '(none)'}, subject {message.subject!r}, "
             f"from {sender}, client {report.envelope.client_ip or 'unknown'}", "  verdicts:"]
    for result in report.results:
        lines.append(f"    {result.scanner}: {result.verdict} (score {result.score:g})")
        lines += [f"      {c.test} {c.score:+g}: {c.description}" + (f" — {c.evidence}" if c.evidence else "")
                  for c in result.reasons]
    groups: dict[tuple[Any, ...], tuple[Decision, list[Decision]]] = {}
    for _recipient, decision in decided:  # the first step names the recipient and how its rule matched
        groups.setdefault(decision.signature() + decision.path[1:], (decision, []))[1].append(decision)
    for decision, members in groups.values():
        lines.append(f"  {len(members)} recipient(s), rule {decision.rule!r}:")
        lines += [f"    - {member.path[0]}" for member in members if member.path]
        lines += [f"    {number}. {step}" for number, step in enumerate(decision.path[1:], 1)]
        removed = "".join(f"; removes {r.filename or 'part ' + r.part_path}" for r in decision.removals)
        lines.append(f"    => {decision.action}{' + Backup' if decision.backup else ''}: {decision.reason}{removed}")
    return "\n".join(lines) + "\n", any(is_finding(d) for _, d in decided)


def explanation_json(path: Path, config: GatewayConfig, scanners: Sequence[Any], recipients: Sequence[str] = (),
                     table: CompiledTable | None = None,
                     gateway: RunningGateway | None = None) -> tuple[dict[str, Any], bool]:
    """The explanation as one JSON object, shaped like POST /rules/dry-run's answer, for scripts that
    compare a proposed rule table with the current one over a folder of messages; and whether any
    decision is a finding."""
    message, report, decided = scan_file(path, config, scanners, recipients, table, gateway)
    groups: dict[tuple[Any, ...], tuple[Decision, list[str]]] = {}
    for recipient, decision in decided:
        groups.setdefault(decision.signature() + decision.path[1:], (decision, []))[1].append(recipient)
    return {
        "file": str(path),
        "table": "proposed" if table is not None else "current",
        "message_id": message.message_id,
        "envelope": report.envelope.to_dict(),
        "verdicts": {r.scanner: {"verdict": r.verdict, "score": r.score,
                                 "reasons": [c.to_dict() for c in r.reasons]} for r in report.results},
        "groups": [{"recipients": [r for r in members if r], "decision": decision.to_dict()}
                   for decision, members in groups.values()],
    }, any(is_finding(d) for _, d in decided)


def command_explain(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    config, gateway = _scan_sources(args, err)
    table = None
    if args.rules:
        table = _proposed_table(args.rules, config, err)
        if table is None:
            return EXIT_UNUSABLE
        if not args.json:
            out.write(f"decided by the proposed rule table in {args.rules} (a dry run: nothing is sent or stored)\n")
    scanners = build_cli_scanners(config, gateway)
    status = EXIT_CLEAN
    for path in iter_files(args.paths):
        try:
            if args.json:
                document, finding = explanation_json(path, config, scanners, args.recipient or (), table, gateway)
                out.write(json.dumps(document, ensure_ascii=False) + "\n")
            else:
                text, finding = explanation(path, config, scanners, args.recipient or (), table, gateway)
                out.write(text)
        except (OSError, ValueError) as exc:
            message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            if args.json:
                out.write(json.dumps({"file": str(path), "error": message}) + "\n")
            else:
                err.write(f"{path}: {exc}\n")
            status = EXIT_UNUSABLE
            continue
        if finding:
            status = max(status, EXIT_FINDINGS)
    return status


def _proposed_table(path: str, config: GatewayConfig, err: TextIO) -> CompiledTable | None:
    """The rule table in a JSON file (as GET /settings/rules shows it, or its `settings`), validated as the
    API validates it; None after writing every problem."""
    from mailgate.rules.dry_run import compiled_rules, with_proposed_rules  # noqa: PLC0415
    from mailgate.settings.errors import SettingsInvalid  # noqa: PLC0415

    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        err.write(f"mailgate explain: --rules {path}: {exc}\n")
        return None
    if isinstance(document, dict) and "settings" in document and "rules" not in document:
        document = document["settings"]
    try:
        return compiled_rules(with_proposed_rules(config, document))
    except SettingsInvalid as exc:
        err.write(f"mailgate explain: the rule table in {path} is invalid:\n")
        err.write("".join(f"  {p['path']}: {p['message']}\n" for p in exc.problems))
        return None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mailgate", description=__doc__)
    parser.add_argument("--version", action="version", version=f"mailgate {package_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    scan = sub.add_parser("scan", help="scan .eml files or folders without AWS", epilog=EXIT_STATUS_HELP,
                          formatter_class=argparse.RawDescriptionHelpFormatter)
    scan.add_argument("paths", nargs="+", metavar="PATH", help="a message file, a folder of them, or - (stdin)")
    scan.add_argument("--json", action="store_true", help="one JSON object per line")
    explain = sub.add_parser("explain", help="print the whole decision path for .eml files, in plain words",
                             epilog=EXIT_STATUS_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    explain.add_argument("paths", nargs="+", metavar="FILE", help="a message file, a folder of them, or - (stdin)")
    explain.add_argument("--recipient", action="append", metavar="ADDRESS",
                         help="decide for this envelope recipient (repeatable; default: To/Cc)")
    explain.add_argument("--rules", metavar="TABLE.json",
                         help="decide with this proposed rule table instead of the configured one (a dry run)")
    explain.add_argument("--json", action="store_true", help="one JSON object per file: verdicts and each "
                         "group of recipients' decision with its path")
    for parser_ in (scan, explain):
        parser_.add_argument("--no-network", action="store_true", help="every DNS lookup is neutral")
        parser_.add_argument("--dns", metavar="HOST:PORT", help="the DNS server to ask")
        parser_.add_argument("--clamd", metavar="ADDRESS", help="clamd's HOST:PORT or unix socket path "
                             "(without it and without one configured, Anti-Virus is reported as skipped)")
        parser_.add_argument("--state-dir", metavar="DIR",
                             help="use the local gateway `mailgate serve --state-dir DIR` runs: its current "
                             "settings (with admin API edits), learned anti-spam counts, directory and personal "
                             "lists, and its clamd (default: the configuration file alone)")
    from mailgate.local import digest_cli, serve_cli, token_cli  # noqa: PLC0415

    serve_cli.add_parser(sub)
    worker = sub.add_parser("worker", help="a scan or rules worker in a process of its own, beside `serve`")
    worker.add_argument("step", choices=("scan", "rules"))
    worker.add_argument("--state-dir", default=".mailgate", help="the state directory `serve` runs with "
                        "(default: %(default)s)")
    worker.add_argument("--count", type=int, default=1, help="pollers in this process (default: %(default)s)")
    token_cli.add_parser(sub)
    digest_cli.add_parser(sub)
    from mailgate import backup_cli  # noqa: PLC0415

    backup_cli.add_parser(sub)
    from mailgate import replay_cli  # noqa: PLC0415

    replay_cli.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in ("scan", "explain"):
        try:
            return command_scan(args) if args.command == "scan" else command_explain(args)
        except UsageError as exc:
            sys.stderr.write(f"mailgate {args.command}: {exc}\n")
            return EXIT_UNUSABLE
    if args.command == "worker":
        from mailgate.local.worker import run_worker  # noqa: PLC0415

        try:
            return run_worker(Path(args.state_dir).resolve(), args.step, max(1, args.count))
        except FileNotFoundError as exc:
            sys.stderr.write(f"mailgate worker: {exc}\n")
            return EXIT_UNUSABLE
        except (OSError, ValueError, KeyError, TypeError) as exc:
            sys.stderr.write(f"mailgate worker: {Path(args.state_dir) / 'workers.json'} cannot be used ({exc})\n")
            return EXIT_UNUSABLE
    return int(args.func(args))  # serve, token, backup, digest, replay


if __name__ == "__main__":
    raise SystemExit(main())
