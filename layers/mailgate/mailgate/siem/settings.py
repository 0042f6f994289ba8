"""Where the forwarder sends: the collector's settings, from the api function's environment (the CDK construct's
`siem` prop and local mode set them; see docs/siem.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from mailgate.environment import Env

PROTOCOLS = ("tls", "tcp", "udp")
FORMATS = ("cef", "json")


@dataclass(frozen=True)
class SiemSettings:
    host: str = ""
    port: int = 6514
    protocol: str = "tls"
    format: str = "cef"
    ca_secret: str = ""  # the name of a Secrets Manager secret holding the CA's PEM to trust (TLS)
    ca_file: str = ""  # or a PEM file (local mode)
    enabled: bool = True

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SiemSettings:
        e = os.environ if env is None else env
        settings = cls(host=e.get(Env.SIEM_HOST, ""), port=int(e.get(Env.SIEM_PORT, "") or 6514),
                       protocol=e.get(Env.SIEM_PROTOCOL, "") or "tls", format=e.get(Env.SIEM_FORMAT, "") or "cef",
                       ca_secret=e.get(Env.SIEM_CA_SECRET, ""), ca_file=e.get(Env.SIEM_CA_FILE, ""),
                       enabled=e.get(Env.SIEM_ENABLED, "true").lower() not in ("false", "0", "no"))
        if settings.protocol not in PROTOCOLS or settings.format not in FORMATS:
            raise ValueError(f"SIEM protocol must be one of {PROTOCOLS} and format one of {FORMATS}")
        return settings
