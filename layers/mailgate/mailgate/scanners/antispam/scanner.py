"""The anti-spam scanner: classifier, named rules, bulk recognition and blocklists → one verdict.

The score is the sum of named contributions in log-odds units: the classifier's own (a test
named after its probability band, BAYES_00 … BAYES_99, with the tokens that moved it as evidence),
each rule that fired, and each blocklist hit. The verdict follows from the score, a blocklist hit
or the bulk signals (`verdict.decide`), and `details` carries the SCL and what was looked up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from mailgate.config import AntispamSettings
from mailgate.scan.report import Contribution, ScannerResult
from mailgate.scanners.antispam.authenticated import authenticated_sender, classifier_cap, known_senders
from mailgate.scanners.antispam.blocklists import BlocklistOutcome, check_blocklists
from mailgate.scanners.antispam.bulk import list_signals
from mailgate.scanners.antispam.model import EVIDENCE_TOKENS, BaseModel, Classification, base_model, classify
from mailgate.scanners.antispam.rules import BULK_MAIL, RULES, RuleInput
from mailgate.scanners.antispam.tokens import features, registrable
from mailgate.scanners.antispam.verdict import decide, scl

if TYPE_CHECKING:
    from mailgate.dns import Resolver
    from mailgate.message.model import Message
    from mailgate.scanners.antispam.learning import OrganisationModel
    from mailgate.scanners.base import ScanContext

CLASSIFIER_CLAMP = (-10.0, 12.0)  # one statistical opinion never outweighs every other test
_BANDS = ((0.99, "99"), (0.95, "95"), (0.80, "80"), (0.60, "60"), (0.40, "50"), (0.20, "40"),
          (0.05, "20"), (0.01, "05"), (0.0, "00"))


def classifier_contribution(classification: Classification, cap: float | None = None) -> Contribution:
    """BAYES_<band>; `cap` bounds it for an authenticated sender (see authenticated.classifier_cap)."""
    p = classification.probability
    band = next(name for floor, name in _BANDS if p >= floor)
    low, high = CLASSIFIER_CLAMP
    score = round(max(low, min(high, classification.log_odds)), 3)
    description = f"Statistical classifier: spam probability {p:.3f} (log-odds {classification.log_odds:+.2f})"
    if cap is not None and score > cap:
        score = cap
        description += f"; capped at {cap:g}: the From domain passed DMARC, so style alone does not make spam"
    return Contribution(f"BAYES_{band}", score, description, classification.evidence())


def learned_contribution(evidence: dict[str, float]) -> list[Contribution]:
    """The organisation's feedback as one named test, with the learned tokens that moved it most."""
    total = round(sum(evidence.values()), 3)
    if not evidence or abs(total) < 0.01:
        return []
    ranked = sorted(evidence.items(), key=lambda item: -abs(item[1]))[:EVIDENCE_TOKENS]
    tokens = ", ".join(f"{t.removeprefix('org:')} {w:+.2f}" for t, w in ranked)
    name, kind = ("LEARNED_SPAM", "spam") if total > 0 else ("LEARNED_HAM", "not spam")
    return [Contribution(name, total, f"Resembles mail this organisation marked as {kind}", tokens)]


def blocklist_contributions(outcome: BlocklistOutcome) -> list[Contribution]:
    out = []
    for hit in outcome.hits:
        what = "the sending IP" if hit.zone.kind == "ip" else "a link's domain"
        name = "RCVD_IN_DNSBL" if hit.zone.kind == "ip" else "URIBL_DOMAIN"
        out.append(Contribution(f"{name}:{hit.zone.zone}", hit.zone.weight,
                                f"Blocklist {hit.zone.zone} lists {what}", f"{hit.subject} → {hit.answer}"))
    return out


class AntispamScanner:
    """Scanner protocol implementation. The base model is loaded on the first scan, not here."""

    name = "antispam"

    def __init__(
        self,
        resolver: Resolver,
        settings: AntispamSettings | None = None,
        organisation: OrganisationModel | None = None,
        model: Callable[[], BaseModel] = base_model,
    ) -> None:
        self.resolver = resolver
        self.settings = settings or AntispamSettings()
        self.organisation = organisation
        self._model = model
        self._known_senders = known_senders(self.settings)

    def scan(self, message: Message, context: ScanContext) -> ScannerResult:
        started = time.perf_counter()
        settings = self.settings
        disabled = set(settings.disabled_tests)
        signals = list_signals(message)
        message_features = features(message)
        classification = classify(self._model(), message_features)
        sender = authenticated_sender(context.earlier_result("authentication"), self._known_senders)
        reasons = [classifier_contribution(classification, classifier_cap(settings) if sender else None)]
        trusted = sender.contribution() if sender else None
        if trusted is not None:
            reasons.append(trusted)
        if self.organisation is not None:
            reasons.extend(learned_contribution(self.organisation.evidence(message_features)))
        rule_input = RuleInput(message, signals, context.envelope.mail_from)
        for rule in RULES:
            if rule.test.name in disabled:
                continue
            evidence = rule.check(rule_input)
            if evidence is not None:
                reasons.append(rule.test.hit(evidence))
        if signals.bulk:
            reasons.append(BULK_MAIL.hit("; ".join(signals.bulk)))
        outcome = self._blocklists(message, context)
        reasons.extend(c for c in blocklist_contributions(outcome) if c.test.split(":")[0] not in disabled)
        reasons = [r for r in reasons if r.test not in disabled]
        score = round(sum(r.score for r in reasons), 3)
        verdict = decide(score, bool(outcome.hits), signals.newsletter, settings, sender is not None)
        details = {
            "probability": round(classification.probability, 4),
            "scl": scl(verdict, score, settings),
            "bulk": list(signals.bulk),
            "mailing_list": signals.mailing_list,
            "authenticated_from": sender.from_domain if sender else None,
            "known_sender": sender.known.domain if sender and sender.known else None,
            "forwarded": signals.forwarded,
            "blocklists": {"queried": outcome.queried, "hits": [f"{h.zone.zone}: {h.subject}" for h in outcome.hits],
                           "unanswered": list(outcome.unanswered)},
            "thresholds": {"probable_spam": settings.probable_threshold, "spam": settings.spam_threshold},
        }
        return ScannerResult(self.name, verdict, score, tuple(reasons), details,
                             (time.perf_counter() - started) * 1000)

    def _blocklists(self, message: Message, context: ScanContext) -> BlocklistOutcome:
        if not self.settings.blocklists or self.resolver.no_network:
            return BlocklistOutcome()
        hosts = [u.host_ascii or u.host or "" for u in message.urls]
        domains = [registrable(h) for h in hosts if h and not h.replace(".", "").isdigit() and ":" not in h]
        return check_blocklists(self.resolver, self.settings.blocklists, context.envelope.client_ip, domains,
                                self.settings.max_domain_lookups)
