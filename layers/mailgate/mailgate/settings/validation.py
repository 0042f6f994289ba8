"""Validate a settings document field by field, so every problem is reported at once with its JSON path.

msgspec stops at the first error of a document; converting each field (each domain's route, each
signing key) on its own collects all of them, and the last whole conversion catches anything left.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, get_args, get_origin

import msgspec

from mailgate.config import (
    ContentFilterSettings,
    DkimSigningKey,
    GatewayConfig,
    ModificationSettings,
    Route,
    SenderLists,
)
from mailgate.notify.macros import notification_problems
from mailgate.notify.templates import NotificationSettings
from mailgate.rules.dictionaries import dictionary_problems
from mailgate.rules.table import validate_table
from mailgate.scanners.content_filter.validation import content_filter_problems
from mailgate.secret_names import ARC, DKIM, SMTP, is_under
from mailgate.settings.errors import SettingsInvalid
from mailgate.syntax import is_address, is_domain, is_host, is_selector

_HEADER_PREFIX = re.compile(r"X-[A-Za-z0-9-]{0,37}-")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$", re.IGNORECASE)
_AT_PATH = re.compile(r" - at `\$(?P<path>.*)`$")
_FIELDS = {f.encode_name: f for f in msgspec.structs.fields(GatewayConfig)}

Problem = dict[str, str]


def problem(path: str, message: str) -> Problem:
    return {"path": path, "message": message}


def _convert(value: Any, kind: Any, path: str, problems: list[Problem]) -> Any:
    try:
        return msgspec.convert(value, type=kind)
    except msgspec.ValidationError as exc:
        text = str(exc)
        found = _AT_PATH.search(text)
        if found:
            problems.append(problem(path + found["path"], text[:found.start()]))
        else:
            problems.append(problem(path, text))
        return None


def _check(value: Any, kind: Any, path: str, problems: list[Problem]) -> None:
    """Struct by field and arrays by item, so sibling problems are all found; leaves by msgspec."""
    if isinstance(kind, type) and issubclass(kind, msgspec.Struct) and isinstance(value, dict):
        fields = {f.encode_name: f for f in msgspec.structs.fields(kind)}
        before = len(problems)
        for key, item in value.items():
            if key in fields:
                _check(item, fields[key].type, f"{path}.{key}", problems)
            else:
                problems.append(problem(f"{path}.{key}", f"unknown field {key!r}"))
        problems += [problem(f"{path}.{name}", "missing") for name, f in fields.items()
                     if f.required and name not in value]
        if len(problems) == before:
            _convert(value, kind, path, problems)
        return
    args = get_args(kind)
    if get_origin(kind) is tuple and len(args) == 2 and args[1] is Ellipsis and isinstance(value, list):
        for index, item in enumerate(value):
            _check(item, args[0], f"{path}[{index}]", problems)
        return
    _convert(value, kind, path, problems)


def _check_domains(value: Any, path: str, problems: list[Problem]) -> None:
    if not isinstance(value, dict):
        problems.append(problem(path, "Expected `object` of accepted domain → route"))
        return
    for domain, route in value.items():
        where = f'{path}["{domain}"]'
        if not _DOMAIN.match(str(domain).rstrip(".")):
            problems.append(problem(where, f"{domain!r} is not a domain name"))
        before = len(problems)
        _check(route, Route, where, problems)
        if len(problems) > before:
            continue
        checked = msgspec.convert(route, Route)
        if checked.kind == "smtp" and not checked.hosts:
            problems.append(problem(f"{where}.hosts", "an smtp route needs at least one host"))
        problems += [problem(f"{where}.hosts[{i}].host", f"{h['host']!r} is not a host name or an IP address")
                     for i, h in enumerate(route.get("hosts") or ()) if not is_host(h["host"])]
        if checked.username_secret is not None and not is_under(checked.username_secret, (SMTP,)):
            problems.append(problem(f"{where}.username_secret", f"must be a Secrets Manager name under {SMTP} "
                                                                "(the rules function reads relay logins only there)"))


def _check_signing(value: Any, path: str, problems: list[Problem]) -> None:
    if not isinstance(value, list):
        problems.append(problem(path, "Expected `array` of signing keys"))
        return
    for index, key in enumerate(value):
        _check_key(key, f"{path}[{index}]", problems, DKIM)


def _check_key(value: Any, path: str, problems: list[Problem], secrets_under: str) -> None:
    """A signing or sealing key: its domain and selector become DNS names and header tags; its secret is
    read only under its own prefix."""
    before = len(problems)
    _check(value, DkimSigningKey, path, problems)
    if len(problems) > before:
        return
    if not is_domain(value["domain"]):
        problems.append(problem(f"{path}.domain", f"{value['domain']!r} is not a domain name"))
    if not is_selector(value["selector"]):
        problems.append(problem(f"{path}.selector", f"{value['selector']!r} is not a DKIM selector: one or more "
                                                    "DNS labels of letters, digits and dashes (e.g. 's2026')"))
    if not is_under(value["secret_name"], (secrets_under,)):
        problems.append(problem(f"{path}.secret_name", f"must be a Secrets Manager name under {secrets_under}"))


def _check_content_filter(value: Any, path: str, problems: list[Problem]) -> None:
    before = len(problems)
    _check(value, ContentFilterSettings, path, problems)
    if len(problems) == before:
        settings = msgspec.convert(value, ContentFilterSettings)
        problems += [problem(path + where, message) for where, message in content_filter_problems(settings)]


def _check_notifications(value: Any, path: str, problems: list[Problem]) -> None:
    before = len(problems)
    _check(value, NotificationSettings, path, problems)
    if len(problems) == before:
        settings = msgspec.convert(value, NotificationSettings)
        problems += [problem(path + where, message) for where, message in notification_problems(settings)]


def _check_modifications(value: Any, path: str, problems: list[Problem]) -> None:
    before = len(problems)
    _check(value, ModificationSettings, path, problems)
    if len(problems) == before:
        names = [d.name for d in msgspec.convert(value, ModificationSettings).disclaimers]
        problems += [problem(f"{path}.disclaimers[{i}].name", f"the disclaimer name {name!r} is used twice")
                     for i, name in enumerate(names) if name in names[:i]]


def _disclaimer_problems(config: GatewayConfig, base: str) -> list[Problem]:
    """A rule may name only a disclaimer that exists."""
    known = {d.name for d in config.modifications.disclaimers}
    return [problem(f"{base}.rules.rules[{i}].disclaimer", f"no disclaimer is named {rule.disclaimer!r}")
            for i, rule in enumerate(config.rules.rules) if rule.disclaimer and rule.disclaimer not in known]


def _expression_problems(config: GatewayConfig, base: str) -> list[Problem]:
    """A rule may name only expressions that exist: deleting one a rule names would silently apply nothing."""
    known = {e.name.lower() for e in config.content_filter.expressions}
    return [problem(f"{base}.rules.rules[{i}].modules.content_filter.expressions[{j}]",
                    f"no Content Filtering expression is named {name!r} (the rule {rule.name!r} applies it: take it "
                    "out of the rule first, or keep the expression)")
            for i, rule in enumerate(config.rules.rules)
            for j, name in enumerate(rule.modules.content_filter.expressions) if name.lower() not in known]


def _check_lists(value: Any, path: str, problems: list[Problem]) -> None:
    from mailgate.rules.sender_lists import entry_problems  # noqa: PLC0415 - the matchers load when lists are edited

    before = len(problems)
    _check(value, SenderLists, path, problems)
    if len(problems) == before:
        for side in ("allow", "deny"):
            problems += [problem(where, message)
                         for where, message in entry_problems(value.get(side) or (), f"{path}.{side}")]


def _check_rules(value: Any, path: str, problems: list[Problem]) -> None:
    problems += [problem(f"{path}.{where}" if where else path, message) for where, message in validate_table(value)]


def _check_arc_sealing(value: Any, path: str, problems: list[Problem]) -> None:
    if value is None:
        return
    before = len(problems)
    _check_key(value, path, problems, ARC)
    if len(problems) == before and value.get("algorithm", "rsa-sha256") != "rsa-sha256":
        problems.append(problem(f"{path}.algorithm", "ARC seals use rsa-sha256 (RFC 8617)"))


def _check_header_prefix(value: Any, path: str, problems: list[Problem]) -> None:
    if not isinstance(value, str) or not _HEADER_PREFIX.fullmatch(value):
        problems.append(problem(path, "Expected a header name prefix such as 'X-Mailgate-' (starts with X-, "
                                      "ends with -, letters, digits and dashes, at most 40 characters)"))


def _check_bounce_from(value: Any, path: str, problems: list[Problem]) -> None:
    if not isinstance(value, str) or not is_address(value):
        problems.append(problem(path, "Expected an e-mail address such as mailer-daemon@example.com (no spaces, "
                                      "quotes or line breaks): bounces are sent from it"))


def _check_authserv_id(value: Any, path: str, problems: list[Problem]) -> None:
    if not isinstance(value, str) or not _DOMAIN.match(value):
        problems.append(problem(path, "Expected a host name"))


# Settings whose checks go beyond their type; the rest are checked against GatewayConfig's field types.
_CHECKS: dict[str, Callable[[Any, str, list[Problem]], None]] = {
    "domains": _check_domains, "content_filter": _check_content_filter, "notifications": _check_notifications,
    "lists": _check_lists, "modifications": _check_modifications, "rules": _check_rules,
    "dkim_signing": _check_signing, "arc_sealing": _check_arc_sealing, "header_prefix": _check_header_prefix,
    "bounce_from": _check_bounce_from, "authserv_id": _check_authserv_id,
}


def _check_field(key: str, value: Any, path: str, problems: list[Problem]) -> None:
    check = _CHECKS.get(key)
    if check is not None:
        check(value, path, problems)
    else:
        _check(value, _FIELDS[key].type, path, problems)


def settings_problems(settings: Any, base: str = "$") -> list[Problem]:
    if not isinstance(settings, dict):
        return [problem(base, "Expected `object`")]
    problems: list[Problem] = []
    for key, value in settings.items():
        path = f"{base}.{key}"
        if key not in _FIELDS:
            problems.append(problem(path, f"unknown setting {key!r}"))
        else:
            _check_field(key, value, path, problems)
    return problems


def validate_settings(settings: Any, base: str = "$") -> GatewayConfig:
    """The document as a GatewayConfig, or SettingsInvalid listing every problem."""
    problems = settings_problems(settings, base)
    if problems:
        raise SettingsInvalid(problems)
    config = _convert(settings, GatewayConfig, base, problems)
    if problems:
        raise SettingsInvalid(problems)
    assert isinstance(config, GatewayConfig)
    problems += [problem(f"{base}.rules.{where}", message)  # rules may name Content Filtering's dictionaries
                 for where, message in dictionary_problems(config.rules, config.content_filter.dictionaries)]
    problems += _disclaimer_problems(config, base)
    problems += _expression_problems(config, base)
    if problems:
        raise SettingsInvalid(problems)
    return config


def as_document(config: GatewayConfig) -> dict[str, Any]:
    document: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(config))  # JSON types: lists, not tuples
    return document
