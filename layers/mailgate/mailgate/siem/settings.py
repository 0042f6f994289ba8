"""Where the forwarder sends: a syslog collector, a Firehose stream or an EventBridge bus, from the api function's
environment (the CDK construct's `siem` prop and local mode set them; see docs/siem.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from mailgate.environment import Env

PROTOCOLS = ("tls", "tcp", "udp")
FORMATS = ("cef", "json")
DESTINATIONS = ("syslog", "firehose", "eventbridge")


@dataclass(frozen=True)
class SiemSettings:
    host: str = ""
    port: int = 6514
    protocol: str = "tls"
    format: str = "cef"  # EventBridge always gets the JSON form: its Detail must be a JSON object
    ca_secret: str = ""  # the name of a Secrets Manager secret holding the CA's PEM to trust (TLS)
    ca_file: str = ""  # or a PEM file (local mode)
    enabled: bool = True
    destination: str = "syslog"  # syslog | firehose | eventbridge
    firehose_stream: str = ""  # the delivery stream's name
    event_bus: str = ""  # the bus's name or ARN

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SiemSettings:
        e = os.environ if env is None else env
        settings = cls(host=e.get(Env.SIEM_HOST, ""), port=int(e.get(Env.SIEM_PORT, "") or 6514),
                       protocol=e.get(Env.SIEM_PROTOCOL, "") or "tls", format=e.get(Env.SIEM_FORMAT, "") or "cef",
                       ca_secret=e.get(Env.SIEM_CA_SECRET, ""), ca_file=e.get(Env.SIEM_CA_FILE, ""),
                       enabled=e.get(Env.SIEM_ENABLED, "true").lower() not in ("false", "0", "no"),
                       destination=e.get(Env.SIEM_DESTINATION, "") or "syslog",
                       firehose_stream=e.get(Env.SIEM_FIREHOSE_STREAM, ""), event_bus=e.get(Env.SIEM_EVENT_BUS, ""))
        if settings.protocol not in PROTOCOLS or settings.format not in FORMATS:
            raise ValueError(f"SIEM protocol must be one of {PROTOCOLS} and format one of {FORMATS}")
        if settings.destination not in DESTINATIONS:
            raise ValueError(f"{Env.SIEM_DESTINATION} must be one of {DESTINATIONS}, not {settings.destination!r}")
        if settings.destination == "firehose" and not settings.firehose_stream:
            raise ValueError(f"{Env.SIEM_DESTINATION}=firehose needs {Env.SIEM_FIREHOSE_STREAM}: the delivery "
                             "stream's name")
        if settings.destination == "eventbridge" and not settings.event_bus:
            raise ValueError(f"{Env.SIEM_DESTINATION}=eventbridge needs {Env.SIEM_EVENT_BUS}: the bus's name or ARN "
                             "(`default` for the account's default bus)")
        return settings

    @property
    def active(self) -> bool:
        """Whether to send at all: off, or a syslog export without a host, keeps the events queued."""
        return self.enabled and (self.destination != "syslog" or bool(self.host))
