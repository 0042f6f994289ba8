"""Detection benchmark (figures, not tests): flag rates, precision and recall per folder and verdict.

    .venv/bin/python bench/detection.py [--corpus ../shared/corpus] [--all]

Runs the code path of `mailgate scan --json --no-network` in-process (`cli.scan_verdict`, network
off, pinned to one core, warm: the model is loaded before timing starts) over
- the validation split of ham/, spam/ and modern-ham/ (sha256 of the file name, 20 % held out; the
  base model never saw these: `mailgate.scanners.antispam.training.is_validation`),
- every file in phish/ (evaluation only, CC BY-NC) and edge/ (no expected verdict: must not crash).
`--all` adds the training files too (figures on those flatter the model; labelled `*_train`).
"Flagged" is spam or probable_spam for anti-spam; `flagged_any` counts any scanner's finding:
blacklisted, phishing/probable_phishing, malicious or phishing links too.
Legitimate mail is also reported per stream (the file-name prefix: one list, one fixture set) and per
kind (list, bot, transactional, newsletter), old ham beside modern ham, so a regression in one kind of
mail shows even when the totals hide it. Writes bench/results/detection.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import msgspec

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "layers" / "mailgate"))

from mailgate.cli import scan_verdict  # noqa: E402
from mailgate.config import load_config  # noqa: E402
from mailgate.scanners.antispam.training import MODERN_HAM, corpus_files, kind_of, split, stream_of  # noqa: E402
from mailgate.scanners.registry import build_scanners  # noqa: E402

SPAM_FLAGS = frozenset({"spam", "probable_spam"})
ANY_FLAGS = SPAM_FLAGS | {"blacklisted", "phishing", "probable_phishing", "malicious_link", "phishing_link"}
EVALUATED = {"ham_validation": False, "modern_ham_validation": False, "spam_validation": True,
             "phish": True}  # name → positive?


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def folders(corpus: Path, include_training: bool) -> dict[str, list[Path]]:
    out: dict[str, list[Path]] = {}
    for name in ("ham", "spam", MODERN_HAM):
        if not (corpus / name).is_dir():
            continue
        train, held_out = split(corpus_files(corpus, name))
        label = name.replace("-", "_")
        out[f"{label}_validation"] = held_out
        if include_training:
            out[f"{label}_train"] = train
    for name in ("phish", "edge"):
        if (corpus / name).is_dir():
            out[name] = corpus_files(corpus, name)
    return out


def run(corpus: Path, include_training: bool) -> dict[str, Any]:
    config = load_config()
    config = msgspec.structs.replace(config, dns=msgspec.structs.replace(config.dns, no_network=True))
    scanners = build_scanners(config)
    sets = folders(corpus, include_training)
    warm = sets["ham_validation"][0]
    scan_verdict(warm, config, scanners)  # loads the model: the timings below are warm
    results: dict[str, Any] = {"folders": {}, "verdicts": {}, "streams": {}, "kinds": {}}
    streams: dict[str, Counter[str]] = {}
    elapsed: list[float] = []
    per_verdict: dict[str, Counter[bool]] = {}
    for name, paths in sets.items():
        verdicts: Counter[str] = Counter()
        flagged = flagged_any = errors = 0
        for path in paths:
            try:
                line = scan_verdict(path, config, scanners)
            except (OSError, ValueError):
                errors += 1
                continue
            elapsed.append(line["elapsed_ms"])
            spam = line["verdicts"].get("antispam", {})
            verdict = spam.get("verdict", "absent")
            verdicts[verdict] += 1
            flagged += verdict in SPAM_FLAGS
            any_flag = any(v["verdict"] in ANY_FLAGS for v in line["verdicts"].values())
            flagged_any += any_flag
            if name.startswith(MODERN_HAM.replace("-", "_")):
                for key in (f"stream {stream_of(path.name)} ({name.rpartition('_')[2]})",
                            f"kind {kind_of(path.name)} ({name.rpartition('_')[2]})"):
                    tally = streams.setdefault(key, Counter())
                    tally["messages"] += 1
                    tally["flagged_any_scanner"] += any_flag
                    tally["mass_mailing"] += verdict == "mass_mailing"
            if name in EVALUATED:
                per_verdict.setdefault(verdict, Counter())[EVALUATED[name]] += 1
        scanned = sum(verdicts.values())
        results["folders"][name] = {
            "messages": scanned, "unreadable": errors, "verdicts": dict(verdicts.most_common()),
            "flagged": flagged, "flag_rate": round(flagged / scanned, 4) if scanned else None,
            "flagged_any_scanner": flagged_any,
            "flag_rate_any_scanner": round(flagged_any / scanned, 4) if scanned else None,
        }
    for key, tally in sorted(streams.items()):
        group, _, label = key.partition(" ")
        results["streams" if group == "stream" else "kinds"][label] = {
            **tally, "flag_rate_any_scanner": round(tally["flagged_any_scanner"] / tally["messages"], 4)}
    for verdict, counts in sorted(per_verdict.items()):
        total = counts[True] + counts[False]
        results["verdicts"][verdict] = {"messages": total, "spam_or_phish": counts[True], "ham": counts[False],
                                        "precision": round(counts[True] / total, 4) if total else None}
    flagged_positive = sum(results["folders"][n]["flagged"] for n in ("spam_validation", "phish") if n in sets)
    flagged_ham = results["folders"]["ham_validation"]["flagged"]
    modern = results["folders"].get("modern_ham_validation", {})
    positives = sum(results["folders"][n]["messages"] for n in ("spam_validation", "phish") if n in sets)
    results["flagged_summary"] = {
        "precision": round(flagged_positive / max(1, flagged_positive + flagged_ham), 4),
        "recall_spam": results["folders"]["spam_validation"]["flag_rate"],
        "recall_spam_and_phish": round(flagged_positive / max(1, positives), 4),
        "ham_flag_rate": results["folders"]["ham_validation"]["flag_rate"],
        "modern_ham_flag_rate_any_scanner": modern.get("flag_rate_any_scanner"),
        "phish_flag_rate_any_scanner": results["folders"].get("phish", {}).get("flag_rate_any_scanner"),
    }
    results["timing_ms"] = {"messages": len(elapsed), "p50": round(percentile(elapsed, 0.5), 3),
                            "p95": round(percentile(elapsed, 0.95), 3), "p99": round(percentile(elapsed, 0.99), 3)}
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=Path(os.environ.get("MAILGATE_CORPUS",
                                                                          ROOT.parent / "shared" / "corpus")))
    parser.add_argument("--all", action="store_true", help="also the training files")
    args = parser.parse_args(argv)
    if not (args.corpus / "ham").is_dir():
        print(f"detection: corpus not found at {args.corpus}", file=sys.stderr)
        return 1
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the targets say
    started = time.perf_counter()
    results = run(args.corpus, args.all)
    results["wall_seconds"] = round(time.perf_counter() - started, 1)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "detection.json").write_text(json.dumps(results, indent=2) + "\n")
    for name, row in results["folders"].items():
        print(f"{name:18s} {row['messages']:5d} msgs  flagged {row['flag_rate']!s:7s} "
              f"(any scanner {row['flag_rate_any_scanner']!s:7s})  {row['verdicts']}")
    for group in ("kinds", "streams"):
        for label, row in results[group].items():
            print(f"{group[:-1]} {label:34s} {row['messages']:5d} msgs  flagged (any scanner) "
                  f"{row['flag_rate_any_scanner']:<7}  mass mailing {row['mass_mailing']}")
    for verdict, row in results["verdicts"].items():
        print(f"verdict {verdict:14s} {row['messages']:5d}  precision {row['precision']}")
    print("flagged:", results["flagged_summary"])
    print(f"scan p50 {results['timing_ms']['p50']} ms, p95 {results['timing_ms']['p95']} ms; "
          f"peak RSS {results['peak_rss_mb']} MB; {results['wall_seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
