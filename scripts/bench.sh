#!/usr/bin/env bash
# The benchmark command: figures for the README and the issue notes, never pass/fail.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/python bench/run.py "$@"
