"""The rule table as data: ordered rules, each with conditions, a mode and per-module actions.

A (sender, recipient) pair is handled by the first enabled rule, top to bottom, whose conditions both
match; the Default rule is always last, matches everyone and cannot be deleted. The defaults of every
struct are what a mail administrator expects from each module (see the README's Default rule).

This module imports nothing from `mailgate.config`, so the configuration may embed a `RuleTable`.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, ClassVar, Literal

import msgspec
import regex

from mailgate.scanners.content_filter.patterns import compile_regex
from mailgate.syntax import is_address

DEFAULT_RULE = "Default"
MAX_PATTERN_CHARS = 1024  # an address regular expression longer than this is a mistake, not a rule

Mode = Literal["scan", "reject", "delete", "skip"]
RuleDirection = Literal["any", "inbound", "outbound"]  # inbound: from outside; outbound: the organisation's own
ActionName = Literal["skip", "reject", "delete_message", "delete_attachment"]
NOTIFY_ROLES = frozenset({"administrator", "sender", "recipients"})


class _Struct(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    pass


class VerdictAction(_Struct, frozen=True):
    """What one verdict class asks for; the options accumulate across modules, the action does not."""

    action: ActionName = "skip"
    backup: bool = False  # place the original in Backup, whatever the action
    subject_tag: str = ""  # e.g. "[Spam]", prefixed to the delivered copy's subject
    set_headers: dict[str, str] = msgspec.field(default_factory=dict)
    remove_headers: tuple[str, ...] = ()
    insecure_warning: bool = False  # the warning about an insecure message at the top of the body
    notify: tuple[str, ...] = ()  # "administrator", "sender", "recipients" or addresses

    def asks(self) -> bool:
        """Does this action change anything compared with plain delivery?"""
        return (self.action != "skip" or self.backup or bool(self.subject_tag) or bool(self.set_headers)
                or bool(self.remove_headers) or self.insecure_warning or bool(self.notify))


def _skip() -> VerdictAction:
    return VerdictAction()


def _hold() -> VerdictAction:
    return VerdictAction(action="delete_message", backup=True)


class AntivirusModule(_Struct, frozen=True):
    """`infected` with delete_message still removes only the infected attachments when the scanner runs
    with `on_infected: remove_parts` and the threats are all in removable attachments (today's setting)."""

    verdict_classes: ClassVar[tuple[str, ...]] = ("infected", "unscannable", "error")
    removable: ClassVar[tuple[str, ...]] = ("infected",)  # only these verdicts name parts that can be taken out

    enabled: bool = True
    infected: VerdictAction = msgspec.field(default_factory=_hold)
    unscannable: VerdictAction = msgspec.field(default_factory=_hold)  # never delivered as if clean
    error: VerdictAction = msgspec.field(default_factory=_hold)


class LinksModule(_Struct, frozen=True):
    verdict_classes: ClassVar[tuple[str, ...]] = ("malicious_link", "phishing_link")

    enabled: bool = True
    malicious_link: VerdictAction = msgspec.field(default_factory=_hold)
    phishing_link: VerdictAction = msgspec.field(default_factory=_hold)


SpamClass = Literal["spam", "probable_spam", "mass_mailing"]


class SpamQuarantine(_Struct, frozen=True):
    """The Anti-Spam Quarantine: mail whose spam verdict is uncertain is held, scanned again with the newer
    models and lists after `hold_minutes`, and only then decided (within the limits of `spam_quarantine`)."""

    enabled: bool = False
    hold_minutes: Annotated[int, msgspec.Meta(ge=1, le=1440)] = 30
    verdicts: tuple[SpamClass, ...] = ("probable_spam",)


class AntispamModule(_Struct, frozen=True):
    """Thresholds left unset use the scanner's; set, they re-classify the reported score for this rule."""

    verdict_classes: ClassVar[tuple[str, ...]] = ("spam", "probable_spam", "mass_mailing", "blacklisted")

    enabled: bool = True
    probable_threshold: float | None = None
    spam_threshold: float | None = None
    spam: VerdictAction = msgspec.field(default_factory=_hold)  # quarantine
    probable_spam: VerdictAction = msgspec.field(
        default_factory=lambda: VerdictAction(subject_tag="[Probable spam]"))
    mass_mailing: VerdictAction = msgspec.field(default_factory=_skip)
    blacklisted: VerdictAction = msgspec.field(default_factory=lambda: VerdictAction(action="reject"))
    quarantine: SpamQuarantine = msgspec.field(default_factory=SpamQuarantine)


class AntiphishingModule(_Struct, frozen=True):
    verdict_classes: ClassVar[tuple[str, ...]] = ("phishing", "probable_phishing")

    enabled: bool = True
    probable_threshold: float | None = None
    phishing_threshold: float | None = None
    phishing: VerdictAction = msgspec.field(default_factory=_hold)
    probable_phishing: VerdictAction = msgspec.field(
        default_factory=lambda: VerdictAction(subject_tag="[Suspicious]", insecure_warning=True))


class ContentFilterModule(_Struct, frozen=True):
    """Expressions keep their own action, Backup and header changes; a rule chooses which apply. An expression
    Content Filtering could not decide is `unscannable` (content it tests was not seen: a parser limit, text
    beyond 1,000,000 characters) or `error` (a condition could not be evaluated: a timed-out regular
    expression); by default both hold the message in Backup, never delivered as if clean."""

    verdict_classes: ClassVar[tuple[str, ...]] = ("unscannable", "error")  # "violation": each expression's own action

    enabled: bool = True
    expressions: tuple[str, ...] = ()  # by name; empty: all of them
    unscannable: VerdictAction = msgspec.field(default_factory=_hold)
    error: VerdictAction = msgspec.field(default_factory=_hold)


class AuthenticationModule(_Struct, frozen=True):
    """Mail Sender Authentication. With `dmarc_primary`, a DMARC verdict (pass or fail) decides alone and
    SPF/DKIM failures of a message that passes DMARC are not violations. With `apply_dmarc_policy`, a
    DMARC failure is `dmarc_reject` / `dmarc_quarantine` by what the domain's owner asks for this message."""

    verdict_classes: ClassVar[tuple[str, ...]] = ("spf_fail", "dkim_fail", "dmarc_fail", "dmarc_reject",
                                                  "dmarc_quarantine")

    enabled: bool = True
    spf: bool = True
    dkim: bool = True
    dmarc: bool = True
    temperror_is_violation: bool = False
    permerror_is_violation: bool = False
    dmarc_primary: bool = True
    apply_dmarc_policy: bool = True
    spf_fail: VerdictAction = msgspec.field(default_factory=_skip)
    dkim_fail: VerdictAction = msgspec.field(default_factory=_skip)
    dmarc_fail: VerdictAction = msgspec.field(default_factory=_skip)
    dmarc_reject: VerdictAction = msgspec.field(default_factory=lambda: VerdictAction(action="reject", backup=True))
    dmarc_quarantine: VerdictAction = msgspec.field(default_factory=_skip)  # today: delivered


class ModuleSettings(_Struct, frozen=True):
    antivirus: AntivirusModule = msgspec.field(default_factory=AntivirusModule)
    links: LinksModule = msgspec.field(default_factory=LinksModule)
    antispam: AntispamModule = msgspec.field(default_factory=AntispamModule)
    antiphishing: AntiphishingModule = msgspec.field(default_factory=AntiphishingModule)
    content_filter: ContentFilterModule = msgspec.field(default_factory=ContentFilterModule)
    authentication: AuthenticationModule = msgspec.field(default_factory=AuthenticationModule)


# module → its verdict classes (each module declares its own), and the verdicts that name parts to take out
VERDICT_CLASSES: dict[str, tuple[str, ...]] = {
    field.name: field.type.verdict_classes for field in msgspec.structs.fields(ModuleSettings)}
REMOVABLE_CLASSES = frozenset((field.name, verdict_class) for field in msgspec.structs.fields(ModuleSettings)
                              for verdict_class in getattr(field.type, "removable", ()))


class Conditions(_Struct, frozen=True):
    """Who a rule is for. Entries of all kinds are alternatives; no entry at all means anyone.
    Comparisons are case-insensitive; `networks` only make sense for senders (the connecting client)."""

    addresses: tuple[str, ...] = ()
    masks: tuple[str, ...] = ()  # `*` any run of characters, `?` one character, over the whole address
    regexes: tuple[str, ...] = ()  # searched, not anchored
    domains: tuple[str, ...] = ()
    include_subdomains: bool = True
    networks: tuple[str, ...] = ()  # "192.0.2.0/24", "2001:db8::/32", or one address
    users: tuple[str, ...] = ()  # directory users by any of their addresses (aliases match too)
    groups: tuple[str, ...] = ()  # directory groups by address, DN or display name; nested members match
    dictionaries: tuple[str, ...] = ()  # Content Filtering text dictionaries, by name (mailgate.rules.dictionaries)

    def is_empty(self) -> bool:
        return not (self.addresses or self.masks or self.regexes or self.domains or self.networks
                    or self.users or self.groups or self.dictionaries)


class Rule(_Struct, frozen=True):
    name: str
    description: str = ""
    enabled: bool = True
    mode: Mode = "scan"  # scan: module settings; reject/delete/skip: without scanning
    direction: RuleDirection = "any"  # a condition: the mail's direction (the Default rule takes any)
    senders: Conditions = msgspec.field(default_factory=Conditions)
    recipients: Conditions = msgspec.field(default_factory=Conditions)
    modules: ModuleSettings = msgspec.field(default_factory=ModuleSettings)
    # the Default rule's actions for outbound mail, its own; None: outbound_default_modules()
    outbound_modules: ModuleSettings | None = None
    bcc: tuple[str, ...] = ()  # copies sent whatever the action
    remove_headers: tuple[str, ...] = ()  # on delivered mail
    set_headers: dict[str, str] = msgspec.field(default_factory=dict)
    disclaimer: str = ""  # names one of the settings' disclaimers, added to the mail this rule delivers


def outbound_default_modules() -> ModuleSettings:
    """What the Default rule does with the organisation's own mail unless set otherwise: viruses and malicious
    links held, Content Filtering as configured, spam held (a compromised account's), probable spam and bulk mail
    sent on; the checks about senders from outside (SPF/DKIM/DMARC, spoofing) do not apply."""
    return ModuleSettings(
        antispam=AntispamModule(probable_spam=_skip(), blacklisted=_hold()),
        antiphishing=AntiphishingModule(enabled=False),
        authentication=AuthenticationModule(enabled=False))


def default_rule() -> Rule:
    return Rule(name=DEFAULT_RULE, description="Catches every sender and recipient no other rule matched")


class RuleTable(_Struct, frozen=True):
    version: int = 1
    rules: tuple[Rule, ...] = msgspec.field(default_factory=lambda: (default_rule(),))

    def insert(self, rule: Rule, position: int | None = None) -> RuleTable:
        """A table with `rule` at `position` (default: just above the Default rule, which stays last)."""
        last = len(self.rules) - 1
        at = last if position is None else max(0, min(position, last))
        return msgspec.structs.replace(self, rules=(*self.rules[:at], rule, *self.rules[at:]))

    def remove(self, name: str) -> RuleTable:
        if name == DEFAULT_RULE:
            raise ValueError("the Default rule cannot be deleted")
        kept = tuple(r for r in self.rules if r.name != name)
        if len(kept) == len(self.rules):
            raise ValueError(f"no rule named {name!r}")
        return msgspec.structs.replace(self, rules=kept)


Problem = tuple[str, str]  # (field path such as "rules[2].senders.regexes[0]", message)
_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)


def load_table(document: Any) -> RuleTable:
    """The table from its JSON form; raises ValueError naming every problem."""
    table, problems = _parse(document)
    if table is None or problems:
        raise ValueError("; ".join(f"{path}: {message}" for path, message in problems))
    return table


def validate_table(document: Any) -> list[Problem]:
    """Every problem of a rule table document, each with the field it is in; [] when it is usable."""
    return _parse(document)[1]


def _parse(document: Any) -> tuple[RuleTable | None, list[Problem]]:
    try:
        table = document if isinstance(document, RuleTable) else msgspec.convert(document, RuleTable)
    except msgspec.ValidationError as exc:
        found = _AT.match(str(exc))
        path = (found.group("path") or "").lstrip(".") if found else ""
        return None, [(path or "$", found.group("message") if found else str(exc))]
    problems: list[Problem] = []
    _check_order(table, problems)
    for index, rule in enumerate(table.rules):
        where = f"rules[{index}]"
        if not rule.name.strip():
            problems.append((f"{where}.name", "a rule needs a name"))
        _check_conditions(rule.senders, f"{where}.senders", problems, networks_allowed=True)
        _check_conditions(rule.recipients, f"{where}.recipients", problems, networks_allowed=False)
        _check_modules(rule.modules, f"{where}.modules", problems)
        if rule.outbound_modules is not None:
            _check_modules(rule.outbound_modules, f"{where}.outbound_modules", problems)
        for position, address in enumerate(rule.bcc):
            if not is_address(address):
                problems.append((f"{where}.bcc[{position}]", f"{address!r} is not an e-mail address"))
        _check_headers(rule.set_headers, rule.remove_headers, where, problems)
    return table, problems


def _check_order(table: RuleTable, problems: list[Problem]) -> None:
    seen: dict[str, int] = {}
    for index, rule in enumerate(table.rules):
        key = rule.name.strip().lower()
        if key in seen:
            problems.append((f"rules[{index}].name", f"{rule.name!r} is already the name of rules[{seen[key]}]"))
        seen.setdefault(key, index)
    if not table.rules or table.rules[-1].name != DEFAULT_RULE:
        where = seen.get(DEFAULT_RULE.lower())
        problems.append(("rules" if where is None else f"rules[{where}]",
                         f"the {DEFAULT_RULE!r} rule must be the last rule"))
        return
    default = table.rules[-1]
    if not default.senders.is_empty() or not default.recipients.is_empty():
        problems.append((f"rules[{len(table.rules) - 1}]", "the Default rule matches everyone: no conditions"))
    if not default.enabled:
        problems.append((f"rules[{len(table.rules) - 1}].enabled", "the Default rule cannot be disabled"))
    if default.direction != "any":
        problems.append((f"rules[{len(table.rules) - 1}].direction", "the Default rule takes both directions: "
                                                                     "give it outbound_modules for outbound mail"))
    for index, rule in enumerate(table.rules[:-1]):
        if rule.outbound_modules is not None:
            problems.append((f"rules[{index}].outbound_modules", "only the Default rule has outbound_modules: give "
                                                                 "this rule direction outbound and its modules"))


def _check_conditions(conditions: Conditions, where: str, problems: list[Problem], networks_allowed: bool) -> None:
    for position, pattern in enumerate(conditions.regexes):
        try:
            compile_address_regex(pattern)
        except ValueError as exc:
            problems.append((f"{where}.regexes[{position}]", f"not a usable regular expression: {exc}"))
    for position, mask in enumerate(conditions.masks):
        if not mask.strip() or mask.strip("*") == "":
            problems.append((f"{where}.masks[{position}]", "a mask of only '*' matches everyone: leave the "
                                                          "conditions empty instead"))
    for position, domain in enumerate(conditions.domains):
        if not _DOMAIN.match(domain.strip().lower().lstrip("@")):
            problems.append((f"{where}.domains[{position}]", f"{domain!r} is not a domain"))
    for field_name in ("addresses", "users"):
        for position, address in enumerate(getattr(conditions, field_name)):
            if "@" not in address:
                problems.append((f"{where}.{field_name}[{position}]", f"{address!r} is not an address"))
    if conditions.networks and not networks_allowed:
        problems.append((f"{where}.networks", "networks describe the sending client: use them in senders"))
    for position, network in enumerate(conditions.networks):
        try:
            ipaddress.ip_network(network.strip(), strict=False)
        except ValueError as exc:
            problems.append((f"{where}.networks[{position}]", str(exc)))


_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)*[a-z0-9-]{1,63}$")


def _check_modules(modules: ModuleSettings, where: str, problems: list[Problem]) -> None:
    for module, classes in VERDICT_CLASSES.items():
        settings = getattr(modules, module)
        for verdict_class in classes:
            action: VerdictAction = getattr(settings, verdict_class)
            here = f"{where}.{module}.{verdict_class}"
            if action.action == "delete_attachment" and (module, verdict_class) not in REMOVABLE_CLASSES:
                problems.append((f"{here}.action", f"{module} {verdict_class} names no attachment to delete"))
            for position, who in enumerate(action.notify):
                if who not in NOTIFY_ROLES and not is_address(who):
                    problems.append((f"{here}.notify[{position}]",
                                     f"{who!r} is neither {', '.join(sorted(NOTIFY_ROLES))} nor an e-mail address"))
            _check_headers(action.set_headers, action.remove_headers, here, problems)
    for name in ("antispam", "antiphishing"):
        settings = getattr(modules, name)
        probable = settings.probable_threshold
        high = settings.spam_threshold if name == "antispam" else settings.phishing_threshold
        for field_name, value in (("probable_threshold", probable),
                                  ("spam_threshold" if name == "antispam" else "phishing_threshold", high)):
            if value is not None and value <= 0:
                problems.append((f"{where}.{name}.{field_name}", "a threshold is a positive score"))
        if probable is not None and high is not None and probable > high:
            problems.append((f"{where}.{name}.probable_threshold", "higher than the threshold above it"))
    for position, name in enumerate(modules.content_filter.expressions):
        if not name.strip():
            problems.append((f"{where}.content_filter.expressions[{position}]", "an expression name is empty"))


_HEADER_NAME = re.compile(r"^[!-9;-~]+$")  # RFC 5322 field name: printable ASCII except ':'


def _check_headers(set_headers: dict[str, str], remove_headers: tuple[str, ...], where: str,
                   problems: list[Problem]) -> None:
    for name, value in set_headers.items():
        if not _HEADER_NAME.match(name):
            problems.append((f"{where}.set_headers", f"{name!r} is not a header field name"))
        if "\r" in value or "\n" in value:
            problems.append((f"{where}.set_headers.{name}", "a header value is one line"))
    for position, name in enumerate(remove_headers):
        if not _HEADER_NAME.match(name):
            problems.append((f"{where}.remove_headers[{position}]", f"{name!r} is not a header field name"))


def compile_address_regex(pattern: str) -> regex.Pattern[str]:
    """Case-insensitive, as Content Filtering's; raises ValueError with the engine's message. An
    address is short: a pattern longer than MAX_PATTERN_CHARS is a mistake. Searches run with a timeout."""
    if len(pattern) > MAX_PATTERN_CHARS:
        raise ValueError(f"longer than {MAX_PATTERN_CHARS} characters")
    return compile_regex(pattern)
