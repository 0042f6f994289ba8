"""The rule table applied to one recipient: first matching rule, then each module's verdict class →
the rule's action for it; the strictest action wins, everything else accumulates.

Strictness: Delete message > Reject > Delete attachment > Skip. Backup copies, subject tags, header
changes, the insecure-message warning and notifications add up across modules. Every step is written
to `Decision.path` as it is taken, so the explanation is the decision, never a re-computation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mailgate.directory.index import DirectoryIndex
from mailgate.rules.decision import (
    DELETE,
    DELETE_ATTACHMENT,
    DELIVER,
    HOLD,
    REJECT,
    STRICTNESS,
    Decision,
    PartRemoval,
)
from mailgate.rules.matching import CompiledTable
from mailgate.rules.sender_lists import NO_LISTS, ListOutcome
from mailgate.rules.table import (
    AntiphishingModule,
    AntispamModule,
    AntivirusModule,
    AuthenticationModule,
    ContentFilterModule,
    LinksModule,
    Rule,
    VerdictAction,
)
from mailgate.scan.report import ScannerResult, ScanReport
from mailgate.scanners.antispam.details import AntispamDetails
from mailgate.scanners.antivirus.details import AntivirusDetails
from mailgate.scanners.authentication.details import AuthenticationDetails
from mailgate.scanners.content_filter.outcome import resolve

ACTIONS = {"skip": DELIVER, "reject": REJECT, "delete_message": DELETE, "delete_attachment": DELETE_ATTACHMENT}
WORDS = {decision: word for word, decision in ACTIONS.items()}
LABELS = {"authentication": "Mail Sender Authentication", "antivirus": "Anti-Virus", "links": "Link scanning",
          "antiphishing": "Anti-Phishing", "antispam": "Anti-Spam", "content_filter": "Content Filtering"}


@dataclass(frozen=True)
class _Request:
    """What one module's verdict asks the rule to do."""

    action: str  # a Decision action
    module: str
    verdict_class: str
    reason: str
    options: VerdictAction  # backup, tag, headers, warning, notify
    removals: tuple[PartRemoval, ...] = ()

    @property
    def asks(self) -> bool:
        return self.action != DELIVER or self.options.asks()


def decide(report: ScanReport, recipient: str, table: CompiledTable,
           directory: DirectoryIndex | None = None, lists: ListOutcome = NO_LISTS,
           hold_refused: str | None = None) -> Decision:
    """`lists`: what the allow/deny lists say for this sender and recipient (mailgate.rules.sender_lists).
    `hold_refused`: why the Anti-Spam Quarantine cannot hold this message (its limits), if it cannot."""
    sender = report.envelope.mail_from
    client_ip = report.envelope.client_ip
    rule, why, position = table.first_match(sender, recipient, str(client_ip) if client_ip else None, directory)
    skipped = table.enabled_before[position]
    path = [f"recipient {recipient} matched rule {rule.name!r} ({why})"
            + (f", after {skipped} rule{'s' if skipped != 1 else ''} that did not match" if skipped else "")]
    if rule.mode != "scan":
        return _without_scanning(rule, path)
    modules = rule.modules
    path.extend(lists.notes)
    requests = [*(_not_applied("authentication", lists.skip_authentication, path) if lists.skip_authentication
                  else _authentication(modules.authentication, report.result("authentication"), path)),
                *_antivirus(modules.antivirus, report.result("antivirus"), path),
                *_links(modules.links, report.result("links"), path),
                *(_not_applied("antiphishing", lists.skip_antiphishing, path) if lists.skip_antiphishing
                  else _antiphishing(modules.antiphishing, report.result("antiphishing"), path)),
                *_antispam(modules.antispam, report.result("antispam"), path, lists),
                *_content_filter(modules.content_filter, report.result("content_filter"), recipient, path)]
    asking = [r for r in requests if r.asks]
    held = _quarantine(rule, asking, bool(report.facts.get("rescan")), hold_refused, path)
    return held if held is not None else _combine(rule, asking, path)


def _quarantine(rule: Rule, asking: Sequence[_Request], rescan: bool, refused: str | None,
                path: list[str]) -> Decision | None:
    """The Anti-Spam Quarantine holds mail whose only doubt is an uncertain spam verdict; a re-scanned
    message, or one another module already condemns, is decided at once."""
    quarantine = rule.modules.antispam.quarantine
    spam = next((r for r in asking if r.module == "antispam"), None)
    if not quarantine.enabled or spam is None or spam.verdict_class not in quarantine.verdicts:
        return None
    if rescan:
        path.append("Anti-Spam Quarantine: this is the re-scan after the hold, so it is decided now")
        return None
    others = [r for r in asking if r is not spam and (r.action != DELIVER or r.options.backup)]
    if others or refused:
        why = refused or f"{others[0].module} asks for {others[0].action}"
        path.append(f"Anti-Spam Quarantine: not held ({why})")
        return None
    minutes = quarantine.hold_minutes
    path.append(f"Anti-Spam Quarantine: {spam.verdict_class.replace('_', ' ')} is uncertain: held for {minutes} "
                "minutes, then scanned again with the newer models and lists and decided")
    return Decision(HOLD, False, rule.name, f"held for {minutes} minutes by the Anti-Spam Quarantine ({spam.reason})",
                    "antispam", spam.verdict_class, tuple(path), hold_minutes=minutes)


def _without_scanning(rule: Rule, path: list[str]) -> Decision:
    action, reason = {
        "reject": (REJECT, f"rule {rule.name!r} rejects this mail without scanning"),
        "delete": (DELETE, f"rule {rule.name!r} deletes this mail without scanning or notifying the sender"),
        "skip": (DELIVER, f"rule {rule.name!r} delivers this mail without scanning"),
    }[rule.mode]
    path.append(f"mode {rule.mode}: no module runs; action {action}: {reason}")
    _rule_extras(rule, path)
    return Decision(action, False, rule.name, reason, path=tuple(path),
                    remove_headers=tuple(h.lower() for h in rule.remove_headers),
                    set_headers=tuple(rule.set_headers.items()), bcc=rule.bcc,
                    disclaimer=_disclaimer(rule, action, path))


def _disclaimer(rule: Rule, action: str, path: list[str]) -> str:
    """A rule's disclaimer goes on the copies it delivers (once per thread: see delivery.modifications)."""
    if not rule.disclaimer or action not in (DELIVER, DELETE_ATTACHMENT):
        return ""
    path.append(f"disclaimer {rule.disclaimer!r} added to the delivered copy")
    return rule.disclaimer


def _rule_extras(rule: Rule, path: list[str]) -> None:
    if rule.bcc:
        path.append(f"rule {rule.name!r} sends a BCC copy to {', '.join(rule.bcc)}")


def _combine(rule: Rule, asking: Sequence[_Request], path: list[str]) -> Decision:
    remove_headers = dict.fromkeys(h.lower() for r in asking for h in r.options.remove_headers)
    remove_headers.update(dict.fromkeys(h.lower() for h in rule.remove_headers))
    set_headers: dict[str, str] = {}
    for request in asking:
        for name, value in request.options.set_headers.items():
            set_headers.setdefault(name, value)
    for name, value in rule.set_headers.items():
        set_headers.setdefault(name, value)
    _rule_extras(rule, path)
    if not asking:
        path.append("action deliver: no module asked for anything")
        return Decision(DELIVER, False, rule.name, "no policy violation", path=tuple(path),
                        remove_headers=tuple(remove_headers), set_headers=tuple(set_headers.items()), bcc=rule.bcc,
                        disclaimer=_disclaimer(rule, DELIVER, path))
    winner = max(asking, key=lambda r: STRICTNESS[r.action])  # the first of equals: module order
    backup = any(r.options.backup for r in asking)
    removals = tuple(dict.fromkeys(p for r in asking if r.action == DELETE_ATTACHMENT for p in r.removals)) \
        if winner.action == DELETE_ATTACHMENT else ()
    tags = tuple(dict.fromkeys(r.options.subject_tag for r in asking if r.options.subject_tag))
    warning = any(r.options.insecure_warning for r in asking)
    notifications = tuple(dict.fromkeys((who, r.verdict_class) for r in asking for who in r.options.notify))
    if len(asking) > 1:
        path.append("modules asked for: " + ", ".join(f"{r.module} {r.action}" for r in asking)
                    + f"; the strictest, {winner.action} from {winner.module}, wins")
    extras = [text for flag, text in ((tags, f"subject tagged {' '.join(tags)}"),
                                      (warning, "insecure-message warning added"),
                                      (notifications, "notify " + ", ".join(f"{w} ({c})" for w, c in notifications)))
              if flag]
    path.append(f"action {winner.action}: {winner.reason}" + ("; original kept in Backup" if backup else "")
                + "".join(f"; {text}" for text in extras))
    disclaimer = _disclaimer(rule, winner.action, path)
    return Decision(winner.action, backup, rule.name, winner.reason, winner.module, winner.verdict_class,
                    tuple(path), removals, tuple(remove_headers), tuple(set_headers.items()), tags, warning,
                    notifications, rule.bcc, disclaimer)


def _ask(module: str, verdict_class: str, options: VerdictAction, reason: str, detail: str, path: list[str],
         removals: tuple[PartRemoval, ...] = (), action: str | None = None) -> _Request:
    """A verdict class → the rule's action for it, written to the path as one step."""
    chosen = action or ACTIONS[options.action]
    words = [name for name, value in ((WORDS[chosen], True), ("Backup", options.backup),
                                      (f"tag {options.subject_tag}", options.subject_tag),
                                      ("insecure warning", options.insecure_warning),
                                      ("notify " + ", ".join(options.notify), options.notify)) if value]
    path.append(f"{LABELS[module]}: {verdict_class} ({detail}) → {' + '.join(words)}")
    return _Request(chosen, module, verdict_class, reason, options, removals)


def _not_applied(module: str, why: str, path: list[str]) -> list[_Request]:
    path.append(f"{LABELS[module]}: not applied: {why}")
    return []


def _disabled(module: str, enabled: bool, result: ScannerResult | None, path: list[str]) -> bool:
    if not enabled:
        path.append(f"{LABELS[module]}: disabled in this rule")
        return True
    if result is None:
        path.append(f"{LABELS[module]}: no result in the scan report")
        return True
    return False


def _authentication(module: AuthenticationModule, result: ScannerResult | None,
                    path: list[str]) -> list[_Request]:
    if _disabled("authentication", module.enabled, result, path):
        return []
    assert result is not None
    if result.verdict == "error":
        path.append("Mail Sender Authentication: the check failed to run: treated as neutral, never as bad")
        return []

    def violation(outcome: object) -> bool:
        return outcome == "fail" or (outcome == "temperror" and module.temperror_is_violation) \
            or (outcome == "permerror" and module.permerror_is_violation)

    details = AuthenticationDetails.of(result.details)
    requests: list[_Request] = []
    dmarc = details.dmarc
    dmarc_result = dmarc.result
    if module.dmarc and dmarc_result is not None:
        domain, applied = dmarc.from_domain or "?", dmarc.applied_policy
        path.append(f"DMARC for {domain}: result {dmarc_result}, policy {dmarc.policy}, applied {applied}")
        if violation(dmarc_result):
            requests.append(_dmarc_request(module, domain, str(dmarc_result), applied, path))
        if module.dmarc_primary and dmarc_result in ("pass", "fail"):
            path.append("DMARC result is primary: SPF and DKIM are not judged on their own")
            return requests
    spf = details.spf
    if module.spf and violation(spf.result):
        what = f"SPF {spf.result} for {spf.domain or '?'}"
        requests.append(_ask("authentication", "spf_fail", module.spf_fail, what, what, path))
    signatures = details.dkim
    if module.dkim and signatures and not any(s.result == "pass" for s in signatures):
        failed = [s for s in signatures if violation(s.result)]
        if failed:
            what = "DKIM " + ", ".join(f"{s.result} for {s.domain or '?'}" for s in failed)
            requests.append(_ask("authentication", "dkim_fail", module.dkim_fail, what, what, path))
    return requests


def _dmarc_request(module: AuthenticationModule, domain: str, result: str, applied: object,
                   path: list[str]) -> _Request:
    if module.apply_dmarc_policy and result == "fail" and applied in ("reject", "quarantine"):
        verdict_class = f"dmarc_{applied}"
        reason = (f"DMARC authentication failed for {domain}, whose owner asks receivers to {applied} such mail "
                  f"(p={applied})")
        options = module.dmarc_reject if applied == "reject" else module.dmarc_quarantine
        return _ask("authentication", verdict_class, options, reason, f"{domain}, p={applied}", path)
    reason = f"DMARC authentication {result} for {domain}"
    return _ask("authentication", "dmarc_fail", module.dmarc_fail, reason, f"{domain}, {result}", path)


def _antivirus(module: AntivirusModule, result: ScannerResult | None, path: list[str]) -> list[_Request]:
    if not module.enabled:
        path.append("Anti-Virus: disabled in this rule")
        return []
    if result is None or result.verdict == "skipped":
        path.append("Anti-Virus: not scanned (no clamd configured)")
        return []
    if result.verdict == "clean":
        path.append("Anti-Virus: clean")
        return []
    details = AntivirusDetails.of(result.details)
    if result.verdict == "infected":
        return [_infected(module.infected, details, path)]
    why = _first_reason(details) or result.verdict
    if result.verdict == "unscannable":
        return [_ask("antivirus", "unscannable", module.unscannable,
                     f"the message could not be scanned for viruses ({why})", why, path)]
    return [_ask("antivirus", "error", module.error, f"the anti-virus scan failed ({why})", why, path)]


def _infected(options: VerdictAction, details: AntivirusDetails, path: list[str]) -> _Request:
    """Removing parts needs every threat to sit in a removable attachment; otherwise the whole message goes.
    The scanner's `on_infected: remove_parts` turns the default delete_message into removing the parts."""
    threats = ", ".join(details.threats) or "a threat"
    infected = [p for p in details.parts if p.verdict == "infected" and p.part_path]
    wants_removal = options.action == "delete_attachment" or (
        options.action == "delete_message" and details.on_infected == "remove_parts")
    if wants_removal and details.removable and infected:
        removals = tuple(PartRemoval(str(p.part_path), p.filename, f"infected: {', '.join(p.threats) or 'a threat'}")
                         for p in infected)
        names = ", ".join(p.filename or f"part {p.part_path}" for p in infected)
        return _ask("antivirus", "infected", options, f"infected attachments removed ({threats})",
                    f"{threats} in {names} only: those attachments are removed", path, removals, DELETE_ATTACHMENT)
    reason = f"the message contains a virus or malware ({threats})"
    if options.action == "delete_attachment":  # the threat is outside the attachments: nothing else is safe
        return _ask("antivirus", "infected", options, reason, f"{threats}, not only in attachments", path,
                    action=DELETE)
    return _ask("antivirus", "infected", options, reason, threats, path)


def _first_reason(details: AntivirusDetails) -> str | None:
    for stream in (details.message, *details.parts):
        if stream.verdict != "clean" and stream.reason:
            return stream.reason
    return None


def _tests(result: ScannerResult, limit: int = 3) -> str:
    named = [c.test for c in sorted(result.reasons, key=lambda c: -c.score)[:limit]]
    return f"; {', '.join(named)}" if named else ""


def _links(module: LinksModule, result: ScannerResult | None, path: list[str]) -> list[_Request]:
    if _disabled("links", module.enabled, result, path):
        return []
    assert result is not None
    if result.verdict not in ("malicious_link", "phishing_link"):
        path.append(f"Link scanning: {result.verdict}")
        return []
    options = module.malicious_link if result.verdict == "malicious_link" else module.phishing_link
    kind = "malicious" if result.verdict == "malicious_link" else "phishing"
    return [_ask("links", result.verdict, options, f"the message links to a {kind} site{_tests(result)}",
                 f"score {result.score:g}{_tests(result)}", path)]


def _antiphishing(module: AntiphishingModule, result: ScannerResult | None, path: list[str]) -> list[_Request]:
    if _disabled("antiphishing", module.enabled, result, path):
        return []
    assert result is not None
    verdict = result.verdict
    if module.phishing_threshold is not None or module.probable_threshold is not None:
        high = module.phishing_threshold if module.phishing_threshold is not None else 7.0
        probable = module.probable_threshold if module.probable_threshold is not None else 4.0
        verdict = "phishing" if result.score >= high else "probable_phishing" if result.score >= probable \
            else "not_phishing"
        path.append(f"Anti-Phishing: the rule's thresholds {probable:g}/{high:g} read score {result.score:g} "
                    f"as {verdict} (the scanner said {result.verdict})")
    if verdict not in ("phishing", "probable_phishing"):
        path.append(f"Anti-Phishing: {verdict}")
        return []
    options = module.phishing if verdict == "phishing" else module.probable_phishing
    words = "phishing" if verdict == "phishing" else "probable phishing"
    return [_ask("antiphishing", verdict, options, f"{words} (score {result.score:g}{_tests(result)})",
                 f"score {result.score:g}{_tests(result)}", path)]


def _spam_class(module: AntispamModule, result: ScannerResult, path: list[str]) -> str:
    """The scanner's word, or the rule's own reading of the score when the rule sets thresholds.
    A blocklist hit stays blacklisted; a newsletter below the spam threshold stays mass mailing."""
    if (module.spam_threshold is None and module.probable_threshold is None) or result.verdict == "blacklisted":
        return result.verdict
    details = AntispamDetails.of(result.details)
    high = module.spam_threshold if module.spam_threshold is not None else details.thresholds.spam
    probable = module.probable_threshold if module.probable_threshold is not None \
        else details.thresholds.probable_spam
    newsletter = result.verdict == "mass_mailing" or bool(details.bulk)
    verdict = "spam" if result.score >= high else "mass_mailing" if newsletter \
        else "probable_spam" if result.score >= probable else "not_spam"
    path.append(f"Anti-Spam: the rule's thresholds {probable:g}/{high:g} read score {result.score:g} as {verdict} "
                f"(the scanner said {result.verdict})")
    return verdict


def _antispam(module: AntispamModule, result: ScannerResult | None, path: list[str],
              lists: ListOutcome = NO_LISTS) -> list[_Request]:
    if module.enabled and lists.blacklisted:  # a deny entry decides whatever the message scores
        return [_ask("antispam", "blacklisted", module.blacklisted, lists.blacklisted, lists.blacklisted, path)]
    if module.enabled and lists.skip_antispam:
        return _not_applied("antispam", lists.skip_antispam, path)
    if _disabled("antispam", module.enabled, result, path):
        return []
    assert result is not None
    verdict = _spam_class(module, result, path)
    options: VerdictAction | None = getattr(module, verdict, None) \
        if verdict in ("spam", "probable_spam", "mass_mailing", "blacklisted") else None
    if options is None:
        path.append(f"Anti-Spam: {verdict} (score {result.score:g})")
        return []
    words = verdict.replace("_", " ")
    listed = AntispamDetails.of(result.details).blocklists.hits
    hits = "; " + "; ".join(listed[:3]) if verdict == "blacklisted" and listed else _tests(result)
    return [_ask("antispam", verdict, options, f"{words} (score {result.score:g}{hits})",
                 f"score {result.score:g}{hits}", path)]


def _content_filter(module: ContentFilterModule, result: ScannerResult | None, recipient: str,
                    path: list[str]) -> list[_Request]:
    if _disabled("content_filter", module.enabled, result, path):
        return []
    assert result is not None
    chosen = {name.lower() for name in module.expressions}
    undecided = _cf_undecided(module, result, recipient, chosen, path)
    if result.verdict != "violation":
        if not undecided:
            path.append("Content Filtering: no expression triggered")
        return undecided
    matches = [m for m in result.details.get("matches") or ()
               if not chosen or str(m.get("expression", "")).lower() in chosen]
    outcome = resolve(matches, recipient or None)
    if not outcome.expressions:
        path.append("Content Filtering: the triggered expressions do not apply to this recipient"
                    + (" or are not chosen by this rule" if chosen else ""))
        return undecided
    names = ", ".join(repr(e) for e in outcome.expressions)
    filenames = result.details.get("part_names") or {}
    reasons: dict[str, list[str]] = {}
    for match in matches:
        if match.get("action") == "delete_attachment":
            for part in match.get("parts") or ():
                reasons.setdefault(str(part), []).append(str(match["expression"]))
    removals = tuple(PartRemoval(part, filenames.get(part), "Content Filtering: " + ", ".join(reasons.get(part, ())))
                     for part in outcome.parts)
    options = VerdictAction(action=outcome.action,  # type: ignore[arg-type]  # resolve returns one of the four
                            backup=outcome.backup, set_headers=dict(outcome.set_headers),
                            remove_headers=outcome.remove_headers)
    plural = "s" if len(outcome.expressions) > 1 else ""
    return [_ask("content_filter", "violation", options, f"Content Filtering expression{plural} {names} triggered",
                 f"{names} triggered", path, removals), *undecided]


def _cf_undecided(module: ContentFilterModule, result: ScannerResult, recipient: str, chosen: set[str],
                  path: list[str]) -> list[_Request]:
    """Expressions Content Filtering could not decide, for this recipient and this rule's choice: the rule's
    `error` action when a condition could not be evaluated, its `unscannable` action when content was unseen."""
    wanted = recipient.lower()
    entries = [u for u in result.details.get("undecided") or ()
               if (not chosen or str(u.get("expression", "")).lower() in chosen)
               and (u.get("recipients") is None or not recipient or wanted in (r.lower() for r in u["recipients"]))]
    requests = []
    for verdict_class, options, words in (("error", module.error, "could not evaluate"),
                                          ("unscannable", module.unscannable, "could not see what it tests for")):
        found = [u for u in entries if (u.get("reason") == "error") == (verdict_class == "error")]
        if found:
            names = ", ".join(repr(str(u["expression"])) for u in found)
            detail = f"{names}: {found[0].get('detail')}"[:500]
            requests.append(_ask("content_filter", verdict_class, options,
                                 f"Content Filtering {words} expression{'s' if len(found) > 1 else ''} {names}",
                                 detail, path))
    return requests
