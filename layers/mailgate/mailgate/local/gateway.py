"""The whole gateway on one machine: moto for AWS, SMTP in and out, the real handlers, the API."""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from mailgate.config import GatewayConfig, load_config
from mailgate.environment import Env

REGION = "us-east-1"
BUCKET = "mailgate-local-mail"
EVENTS_TABLE = "mailgate-events"
BACKUP_TABLE = "mailgate-backup"
IDEMPOTENCY_TABLE = "mailgate-idempotency"
SETTINGS_TABLE = "mailgate-settings"
DIRECTORY_TABLE = "mailgate-directory"


@dataclass
class LocalOptions:
    host: str = "127.0.0.1"
    smtp_port: int = 2525
    downstream_port: int = 2526
    api_port: int = 8025
    console_port: int | None = 8026  # the web console and its local login; None: no console
    moto_port: int = 5005
    state_dir: Path = Path(".mailgate")
    config_file: Path | None = None  # a GatewayConfig JSON; default: accept `domains`, deliver downstream
    domains: tuple[str, ...] = ("example.test",)
    dns: str | None = None  # HOST:PORT of a DNS server; default: the system resolver
    no_network: bool = False
    queue_visibility_seconds: int = 5
    overrides: dict[str, Any] = field(default_factory=dict)  # merged into the generated config
    secrets: dict[str, str] = field(default_factory=dict)  # created in Secrets Manager (e.g. DKIM keys)
    clamd: bool | None = None  # a real clamd with the project's test signatures; None: when it is installed
    workers: int = field(default_factory=lambda: max(2, os.cpu_count() or 2))  # pollers per queue, as Lambda scales
    # rules pollers in this process (None: `workers`); more can run in processes of their own (`mailgate worker`)
    rules_workers: int | None = None
    lines: Any = None  # a LineWriter: one line per decided message (`mailgate serve`); None: no lines
    # the SIEM export (docs/siem.md): SIEM_HOST, SIEM_PORT, ... as the api function reads them; empty: none
    siem: dict[str, str] = field(default_factory=dict)
    siem_visibility_seconds: int = 60  # a batch the collector did not take is sent again after this
    # outbound mail (docs/outbound.md): SMTP submission with AUTH, and the local "internet" it is sent to; None: off
    submission_port: int | None = None
    internet_port: int | None = None




def default_config(options: LocalOptions, clamd: str | None = None) -> dict[str, Any]:
    dns: dict[str, Any] = {"no_network": options.no_network}
    if options.dns:
        host, _, port = options.dns.rpartition(":")
        dns.update(servers=[host], port=int(port))
    route = {"kind": "smtp", "hosts": [{"host": options.host, "port": options.downstream_port}]}
    config: dict[str, Any] = {
        "authserv_id": "mailgate.local",
        "bounce_from": "mailer-daemon@mailgate.local",
        "domains": {d: route for d in options.domains},
        "dns": dns,
        "delivery": {"retry_base_seconds": 2, "max_attempts": 4,
                     "connect_timeout_seconds": 5},
    }
    if options.submission_port is not None and options.internet_port is not None:
        config["outbound"] = {"enabled": True, "relay": {"kind": "smtp", "hosts": [
            {"host": options.host, "port": options.internet_port}]}}
    if clamd:
        config["antivirus"] = {"clamd": clamd}
    for key, value in options.overrides.items():
        config[key] = {**config[key], **value} if isinstance(value, dict) and key in config else value
    return config


def _depth_queues(scan_url: str) -> dict[str, str]:
    """The queues whose depth the admin API shows, besides the rules queue: the scan queue and both DLQs."""
    from mailgate.aws import clients  # noqa: PLC0415

    dlq: dict[str, str] = {name: clients.client("sqs").get_queue_url(QueueName=f"{queue}-dlq")["QueueUrl"]
                           for name, queue in ((Env.SCAN_DLQ_URL, "mailgate-scan"),
                                               (Env.RULES_DLQ_URL, "mailgate-rules"))}
    return {Env.SCAN_QUEUE_URL: scan_url, **dlq}


class LocalGateway:
    def __init__(self, options: LocalOptions) -> None:
        self.options = options
        self.state_dir = options.state_dir.resolve()
        self.delivered_dir = self.state_dir / "delivered"
        self.internet_dir = self.state_dir / "internet"  # what outbound mail was sent to (the local "internet")
        self.submission_login: Any = None  # mailgate.local.submission.Login, with submission_port
        self._stoppers: list[Any] = []
        self.pollers: list[Any] = []
        self.siem_queue: tuple[str, str] | None = None  # (url, arn) of the SIEM queue, when the export is on
        self.siem_poller: Any = None
        self.config: GatewayConfig | None = None
        self.cognito: Any = None  # LocalCognito: the user pool the admin API's tokens come from
        self._admin_token: tuple[float, str] | None = None
        self.clamd: Any = None  # ClamdProcess when local mode started one
        self.rescans: Any = None  # LocalRescanScheduler: the Anti-Spam Quarantine's re-scans
        self.jobs: Any = None  # LocalJobSchedule: the api function's scheduled jobs (Backup's retention)
        self.notes: list[str] = []  # what the start found and did about an earlier run, for `describe`

    @property
    def moto_url(self) -> str:
        return f"http://{self.options.host}:{self.options.moto_port}"

    @property
    def api_url(self) -> str:
        return f"http://{self.options.host}:{self.options.api_port}"

    @property
    def console_url(self) -> str | None:
        """The web console's origin (the only one the API allows), or None when it is not served."""
        if self.options.console_port is None:
            return None
        return f"http://{self.options.host}:{self.options.console_port}"

    def _environment(self, config_path: Path, rules_queue_url: str | None = None,
                     queues: dict[str, str] | None = None) -> dict[str, str]:
        """What the functions read from their environment, set here and written for worker processes."""
        environment = {
            "AWS_ENDPOINT_URL": self.moto_url,
            "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
            Env.MAIL_BUCKET: BUCKET, Env.INCOMING_PREFIX: "incoming/",
            Env.EVENTS_TABLE: EVENTS_TABLE, Env.BACKUP_TABLE: BACKUP_TABLE,
            Env.IDEMPOTENCY_TABLE: IDEMPOTENCY_TABLE, Env.CONFIG_FILE: str(config_path),
            Env.SETTINGS_TABLE: SETTINGS_TABLE, Env.DIRECTORY_TABLE: DIRECTORY_TABLE,
            Env.ANTISPAM_REFRESH_SECONDS: "0",  # feedback given through the API counts from the next message
            "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
            # no CloudWatch here: keep stdout quiet
            "POWERTOOLS_METRICS_DISABLED": os.environ.get("POWERTOOLS_METRICS_DISABLED", "true"),
        }
        if rules_queue_url:
            environment[Env.RULES_QUEUE_URL] = rules_queue_url
        environment.update(queues or {})  # the queues whose depth GET /stats shows
        if self.console_url:
            environment[Env.CONSOLE_ORIGIN] = self.console_url
        else:
            os.environ.pop(Env.CONSOLE_ORIGIN, None)  # not an earlier gateway's of this process
        os.environ.update(environment)
        return environment

    def start(self) -> LocalGateway:
        """Everything, or nothing: a start that fails stops what it had started (clamd first of all)."""
        from mailgate.local.message_lines import quiet_metrics  # noqa: PLC0415
        from mailgate.local.processes import check_ports_free  # noqa: PLC0415

        o = self.options
        check_ports_free(o.host, {"SMTP ingress": o.smtp_port, "downstream SMTP": o.downstream_port,
                                  "admin API": o.api_port, "moto": o.moto_port,
                                  **({"web console": o.console_port} if o.console_port is not None else {}),
                                  **({"submission": o.submission_port, "internet": o.internet_port}
                                     if o.submission_port is not None and o.internet_port is not None else {})})
        quiet_metrics()
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> LocalGateway:
        from moto.server import ThreadedMotoServer  # noqa: PLC0415

        from mailgate.aws import clients, resources  # noqa: PLC0415
        from mailgate.local.api_server import ApiServer  # noqa: PLC0415
        from mailgate.local.downstream import MailFolder  # noqa: PLC0415
        from mailgate.local.functions import load_function  # noqa: PLC0415
        from mailgate.local.smtp_server import DOWNSTREAM_LIMIT, MailServer  # noqa: PLC0415
        from mailgate.local.worker import WORKER_PLAN, WorkerPlan  # noqa: PLC0415
        from mailgate.wiring import process  # noqa: PLC0415

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        config_path = self._config_path(clamd=self._start_clamd())
        self._environment(config_path)
        self.config = config = load_config()

        moto = ThreadedMotoServer(ip_address=self.options.host, port=self.options.moto_port, verbose=False)
        moto.start()
        self._stoppers.append(moto.stop)
        clients.reset()
        process.reset()

        attempts = config.delivery.max_attempts
        resources.create_bucket(BUCKET)
        resources.create_tables(EVENTS_TABLE, BACKUP_TABLE, IDEMPOTENCY_TABLE)
        resources.create_settings_table(SETTINGS_TABLE)
        resources.create_directory_table(DIRECTORY_TABLE)
        self._restore_snapshot()
        self._seed_settings(config, self._config_changed(config_path))
        visibility = self.options.queue_visibility_seconds
        scan_url, scan_arn = resources.create_queue("mailgate-scan", visibility, attempts + 2)
        rules_url, rules_arn = resources.create_queue("mailgate-rules", visibility, attempts + 2)
        clients.client("ses").verify_email_identity(EmailAddress=config.bounce_from)
        # notifications come from the configured sender, by default mailgate@<authserv-id>
        clients.client("ses").verify_domain_identity(Domain=config.authserv_id)
        for name, value in self.options.secrets.items():
            clients.client("secretsmanager").create_secret(Name=name, SecretString=value)
        environment = self._environment(config_path, rules_url, {**_depth_queues(scan_url), **self._siem_env()})
        process.reset()
        plan = WorkerPlan(environment=environment, region=REGION, visibility_seconds=visibility,
                          queues={"scan": (scan_url, scan_arn), "rules": (rules_url, rules_arn)})
        plan.write(self.state_dir / WORKER_PLAN)

        scan, rules, api = (load_function(n) for n in ("scan", "rules", "api"))
        self._serve_rules_invocations(rules.handler)

        downstream = MailServer(MailFolder(self.delivered_dir), hostname=self.options.host,
                                port=self.options.downstream_port, server_hostname="mail.corp.local",
                                data_size_limit=DOWNSTREAM_LIMIT)
        downstream.start()
        self._stoppers.append(downstream.stop)

        self._start_pollers(plan, scan.handler, rules.handler, api.handler)

        s3, sqs = clients.client("s3"), clients.client("sqs")
        self._start_rescans(lambda body: sqs.send_message(QueueUrl=scan_url, MessageBody=json.dumps(body)))
        self._start_ingress(s3, sqs, scan_url, config)
        self._start_submission(s3, sqs, scan_url, config)

        self._start_directory_sync()
        self._start_api(ApiServer, api.handler)
        self._start_jobs(api.handler)
        return self

    def _start_ingress(self, s3: Any, sqs: Any, scan_url: str, config: Any) -> None:
        """The SMTP ingress, as SES's receipt rule: stored under incoming/, then the scan queue notified."""
        from mailgate.local.smtp_ingress import IngressHandler  # noqa: PLC0415
        from mailgate.local.smtp_server import INGRESS_LIMIT, MailServer  # noqa: PLC0415

        ingress = MailServer(
            IngressHandler(config,
                           store=lambda key, raw: s3.put_object(Bucket=BUCKET, Key=key, Body=raw),
                           notify=lambda note: sqs.send_message(QueueUrl=scan_url, MessageBody=json.dumps(note)),
                           bucket=BUCKET, prefix="incoming/"),
            hostname=self.options.host, port=self.options.smtp_port, data_size_limit=INGRESS_LIMIT,
            enable_SMTPUTF8=True, server_hostname="mailgate.local")
        ingress.start()
        self._stoppers.append(ingress.stop)

    def _start_submission(self, s3: Any, sqs: Any, scan_url: str, config: Any) -> None:
        """Outbound mail: authenticated submission into outgoing/, and the "internet" folder server it goes to."""
        o = self.options
        if o.submission_port is None or o.internet_port is None:
            return
        from mailgate.local.downstream import MailFolder  # noqa: PLC0415
        from mailgate.local.smtp_server import DOWNSTREAM_LIMIT, INGRESS_LIMIT, MailServer  # noqa: PLC0415
        from mailgate.local.submission import OUTGOING_PREFIX, Login, SubmissionHandler  # noqa: PLC0415

        internet = MailServer(MailFolder(self.internet_dir), hostname=o.host, port=o.internet_port,
                              server_hostname="mx.internet.local", data_size_limit=DOWNSTREAM_LIMIT)
        internet.start()
        self._stoppers.append(internet.stop)
        self.submission_login = login = Login.in_state_dir(self.state_dir)
        submission = MailServer(
            SubmissionHandler(config, store=lambda key, raw: s3.put_object(Bucket=BUCKET, Key=key, Body=raw),
                              notify=lambda note: sqs.send_message(QueueUrl=scan_url, MessageBody=json.dumps(note)),
                              bucket=BUCKET, prefix=OUTGOING_PREFIX),
            hostname=o.host, port=o.submission_port, data_size_limit=INGRESS_LIMIT, enable_SMTPUTF8=True,
            server_hostname="mailgate.local", authenticator=login, auth_required=True, auth_require_tls=False)
        submission.start()
        self._stoppers.append(submission.stop)

    def _restore_snapshot(self) -> None:
        """The last run's tables, bucket and secrets (see local/snapshot.py); from here on a stop saves them,
        after the servers and pollers have stopped and before moto does. A start that fails before this point
        saves nothing, so it never replaces a good snapshot with an empty one."""
        from mailgate.local import snapshot  # noqa: PLC0415

        restored = snapshot.restore(self.state_dir, BUCKET, keep_secrets=self.options.secrets)
        if restored is not None and restored.note:
            self.notes.append(restored.note)
            logging.getLogger(__name__).warning("%s", restored.note)
        elif restored is not None:
            self.notes.append(f"restored the last run's state: {restored.items} table items, {restored.objects} "
                              f"objects, {restored.secrets} secrets")
        self._stoppers.append(self._save_snapshot)

    def _save_snapshot(self) -> None:
        from mailgate.local import snapshot  # noqa: PLC0415

        snapshot.save(self.state_dir, BUCKET)

    def _start_pollers(self, plan: Any, scan: Any, rules: Any, api: Any = None) -> None:
        """Several pollers per queue, as Lambda runs several instances; `serve`'s rules pollers print a line
        per decided message."""
        from mailgate.local.worker import start_pollers  # noqa: PLC0415

        if self.options.lines is not None:
            from mailgate.local.message_lines import announcing, event_log_reader  # noqa: PLC0415

            rules = announcing(rules, event_log_reader(), self.options.lines)
        rules_workers = self.options.workers if self.options.rules_workers is None else self.options.rules_workers
        for step, handler, count in (("scan", scan, max(1, self.options.workers)), ("rules", rules, rules_workers)):
            for poller in start_pollers(plan, step, handler, count):
                self.pollers.append(poller)
                self._stoppers.append(poller.stop)
        if api is not None:
            self._start_siem_forwarder(api)

    def _siem_env(self) -> dict[str, str]:
        """The SIEM queue and its DLQ when the export is configured, as the CDK construct makes them (siem.py):
        two hours of redeliveries before the DLQ, so a collector down for an hour loses nothing."""
        from mailgate.aws import resources  # noqa: PLC0415

        if not self.options.siem:
            return {}
        visibility = self.options.siem_visibility_seconds
        self.siem_queue = resources.create_queue("mailgate-siem", visibility, max(3, 2 * 3600 // max(1, visibility)))
        return {**self.options.siem, Env.SIEM_QUEUE_URL: self.siem_queue[0]}

    def _start_siem_forwarder(self, api: Any) -> None:
        """The api function's SQS event source on the SIEM queue: one poller, as a concurrency of one."""
        from mailgate.local.event_source import QueuePoller  # noqa: PLC0415
        from mailgate.local.functions import LocalLambdaContext  # noqa: PLC0415

        if self.siem_queue is None:
            return
        queue = self.siem_queue
        self.siem_poller = QueuePoller(queue[0], queue[1], api, LocalLambdaContext("mailgate-api"), REGION)
        self.siem_poller.start()
        self._stoppers.append(self.siem_poller.stop)

    def start_siem(self, siem: dict[str, str], visibility_seconds: int = 60) -> None:
        """Turn the SIEM export on in a running gateway (what `LocalOptions.siem` does at start): the queue, the
        variables for this process's functions, and the forwarder."""
        from mailgate.local.functions import load_function  # noqa: PLC0415
        from mailgate.wiring import process  # noqa: PLC0415

        self.options.siem, self.options.siem_visibility_seconds = dict(siem), visibility_seconds
        os.environ.update(self._siem_env())
        process.reset()  # the services are built again, their event log with the queue
        self._start_siem_forwarder(load_function("api").handler)

    def stop_siem(self) -> None:
        """Turn the SIEM export off again; the queue and what it still holds stay."""
        from mailgate.wiring import process  # noqa: PLC0415

        if self.siem_poller is not None:
            self.siem_poller.stop()
            self.siem_poller = None
        for name in (*self.options.siem, Env.SIEM_QUEUE_URL):
            os.environ.pop(name, None)
        self.options.siem, self.siem_queue = {}, None
        process.reset()

    def _start_directory_sync(self) -> None:
        """ldap_sync on the API's demand, in a thread of this process, and every 30 minutes, as in the cloud."""
        from mailgate.local.directory_sync import LocalSchedule, LocalSyncTrigger  # noqa: PLC0415
        from mailgate.wiring import process  # noqa: PLC0415

        process.use_local_sync(LocalSyncTrigger())
        self._stoppers.append(lambda: process.use_local_sync(None))
        self._stoppers.append(LocalSchedule().start().stop)

    def _start_rescans(self, send: Callable[[dict[str, Any]], Any]) -> None:
        """The Anti-Spam Quarantine's re-scans, as EventBridge Scheduler would send them, to the scan queue."""
        from mailgate.local.rescan_scheduler import LocalRescanScheduler  # noqa: PLC0415
        from mailgate.wiring import process  # noqa: PLC0415

        self.rescans = LocalRescanScheduler(send).start()
        process.use_local_rescans(self.rescans)
        self._stoppers.append(self.rescans.stop)
        self._stoppers.append(lambda: process.use_local_rescans(None))

    def _config_path(self, clamd: str | None) -> Path:
        """The given configuration file, or one generated from the options (and clamd's address)."""
        if self.options.config_file is not None:
            return self.options.config_file
        path = self.state_dir / "config.json"
        path.write_text(json.dumps(default_config(self.options, clamd), indent=2))
        return path

    def _start_clamd(self) -> str | None:
        """clamd with the project's signature database (EICAR, clamav-testfiles, a PUA stand-in): the
        official databases need ClamAV's mirrors. Its address goes into the generated configuration;
        with a configuration file of your own, point `antivirus.clamd` at the address `describe` shows."""
        from mailgate.config import AntivirusSettings, parse_config  # noqa: PLC0415
        from mailgate.scanners.antivirus.daemon import ClamdProcess, clamd_binary  # noqa: PLC0415
        from mailgate.scanners.antivirus.database import write_test_database  # noqa: PLC0415

        if not (self.options.clamd if self.options.clamd is not None else clamd_binary() is not None):
            return None
        if self.options.config_file is not None:
            settings = parse_config(self.options.config_file.read_bytes()).antivirus
        else:
            settings = msgspec.convert(self.options.overrides.get("antivirus", {}), AntivirusSettings)
        from mailgate.local.processes import clear_earlier_clamd  # noqa: PLC0415

        folder = self.state_dir / "clamd"
        if note := clear_earlier_clamd(folder / "run"):
            self.notes.append(note)
        write_test_database(folder / "db")
        self.clamd = ClamdProcess(folder, folder / "db", settings, tcp_host=self.options.host).start()
        self._stoppers.append(self.clamd.stop)
        return str(self.clamd.address)

    def _serve_rules_invocations(self, handler: Any) -> None:
        """Releases from Backup: the api function has the rules function deliver them, invoking it in AWS."""
        from mailgate.local.functions import LocalLambdaContext  # noqa: PLC0415
        from mailgate.wiring import process  # noqa: PLC0415

        process.use_local_rules_invoker(lambda event: handler(event, LocalLambdaContext("mailgate-rules")))
        self._stoppers.append(lambda: process.use_local_rules_invoker(None))

    def _start_jobs(self, handler: Any) -> None:
        """The api function's schedules, as EventBridge Scheduler runs them; `jobs.run(name)` runs one now."""
        from mailgate.local.scheduled_jobs import LocalJobSchedule  # noqa: PLC0415

        self.jobs = LocalJobSchedule(handler).start()
        self._stoppers.append(self.jobs.stop)

    def _start_api(self, server: Any, handler: Any) -> None:
        """The API behind what plays API Gateway's Cognito authorizer, with users from moto's Cognito; then the
        web console, whose sign-in asks the same user pool."""
        from mailgate.local.cognito import LocalCognito, TokenVerifier  # noqa: PLC0415

        saved = self.state_dir / "cognito.json"
        self.cognito = LocalCognito.create(self.moto_url, REGION)
        # the key survives restarts, so tokens fetched before one keep working (local/cognito.py); a first
        # start, or a file of an older version, makes a new one
        with contextlib.suppress(OSError, ValueError, TypeError):
            self.cognito.carry_over(LocalCognito.load(saved))
        self.cognito.save(saved)
        api_server = server(handler, self.options.host, self.options.api_port, TokenVerifier.for_pool(self.cognito))
        api_server.start()
        self._stoppers.append(api_server.stop)
        self._start_console()

    def _start_console(self) -> None:
        """The web console's files and the stand-in for Cognito's hosted login (local/console_server.py)."""
        if self.options.console_port is None:
            return
        from mailgate.local.console_server import ConsoleServer  # noqa: PLC0415

        console = ConsoleServer(self.cognito, self.options.host, self.options.console_port, self.api_url,
                                passwords_hint=f"The local users' passwords: {self._passwords_command}")
        console.start()
        self._stoppers.append(console.stop)

    @property
    def _passwords_command(self) -> str:
        return f".venv/bin/mailgate token --show-passwords --state-dir {self.options.state_dir}"

    def _config_changed(self, config_path: Path) -> bool:
        """Whether the configuration file (given, or generated from the options) differs from the last start's:
        then it is the newer word over the settings the last run kept; otherwise those settings stand."""
        import hashlib  # noqa: PLC0415

        seen = self.state_dir / "config.sha256"
        digest = hashlib.sha256(config_path.read_bytes()).hexdigest()
        earlier = seen.read_text().strip() if seen.exists() else None
        seen.write_text(digest + "\n")
        return earlier is not None and earlier != digest

    @staticmethod
    def _seed_settings(config: GatewayConfig, config_changed: bool = False) -> None:
        """The settings table starts with the generated (or given) configuration, as version 1; settings a
        restart restored stay, unless the configuration file changed (then it is saved as the next version)."""
        from mailgate.aws import resources  # noqa: PLC0415
        from mailgate.aws.settings_table import DynamoSettingsStore  # noqa: PLC0415
        from mailgate.settings.audit import AuditEntry  # noqa: PLC0415

        resources.create_settings_table(SETTINGS_TABLE)
        store = DynamoSettingsStore(SETTINGS_TABLE)
        current = store.load()
        if current is None:
            store.save(config, 0, AuditEntry(actor="local mode", subject="mailgate", operation="seed",
                                             version_before=0, version_after=1, changes=()))
        elif config_changed:
            store.save(config, current.version, AuditEntry(
                actor="local mode", subject="mailgate", operation="configuration file changed since the last run",
                version_before=current.version, version_after=current.version + 1, changes=()))

    def admin_token(self) -> str:
        """An Administrator's ID token, renewed well before its hour is up."""
        import time  # noqa: PLC0415

        if self._admin_token is None or time.monotonic() - self._admin_token[0] > 3000:
            self._admin_token = (time.monotonic(), str(self.cognito.token("admin")))
        return self._admin_token[1]

    def describe(self) -> str:
        o = self.options
        return "\n".join([
            "mailgate local mode is running:",
            f"  SMTP ingress (send mail here)   smtp://{o.host}:{o.smtp_port}",
            f"  accepted domains                {', '.join(sorted(self.config.domains)) if self.config else ''}",
            f"  downstream mail server          smtp://{o.host}:{o.downstream_port}",
            f"  delivered mail                  {self.delivered_dir}/",
            f"  admin API                       {self.api_url}/health",
            f"  AWS APIs (moto)                 {self.moto_url}",
            f"  clamd (anti-virus)              "
            f"{f'{self.clamd.address}, {self.clamd.tcp_address}' if self.clamd else 'not started'}",
            f"  an administrator's API token    "
            f"TOKEN=$(.venv/bin/mailgate token --user admin --state-dir {o.state_dir})",
            f"  call the API with it            curl -H \"Authorization: Bearer $TOKEN\" {self.api_url}/me",
            *([f"  web console                     {self.console_url}/  (log in as admin, officer, auditor or user)",
               f"  the users' passwords            {self._passwords_command}"] if self.console_url else []),
            *([f"  outbound submission (AUTH)      smtp://{o.host}:{o.submission_port}  user "
               f"{self.submission_login.username}, password in {o.state_dir}/submission.json",
               f"  outbound mail sent to           {self.internet_dir}/  (the local \"internet\")"]
              if self.submission_login is not None else []),
            *(f"note: {note}" for note in self.notes),
            "One line per message follows. Press Ctrl-C to stop.",
        ])

    def stop(self) -> None:
        while self._stoppers:
            stop = self._stoppers.pop()
            try:
                stop()
            except Exception:
                logging.getLogger(__name__).exception("stopping a local component failed")
