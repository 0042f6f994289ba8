"""`mailgate serve`: the whole gateway on this machine, until Ctrl-C.

Stopping is the part that must not fail: SIGINT, SIGTERM and SIGHUP all stop every component, clamd
(in a process group of its own, so a terminal's Ctrl-C does not reach it) included, and a reader that went
away first (`mailgate serve | head`, or Ctrl-C reaching `cat` in `mailgate serve | cat`) only silences the
output. A start that fails, or finds an earlier run's servers in the way, stops what it started and says why.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    serve = commands.add_parser("serve", help="run the whole gateway on this machine",
                           description="Run the whole gateway on this machine: SMTP in and out, the real "
                           "functions, the admin API, the web console, clamd. One line per message on stdout; "
                           "Ctrl-C stops it all.")
    serve.add_argument("--host", default="127.0.0.1", help="the address every server listens on (default: %(default)s)")
    serve.add_argument("--smtp-port", type=int, default=int(os.environ.get("MAILGATE_SMTP_PORT", "2525")),
                       help="the SMTP ingress: send mail here (default: %(default)s, or $MAILGATE_SMTP_PORT)")
    serve.add_argument("--downstream-port", type=int, default=2526,
                       help="the downstream mail server that receives delivered mail (default: %(default)s)")
    serve.add_argument("--api-port", type=int, default=8025, help="the admin API (default: %(default)s)")
    serve.add_argument("--console-port", type=int, default=8026,
                       help="the web console and its local sign-in (default: %(default)s; 0: no console)")
    serve.add_argument("--submission-port", type=int, default=2587,
                       help="outbound mail: SMTP submission with AUTH for the organisation's mail server "
                       "(default: %(default)s; 0: no outbound mail)")
    serve.add_argument("--internet-port", type=int, default=2528,
                       help="the local \"internet\" outbound mail is sent to (default: %(default)s)")
    serve.add_argument("--moto-port", type=int, default=5005,
                       help="moto, standing in for the AWS APIs (default: %(default)s)")
    serve.add_argument("--state-dir", default=".mailgate",
                       help="delivered mail, the generated configuration, clamd, workers.json (default: %(default)s)")
    serve.add_argument("--config", help="a GatewayConfig JSON file (default: one generated in the state directory)")
    serve.add_argument("--domain", action="append",
                       help="an accepted domain (repeatable; default: example.test)")
    serve.add_argument("--dns", metavar="HOST:PORT",
                       help="the DNS server for SPF/DKIM/DMARC (default: the system resolver)")
    serve.add_argument("--no-network", action="store_true", help="no DNS lookups at all (default: lookups on)")
    serve.add_argument("--no-clamd", action="store_true",
                       help="do not start clamd, Anti-Virus is skipped (default: start clamd when it is installed)")
    serve.add_argument("--workers", type=int, default=max(2, os.cpu_count() or 2),
                       help="scan and rules workers each, as Lambda runs several instances "
                       "(default: the core count, at least 2: %(default)s here)")
    serve.add_argument("--rules-workers", type=int, metavar="N",
                       help="rules workers in this process (default: --workers; 0: only `mailgate worker rules`)")
    serve.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mailgate.local.gateway import LocalGateway, LocalOptions  # noqa: PLC0415
    from mailgate.local.message_lines import LineWriter  # noqa: PLC0415
    from mailgate.local.processes import EarlierRun  # noqa: PLC0415
    from mailgate.scanners.antivirus.daemon import ClamdStartError  # noqa: PLC0415

    lines = LineWriter()
    options = LocalOptions(
        host=args.host, smtp_port=args.smtp_port, downstream_port=args.downstream_port,
        api_port=args.api_port, console_port=args.console_port or None, moto_port=args.moto_port,
        state_dir=Path(args.state_dir),
        config_file=Path(args.config) if args.config else None,
        domains=tuple(args.domain or ("example.test",)), dns=args.dns, no_network=args.no_network,
        clamd=False if args.no_clamd else None, workers=args.workers, rules_workers=args.rules_workers,
        lines=lines, submission_port=args.submission_port or None,
        internet_port=args.internet_port if args.submission_port else None,
    )
    stop = threading.Event()
    for signum in STOP_SIGNALS:  # before the start: a Ctrl-C while clamd loads must stop it too
        signal.signal(signum, lambda *_: stop.set())
    gateway = LocalGateway(options)
    try:
        gateway.start()
    except (EarlierRun, ClamdStartError) as exc:
        sys.stderr.write(f"mailgate serve: {exc}\n")
        return 2
    try:
        lines.write(gateway.describe())
        stop.wait()
        lines.write("stopping…")
    finally:
        gateway.stop()
    return 0
