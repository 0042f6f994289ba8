#!/usr/bin/env bash
# The run command: set up, then start the whole gateway locally (Ctrl-C stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh serve
exec .venv/bin/mailgate serve "$@"
