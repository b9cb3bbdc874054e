#!/usr/bin/env bash
# System packages the tests need, installed only when missing (Debian/Ubuntu, as root or with sudo).
# Chromium for the Playwright web tests; build tools for node-pty; Go for building consul.
# The Vagrant suite's host packages are in scripts/vagrant/packages.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

want=(chromium build-essential python3 git ca-certificates)
if [ -f scripts/vagrant/packages.txt ]; then
  while read -r p; do [ -n "$p" ] && [ "${p:0:1}" != "#" ] && want+=("$p"); done < scripts/vagrant/packages.txt
fi
command -v go >/dev/null 2>&1 || want+=(golang-go)

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "system packages: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
