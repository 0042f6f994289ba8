#!/usr/bin/env python3
"""Build the anti-spam base model from ../shared/corpus/{ham,spam,modern-ham}, minus the validation split.

    .venv/bin/python scripts/build_spam_model.py [--corpus ../shared/corpus] [--out PATH]

What it learns from: the old ham and spam (2002-10) and the legitimate mail of 2019-26 in modern-ham/.
Legitimate commercial mail counts three times: modern-ham's receipts and newsletters and SpamAssassin's
hard ham (its newsletters and notices that look like spam). It is rare in the corpus, and without it the
model learns "commercial HTML is spam". phish/ (CC BY-NC) is never read here.

What it leaves out: sender domains (`fd:`: the old corpus anonymised them, so they name a collection),
and every structural feature that says only *when* a message was written: common in modern ham, almost
absent from the old ham and spam alike (a DKIM-Signature, Feedback-ID, base64 bodies...). With no modern
spam to balance them the model would learn "modern means ham", which any spammer of today satisfies.

Calibrated: two models, each trained on half of the training files, score the other half; a Platt fit
(log-odds' = a * log-odds + b) on those predictions makes the shipped model's probabilities honest about
mail it has not seen, instead of the near-certainty a model has about its own training mail.

Reproducible: the split is a function of each file's name (sha256, 20 % held out:
`mailgate.scanners.antispam.training.is_validation`), files are read in sorted order and the trainer is
seeded, so the same corpus gives the same model byte for byte. Prints held-out figures per kind of mail.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "layers" / "mailgate"))

from mailgate.message import parse_message  # noqa: E402
from mailgate.scanners.antispam.model import BASE_MODEL_PATH, BaseModel, classify  # noqa: E402
from mailgate.scanners.antispam.tokens import feature_block, feature_values, features  # noqa: E402
from mailgate.scanners.antispam.training import (  # noqa: E402
    MODERN_HAM,
    corpus_files,
    is_commercial,
    kind_of,
    prune,
    split,
    train_logistic,
)

EPOCHS = 25
RATE = 0.15
L2 = 1e-4
TEXT_POWER = 0.4  # each word of a block of n > TEXT_FLOOR words counts (n / TEXT_FLOOR)^-0.4
TEXT_FLOOR = 50.0  # (see tokens.feature_values)
COMMERCIAL_WEIGHT = 3.0  # a modern receipt or newsletter counts this many times
EXCLUDED_PREFIXES = ("fd:",)
CONTENT_PREFIXES = ("u:", "utld:", "fd:")  # link and sender domains are what a message says, not when
MARKER_MODERN_SHARE = 0.02  # in more than 2 % of modern ham ...
MARKER_OLD_SHARE = 0.005  # ... and fewer than 0.5 % of old ham and spam: a sign of the times
MIN_WEIGHT = 0.12  # the smaller half of the weights changes no verdict on the validation split
SPAM_LABEL = {"ham": 0, "spam": 1, MODERN_HAM: 0}


def featurise(paths: list[Path]) -> list[list[str]]:
    return [features(parse_message(p.read_bytes())) for p in paths]


def time_markers(old: list[list[str]], modern: list[list[str]]) -> set[str]:
    """Structural features frequent in modern ham and almost absent from the old corpus."""
    def shares(examples: list[list[str]]) -> Counter[str]:
        return Counter(f for feats in examples for f in set(feats)
                       if feature_block(f) is None and not f.startswith(CONTENT_PREFIXES))
    old_counts, modern_counts = shares(old), shares(modern)
    return {f for f, n in modern_counts.items()
            if n / len(modern) > MARKER_MODERN_SHARE and old_counts[f] / len(old) < MARKER_OLD_SHARE}


Example = tuple[list[tuple[str, float]], int, float]


def fit(examples: list[Example]) -> tuple[float, dict[str, float]]:
    bias, weights = train_logistic(examples, epochs=EPOCHS, rate=RATE, l2=L2)
    return bias, prune(weights, MIN_WEIGHT)


def calibration_fold(name: str) -> int:
    return hashlib.sha256(("calibration:" + name).encode("utf-8")).digest()[0] % 2


def calibrate(examples: list[Example], names: list[str]) -> tuple[float, float]:
    """Platt scaling on out-of-fold log-odds: (a, b) maximising the weighted likelihood, by Newton's method.

    Spam and ham weigh the same in total: the corpus's ratio (one spam to four ham) is how it was collected,
    not how often spam arrives, and an even prior is what a filter without other knowledge should assume."""
    scored: list[tuple[float, int, float]] = []
    for fold in (0, 1):
        bias, weights = fit([e for e, n in zip(examples, names, strict=True) if calibration_fold(n) != fold])
        scored.extend((bias + sum(weights.get(f, 0.0) * x for f, x in pairs), label, weight)
                      for (pairs, label, weight), n in zip(examples, names, strict=True) if calibration_fold(n) == fold)
    totals = {label: sum(w for _, y, w in scored if y == label) for label in (0, 1)}
    scored = [(z, label, weight * (totals[0] + totals[1]) / (2 * totals[label])) for z, label, weight in scored]
    a, b = 1.0, 0.0
    for _ in range(100):
        ga = gb = 0.0
        haa = hab = hbb = 1e-9
        for z, label, weight in scored:
            p = 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, a * z + b))))
            ga += weight * (p - label) * z
            gb += weight * (p - label)
            h = weight * p * (1 - p)
            haa, hab, hbb = haa + h * z * z, hab + h * z, hbb + h
        det = haa * hbb - hab * hab
        step_a, step_b = (hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det
        a, b = a - step_a, b - step_b
        if abs(step_a) < 1e-7 and abs(step_b) < 1e-7:
            break
    return round(a, 4), round(b, 4)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--out", type=Path, default=BASE_MODEL_PATH)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    training: dict[str, list[tuple[Path, list[str]]]] = {}
    held_out: dict[str, list[Path]] = {}
    for folder in SPAM_LABEL:
        train, validation = split(corpus_files(args.corpus, folder))
        training[folder] = list(zip(train, featurise(train), strict=True))
        held_out[folder] = validation
        print(f"{folder}: {len(train)} training, {len(validation)} held out")
    markers = time_markers([f for folder in ("ham", "spam") for _, f in training[folder]],
                           [f for _, f in training[MODERN_HAM]])
    examples: list[Example] = []
    names: list[str] = []
    for folder, label in SPAM_LABEL.items():
        for path, feats in training[folder]:
            names.append(path.name)
            kept = [f for f in feats if f not in markers and not f.startswith(EXCLUDED_PREFIXES)]
            weight = COMMERCIAL_WEIGHT if label == 0 and is_commercial(path.name) else 1.0
            examples.append((feature_values(kept, TEXT_POWER, TEXT_FLOOR), label, weight))
    scale, offset = calibrate(examples, names)
    bias, kept_weights = fit(examples)
    meta = {"trained_on": {folder: len(items) for folder, items in training.items()},
            "epochs": EPOCHS, "rate": RATE, "l2": L2, "text_power": TEXT_POWER, "text_floor": TEXT_FLOOR,
            "commercial_weight": COMMERCIAL_WEIGHT, "calibration": "Platt on 2-fold out-of-fold log-odds",
            "excluded": list(EXCLUDED_PREFIXES),
            "time_markers": sorted(markers), "min_weight": MIN_WEIGHT, "features": len(kept_weights),
            "split": "sha256(file name) % 100 < 20 held out"}
    model = BaseModel(round(bias, 4), kept_weights, meta, TEXT_POWER, TEXT_FLOOR, scale, offset)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.dump(args.out)
    print(f"time markers left out: {', '.join(sorted(markers)) or '-'}")
    print(f"calibration: log-odds x {scale} {offset:+}")
    print(f"{len(kept_weights)} features kept; {args.out} {args.out.stat().st_size / 1e6:.2f} MB; "
          f"{time.perf_counter() - started:.0f} s")
    for folder, label in SPAM_LABEL.items():
        by_kind: dict[str, list[float]] = {}
        for path, feats in zip(held_out[folder], featurise(held_out[folder]), strict=True):
            kind = kind_of(path.name) if folder == MODERN_HAM else folder
            by_kind.setdefault(kind, []).append(classify(model, feats).log_odds)
        for kind, scores in sorted(by_kind.items()):
            wrong = sum(1 for z in scores if (z >= 0) != bool(label))
            print(f"held-out {kind}: {wrong}/{len(scores)} on the wrong side of p=0.5; "
                  f"{sum(1 for z in scores if z >= 3)} at log-odds >= 3")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
