#!/usr/bin/env python3
"""Build the anti-spam base model from ../shared/corpus/{ham,spam}, minus the validation split.

    .venv/bin/python scripts/build_spam_model.py [--corpus ../shared/corpus] [--out PATH]

Reproducible: the split is a function of each file's name (sha256, 20 % held out: see
`mailgate.scanners.antispam.training.is_validation`), files are read in sorted order and the
trainer is seeded, so the same corpus gives the same model byte for byte. The phish/ folder
(CC BY-NC) is never read here. Prints the classifier's own figures on the held-out 20 %.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "layers" / "mailgate"))

from mailgate.message import parse_message  # noqa: E402
from mailgate.scanners.antispam.model import BASE_MODEL_PATH, BaseModel, classify  # noqa: E402
from mailgate.scanners.antispam.tokens import features  # noqa: E402
from mailgate.scanners.antispam.training import (  # noqa: E402
    TRAIN_FOLDERS,
    corpus_files,
    prune,
    split,
    train_logistic,
)

EPOCHS = 25
RATE = 0.1
L2 = 1e-4
# Sender domains are not learned by the base model: the corpus anonymised them (csmining.org,
# taint.org), so they say which collection a message came from. Organisation models do learn them.
EXCLUDED_PREFIXES = ("fd:",)
MIN_WEIGHT = 0.03


def featurise(paths: list[Path]) -> list[list[str]]:
    return [features(parse_message(p.read_bytes())) for p in paths]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--out", type=Path, default=BASE_MODEL_PATH)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    examples: list[tuple[list[str], int]] = []
    held_out: dict[str, list[Path]] = {}
    for label, folder in enumerate(TRAIN_FOLDERS):
        train, validation = split(corpus_files(args.corpus, folder))
        held_out[folder] = validation
        examples.extend(([t for t in f if not t.startswith(EXCLUDED_PREFIXES)], label) for f in featurise(train))
        print(f"{folder}: {len(train)} training, {len(validation)} held out")
    bias, weights = train_logistic(examples, epochs=EPOCHS, rate=RATE, l2=L2)
    kept = prune(weights, MIN_WEIGHT)
    meta = {"trained_on": {f: sum(1 for _, y in examples if y == i) for i, f in enumerate(TRAIN_FOLDERS)},
            "epochs": EPOCHS, "rate": RATE, "l2": L2, "excluded": list(EXCLUDED_PREFIXES),
            "min_weight": MIN_WEIGHT, "features": len(kept),
            "split": "sha256(file name) % 100 < 20 held out"}
    model = BaseModel(round(bias, 4), kept, meta)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.dump(args.out)
    print(f"{len(kept)} of {len(weights)} features kept; {args.out} {args.out.stat().st_size / 1e6:.2f} MB; "
          f"{time.perf_counter() - started:.0f} s")
    for label, folder in enumerate(TRAIN_FOLDERS):
        probabilities = sorted(classify(model, f).probability for f in featurise(held_out[folder]))
        wrong = sum(1 for p in probabilities if (p >= 0.5) != bool(label))
        print(f"held-out {folder}: {wrong}/{len(probabilities)} on the wrong side of p=0.5")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
