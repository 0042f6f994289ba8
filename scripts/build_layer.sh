#!/usr/bin/env bash
# Build the `mailgate` Lambda layer for python3.12 on x86_64: the pinned runtime dependencies and the
# package itself into build/layer/python. One command, reproducible (pinned versions, wheels only).
# Deploy requires it: without build/layer the CDK app stages only the mailgate package (tests do that).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
rm -rf build/layer
mkdir -p build/layer/python
# The runtime dependencies as pinned in pyproject.toml, as Linux wheels for the Lambda runtime...
"$PYTHON" -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' \
    > build/layer-requirements.txt
# Pure-Python packages published only as source (no wheel): installed in a second, platform-free pass.
SDIST_ONLY='^(pyspf|dkimpy|authres)=='
grep -Ev "$SDIST_ONLY" build/layer-requirements.txt > build/layer-wheels.txt
"$PYTHON" -m pip install --quiet --no-compile --disable-pip-version-check \
    --platform manylinux2014_x86_64 --implementation cp --python-version 3.12 --only-binary=:all: \
    --target build/layer/python -r build/layer-wheels.txt
grep -E "$SDIST_ONLY" build/layer-requirements.txt > build/layer-sdists.txt
"$PYTHON" -m pip install --quiet --no-compile --disable-pip-version-check --no-deps \
    --target build/layer/python -r build/layer-sdists.txt
# ...and the package itself, copied as source (pure Python; --platform installs cannot build it).
cp -r layers/mailgate/mailgate build/layer/python/mailgate
# boto3/botocore are in the Lambda runtime already, but the pinned versions are what the code is tested with.
find build/layer/python -name '__pycache__' -prune -exec rm -rf {} +
rm -rf build/layer/python/bin build/layer/python/share
du -sh build/layer | sed 's/^/layer size: /'
