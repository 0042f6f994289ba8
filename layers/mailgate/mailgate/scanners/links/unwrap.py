"""Safe-link wrappers and open redirectors carry the real destination in a parameter; judge the
destination, not the wrapper (Outlook Safe Links, Proofpoint URL Defense, Google and Facebook
redirects). Up to three levels, since wrappers get wrapped again when mail is forwarded."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from urllib.parse import parse_qsl, unquote

from mailgate.message.urls import normalise
from mailgate.reference.tables import rows
from mailgate.scanners.links.domains import registered_domain, split_url

_PACKAGE = "mailgate.scanners.links"
MAX_LEVELS = 3


@dataclass(frozen=True, slots=True)
class Redirector:
    host: str  # exact host, or ".domain" for a registered domain and its subdomains
    path: str
    parameter: str  # "__path": the rest of the path; "__query": the whole query; "__": Proofpoint v3


@cache
def redirectors() -> tuple[Redirector, ...]:
    return tuple(Redirector(r[0].lower(), r[1], r[2]) for r in rows(_PACKAGE, "redirectors.tsv") if len(r) >= 3)


@dataclass(frozen=True, slots=True)
class Unwrapped:
    url: str
    host: str | None
    wrappers: tuple[str, ...]  # the hosts peeled off, outermost first


def unwrap(url: str, host: str | None) -> Unwrapped:
    """The destination behind known wrappers; the URL itself when it is not wrapped."""
    wrappers: list[str] = []
    for _ in range(MAX_LEVELS):
        if host is None:
            break
        inner = _inner(url, host)
        if inner is None:
            break
        normalised = normalise(inner)
        if normalised is None:
            break
        wrappers.append(host)
        url, host = normalised[0], normalised[2]
    return Unwrapped(url, host, tuple(wrappers))


def _matches(rule: Redirector, host: str) -> bool:
    if rule.host.startswith("."):
        return host.endswith(rule.host) or registered_domain(host) == rule.host[1:]
    return host == rule.host


@cache
def _index() -> tuple[dict[str, tuple[Redirector, ...]], tuple[Redirector, ...]]:
    """Exact-host rules by host, and the few registered-domain rules."""
    exact: dict[str, list[Redirector]] = {}
    for rule in redirectors():
        if not rule.host.startswith("."):
            exact.setdefault(rule.host, []).append(rule)
    suffix = tuple(rule for rule in redirectors() if rule.host.startswith("."))
    return {host: tuple(rules) for host, rules in exact.items()}, suffix


def _inner(url: str, host: str) -> str | None:
    exact, suffix = _index()
    candidates = exact.get(host, ()) + tuple(rule for rule in suffix if host.endswith(rule.host))
    for rule in candidates:
        if not _matches(rule, host):
            continue
        parts = split_url(url)
        if not parts.path.startswith(rule.path):
            continue
        if rule.parameter == "__path":
            return "https://" + parts.path[len(rule.path):]
        if rule.parameter == "__query":
            return unquote(parts.query) or None
        if rule.parameter == "__":  # Proofpoint v3: https://urldefense.com/v3/__<url>__;...
            body = url.partition("/v3/__")[2]
            return body.partition("__;")[0] or None
        for key, value in parse_qsl(parts.query, keep_blank_values=False):
            if key == rule.parameter and value:
                return unquote(value.replace("-", "%").replace("_", "/")) if rule.parameter == "u" else value
    return None
