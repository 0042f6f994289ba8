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
    examples: Sequence[tuple[Sequence[str], int]],
    epochs: int = 12,
    rate: float = 0.2,
    l2: float = 1e-4,
    seed: int = 20261128,
) -> tuple[float, dict[str, float]]:
    """Binary logistic regression over binary features by AdaGrad, with lazy L2 shrinkage.

    Returns (bias, weights). Deterministic for the same examples and seed.
    """
    weights: dict[str, float] = {}
    squares: dict[str, float] = {}
    bias, bias_square = 0.0, 1e-8
    order = list(range(len(examples)))
    rng = random.Random(seed)  # noqa: S311 -- a reproducible shuffle, not a secret
    for _ in range(epochs):
        rng.shuffle(order)
        for index in order:
            features, label = examples[index]
            z = bias + sum(weights.get(f, 0.0) for f in features)
            gradient = _sigmoid(z) - label
            bias_square += gradient * gradient
            bias -= rate * gradient / math.sqrt(bias_square)
            for feature in features:
                w = weights.get(feature, 0.0)
                g = gradient + l2 * w
                s = squares.get(feature, 1e-8) + g * g
                squares[feature] = s
                weights[feature] = w - rate * g / math.sqrt(s)
    return bias, weights


def prune(weights: dict[str, float], minimum: float) -> dict[str, float]:
    """Drop the weights too small to matter: the model file stays a few MB."""
    return {f: round(w, 3) for f, w in sorted(weights.items()) if abs(w) >= minimum}
