#!/usr/bin/env bash
# The test command: set up, lint, type-check, then every test against real servers, inside a
# private network namespace so nothing can reach beyond this machine and no port clashes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

echo "== ruff"; .venv/bin/ruff check .
echo "== mypy"; .venv/bin/mypy
echo "== pytest"
status=0
if [ "$(id -u)" = 0 ] && unshare --net --mount -- true 2>/dev/null; then
  unshare --net --mount -- bash -c 'ip link set lo up && ip addr add 127.0.0.2/8 dev lo && exec "$@"' \
    _ .venv/bin/pytest "$@" || status=$?
else
  echo "test: not root or no network namespaces: running on the host's loopback; root-only tests skip"
  .venv/bin/pytest "$@" || status=$?
fi
if [ "$status" = 5 ]; then echo "test: pytest collected no tests" >&2; exit 1; fi
exit "$status"
