#!/usr/bin/env bash
# Installs what mailgate needs on Debian 12, idempotently: Debian packages, then the venv.
#   scripts/setup.sh serve   what running the gateway locally needs (scripts/serve.sh)
#   scripts/setup.sh         everything: also the real servers the tests start, the CDK and the dev tools
# Fast when already done: it checks before it installs.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-test}
case "$profile" in serve|test) ;; *) echo "setup: unknown profile '$profile' (serve or test)" >&2; exit 2;; esac

APT_PACKAGES=(
  python3 python3-venv python3-dev gcc   # the venv (pyenv or the system's Python 3.11+)
  ca-certificates
  swaks                                  # a real SMTP client for the README's examples and the tests
  clamav-daemon                          # real clamd for Anti-Virus (local mode starts it when installed)
)
if [ "$profile" = test ]; then
  APT_PACKAGES+=(
    openssl iproute2 util-linux          # test certificates; the private network namespace
    dnsmasq-base                         # real DNS server for SPF/DKIM/DMARC in tests
    opendkim-tools                       # DKIM interop checks (opendkim-testmsg)
    slapd ldap-utils                     # OpenLDAP for the directory sync tests
    samba samba-ad-dc samba-ad-provision krb5-user winbind   # Samba as an Active Directory DC in tests
    clamav-testfiles p7zip-full          # test files (and 7z nestings) for Anti-Virus
    rsyslog rsyslog-gnutls               # a real syslog collector (TLS) for the SIEM export tests
    chromium chromium-driver fonts-dejavu-core   # the web console's tests in a real browser (Selenium)
    poppler-utils                        # pdftotext/pdftoppm read the summary reports' PDFs
  )
fi

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Node.js builds the web console (both profiles) and runs the CDK CLI and the jsii runtime behind aws-cdk-lib
# (tests synthesise the app); use the machine's.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(nodejs npm)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  for try in 1 2 3 4 5; do   # another apt may hold the dpkg lock for a while
    if as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq \
        --no-install-recommends "${missing[@]}" >/dev/null; then break; fi
    [ "$try" = 5 ] && { echo "setup: apt-get failed" >&2; exit 1; }
    sleep $((try * 5))
  done
fi

pick_python() {
  for candidate in python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"; return
    fi
  done
  echo "setup: no Python 3.11 or newer found" >&2; exit 1
}

# The stamp says which pyproject.toml and which profile the venv was made for; `test` includes `serve`.
stamp=.venv/.mailgate-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
have=$(cat "$stamp" 2>/dev/null || true)
extras=dev; [ "$profile" = serve ] && extras=local
if [ ! -x .venv/bin/python ] || { [ "$have" != "$want test" ] && [ "$have" != "$want $profile" ]; }; then
  python=${MAILGATE_PYTHON:-$(pick_python)}
  echo "setup: creating .venv with $($python --version)"
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade "pip==25.3"
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[$extras]"
  echo "$want $profile" > "$stamp"
fi

# The web console: its pinned libraries (console/package-lock.json), then its production build in console/dist.
console_stamp=console/node_modules/.mailgate-installed
want_console=$(sha256sum console/package-lock.json | cut -d' ' -f1)
if [ ! -d console/node_modules ] || [ "$(cat "$console_stamp" 2>/dev/null)" != "$want_console" ]; then
  echo "setup: npm ci in console/ (the web console's libraries)"
  (cd console && npm ci --no-audit --no-fund --ignore-scripts >/dev/null)
  echo "$want_console" > "$console_stamp"
fi
built=console/node_modules/.mailgate-built   # outside dist: everything in dist is deployed
want_build=$(cd console && cat package-lock.json vite.config.js index.html $(find src public -type f | sort) | sha256sum | cut -d' ' -f1)
if [ ! -f console/dist/index.html ] || [ "$(cat "$built" 2>/dev/null)" != "$want_build" ]; then
  echo "setup: building the web console (console/dist)"
  (cd console && npx --no-install vite build --logLevel warn)
  echo "$want_build" > "$built"
fi

[ "$profile" = serve ] && exit 0

lock_stamp=node_modules/.mailgate-installed
want_lock=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -x node_modules/.bin/cdk ] || [ "$(cat "$lock_stamp" 2>/dev/null)" != "$want_lock" ]; then
  echo "setup: npm ci (the pinned CDK command line)"
  npm ci --no-audit --no-fund --ignore-scripts >/dev/null
  echo "$want_lock" > "$lock_stamp"
fi
