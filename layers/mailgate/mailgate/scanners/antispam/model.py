"""The statistical classifier: a logistic-regression model over `tokens.features`.

Version 2 reads word features per block at `tokens.feature_values` (a long block's words count less),
so what the words of a long message say is bounded, and carries the build's calibration (`scale`,
`offset`). Features the build found to say only when a message was written have no weight (they are
listed in the model's `meta.time_markers`).

The base model ships as `data/base_model.json.gz` (built by `scripts/build_spam_model.py`) and is
read once per process, on the first scan, so importing the scanner costs nothing.
An organisation's learned counts (`learning.OrganisationModel`) add their own named test
(LEARNED_SPAM / LEARNED_HAM) to the same log-odds sum; `classify(extra=...)` can also fold them in.
"""

from __future__ import annotations

import gzip
import json
import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailgate.scanners.antispam.tokens import feature_values

MODEL_VERSION = 2
BASE_MODEL_PATH = Path(__file__).with_name("data") / "base_model.json.gz"
EVIDENCE_TOKENS = 8


class ModelError(RuntimeError):
    """The model file is missing or not a model this code can read."""


@dataclass(frozen=True)
class Classification:
    """The classifier's opinion on one message: probability, log-odds and the tokens behind it."""

    probability: float
    log_odds: float
    top_spam: tuple[tuple[str, float], ...]
    top_ham: tuple[tuple[str, float], ...]

    def evidence(self) -> str:
        spam = ", ".join(f"{t} {w:+.2f}" for t, w in self.top_spam)
        ham = ", ".join(f"{t} {w:+.2f}" for t, w in self.top_ham)
        return f"spam-like: {spam or '-'}; ham-like: {ham or '-'}"


@dataclass(frozen=True)
class BaseModel:
    bias: float
    weights: Mapping[str, float]
    meta: Mapping[str, Any]
    text_power: float = 0.0  # 0: every feature counts 1 (version 1's sum)
    text_floor: float = 1.0  # word blocks up to this many words count in full
    scale: float = 1.0  # calibration (Platt): log-odds = scale * (bias + Σ) + offset
    offset: float = 0.0

    @classmethod
    def load(cls, path: Path = BASE_MODEL_PATH) -> BaseModel:
        try:
            data = json.loads(gzip.decompress(path.read_bytes()))
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read the anti-spam model {path}: {exc}") from exc
        if not isinstance(data, dict) or data.get("version") != MODEL_VERSION:
            raise ModelError(f"{path} is not an anti-spam model of version {MODEL_VERSION}")
        return cls(float(data["bias"]), dict(data["weights"]), dict(data.get("meta") or {}),
                   float(data.get("text_power", 0.0)), float(data.get("text_floor", 1.0)),
                   float(data.get("scale", 1.0)),
                   float(data.get("offset", 0.0)))

    def dump(self, path: Path) -> None:
        document = {"version": MODEL_VERSION, "meta": dict(self.meta), "bias": self.bias,
                    "text_power": self.text_power, "text_floor": self.text_floor,
                    "scale": self.scale, "offset": self.offset,
                    "weights": dict(sorted(self.weights.items()))}
        text = json.dumps(document, separators=(",", ":"), ensure_ascii=False, sort_keys=False)
        path.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))

    def contributions(self, features: list[str]) -> dict[str, float]:
        """What each present feature adds to the log-odds: its weight times its value."""
        weights = self.weights
        if not self.text_power:
            return {f: w for f in features if (w := weights.get(f, 0.0))}
        valued = feature_values(features, self.text_power, self.text_floor)
        return {f: w * value for f, value in valued if (w := weights.get(f, 0.0))}


def classify(base: BaseModel, features: list[str], extra: Mapping[str, float] | None = None) -> Classification:
    """Log-odds = scale * (bias + Σ weighted features) + offset (+ the organisation's learned evidence).

    The scale and offset are the build's calibration on predictions for mail the model had not seen,
    so a probability of 0.99 means what it says; the evidence shows each feature's calibrated share.
    """
    scale = base.scale
    weights = {f: scale * w for f, w in base.contributions(features).items()}
    if extra:
        for feature, value in extra.items():
            weights[feature] = weights.get(feature, 0.0) + value
    log_odds = scale * base.bias + base.offset + sum(weights.values())
    ranked = sorted(weights.items(), key=lambda item: item[1])
    top_spam = tuple((t, round(w, 2)) for t, w in reversed(ranked[-EVIDENCE_TOKENS:]) if w > 0)
    top_ham = tuple((t, round(w, 2)) for t, w in ranked[:EVIDENCE_TOKENS] if w < 0)
    return Classification(_sigmoid(log_odds), log_odds, top_spam, top_ham)


def _sigmoid(z: float) -> float:
    z = max(-50.0, min(50.0, z))
    return 1.0 / (1.0 + math.exp(-z))


_lock = threading.Lock()
_loaded: BaseModel | None = None


def base_model() -> BaseModel:
    """The shipped model, loaded on first use and shared by every scanner in the process."""
    global _loaded  # noqa: PLW0603 -- a process-wide, load-once cache is the point
    if _loaded is None:
        with _lock:
            if _loaded is None:
                _loaded = BaseModel.load()
    return _loaded
