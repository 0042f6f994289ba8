"""How the base model is built: the validation split and a small logistic-regression trainer.

Used by `scripts/build_spam_model.py`, the detection benchmark and the tests; never imported while
scanning. Pure Python on purpose: the build needs nothing beyond the runtime's own dependencies
and gives the same model on every machine (fixed seed, sorted inputs, no threads).
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterable, Sequence
from pathlib import Path

VALIDATION_PERCENT = 20
TRAIN_FOLDERS = ("ham", "spam")  # never phish/: CC BY-NC, evaluation only
MODERN_HAM = "modern-ham"  # legitimate mail of 2019-26, learned as ham beside ham/
# The kind of mail each modern-ham stream (file-name prefix) holds; every other stream is list traffic.
STREAM_KINDS = {"lunchmoney": "transactional", "zk-email-verify": "transactional",
                "proof-of-twitter": "transactional", "unspy": "newsletter"}


def stream_of(file_name: str) -> str:
    """The source stream a corpus file came from: its name up to the first dot."""
    return file_name.partition(".")[0]


def is_commercial(file_name: str) -> bool:
    """Legitimate commercial mail: modern receipts and newsletters, and the old corpus's hard ham
    (SpamAssassin's set of newsletters and notices that look like spam)."""
    return kind_of(file_name) in ("transactional", "newsletter") or ".hard-ham-" in file_name


def kind_of(file_name: str) -> str:
    """transactional, newsletter, bot (notifications a list relays) or list."""
    stream = stream_of(file_name)
    if stream in STREAM_KINDS:
        return STREAM_KINDS[stream]
    return "bot" if stream.endswith(("-bots", "-github")) else "list"


def is_validation(file_name: str) -> bool:
    """Held out when the first 32 bits of sha256(file name) fall in the lowest 20 %.

    A function of the name alone: the same files are held out on every machine and every run,
    and adding files to the corpus never moves an existing one between the halves.
    """
    digest = hashlib.sha256(file_name.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 100 < VALIDATION_PERCENT


def corpus_files(corpus: Path, folder: str) -> list[Path]:
    return sorted(p for p in (corpus / folder).iterdir() if p.is_file())


def split(files: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """(training files, validation files)."""
    train: list[Path] = []
    held_out: list[Path] = []
    for path in files:
        (held_out if is_validation(path.name) else train).append(path)
    return train, held_out


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def train_logistic(
    examples: Sequence[tuple[Sequence[tuple[str, float]], int, float]],
    epochs: int = 12,
    rate: float = 0.2,
    l2: float = 1e-4,
    seed: int = 20261128,
) -> tuple[float, dict[str, float]]:
    """Logistic regression by AdaGrad with L2 shrinkage over (feature, value) pairs; each example is
    (pairs, label, example weight). Returns (bias, weights); deterministic for the same examples and seed.
    """
    weights: dict[str, float] = {}
    squares: dict[str, float] = {}
    bias, bias_square = 0.0, 1e-8
    order = list(range(len(examples)))
    rng = random.Random(seed)  # noqa: S311 -- a reproducible shuffle, not a secret
    for _ in range(epochs):
        rng.shuffle(order)
        for index in order:
            pairs, label, example_weight = examples[index]
            z = bias + sum(weights.get(f, 0.0) * x for f, x in pairs)
            gradient = (_sigmoid(z) - label) * example_weight
            bias_square += gradient * gradient
            bias -= rate * gradient / math.sqrt(bias_square)
            for feature, x in pairs:
                w = weights.get(feature, 0.0)
                g = gradient * x + l2 * w
                s = squares.get(feature, 1e-8) + g * g
                squares[feature] = s
                weights[feature] = w - rate * g / math.sqrt(s)
    return bias, weights


def prune(weights: dict[str, float], minimum: float) -> dict[str, float]:
    """Drop the weights too small to matter: the model file stays a few MB."""
    return {f: round(w, 3) for f, w in sorted(weights.items()) if abs(w) >= minimum}
