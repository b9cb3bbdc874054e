#!/usr/bin/env bash
# Debian packages the tests need, installed only when missing (Debian/Ubuntu, as root or with sudo). `npm test`
# runs it itself when it can (root or passwordless sudo); otherwise it prints what is missing and this command.
# Chromium for the Playwright web tests; Ruby for the Vagrantfile editor's syntax check (ruby -c); build tools for
# node-pty; git for the fresh-clone check; Go for building consul. The Vagrant suite's host packages are in
# scripts/vagrant/packages.txt.
#   bash scripts/system-packages.sh             install what is missing
#   bash scripts/system-packages.sh --missing   only print what is missing (nothing when all are there)
set -euo pipefail
cd "$(dirname "$0")/.."

want=(chromium ruby build-essential python3 git ca-certificates)
if [ -f scripts/vagrant/packages.txt ]; then
  while read -r p; do [ -n "$p" ] && [ "${p:0:1}" != "#" ] && want+=("$p"); done < scripts/vagrant/packages.txt
fi
command -v go >/dev/null 2>&1 || want+=(golang-go)

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ "${1:-}" = "--missing" ]; then
  echo "${missing[*]}"
  exit 0
fi
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "system packages: installing ${missing[*]}"
t0=$(date +%s)
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "system packages: installed in $(( $(date +%s) - t0 )) s"
