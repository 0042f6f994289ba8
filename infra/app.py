#!/usr/bin/env python3
"""`cdk synth` / `cdk deploy` entry point (see docs/deploy.md)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT), str(ROOT.parent / "layers" / "mailgate")]

from mailgate_infra.stack import build_app  # noqa: E402

if __name__ == "__main__":
    app, _ = build_app()
    app.synth()
