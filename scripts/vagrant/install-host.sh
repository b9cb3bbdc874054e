#!/bin/sh
# Installs the host packages of scripts/vagrant/packages.txt that are not installed yet (Debian, as root).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
missing=""
for p in $(grep -v '^\s*#' "$here/packages.txt" | tr -s ' \t' '\n' | grep -v '^$'); do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing="$missing $p"
  fi
done
if [ -z "$missing" ]; then
  echo "vagrant host packages: all installed"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "vagrant host packages missing:$missing (run this script as root to install them)" >&2
  exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
