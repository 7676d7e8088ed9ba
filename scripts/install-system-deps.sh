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
)

missing=()
for binary in "${!PACKAGE_FOR[@]}"; do
  if ! command -v "$binary" >/dev/null 2>&1; then
    missing+=("${PACKAGE_FOR[$binary]}")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
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
