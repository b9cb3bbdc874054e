#!/bin/sh
# The host side of the LXC test path: lxcbr0 (lxc-net, 10.0.3.0/24, the containers' first NIC, used by
# vagrant ssh) and labbr0 holding 172.20.20.1/24, the tutorial's private network (the containers' second NIC).
#   bridge.sh up   STATE_FILE   creates what is missing and records in STATE_FILE what it created
#   bridge.sh down STATE_FILE   removes only what STATE_FILE says was created
# Needs root.
set -eu
cmd=${1:?usage: bridge.sh up|down STATE_FILE}
state=${2:?usage: bridge.sh up|down STATE_FILE}
bridge=${LAB_BRIDGE:-labbr0}
hostcidr=${LAB_BRIDGE_ADDR:-172.20.20.1/24}
lxcnet=/usr/libexec/lxc/lxc-net
[ "$(id -u)" -eq 0 ] || { echo "bridge.sh must run as root" >&2; exit 1; }

case "$cmd" in
up)
  : >"$state"
  if ! ip link show lxcbr0 >/dev/null 2>&1; then
    if ! grep -q '^USE_LXC_BRIDGE="true"' /etc/default/lxc-net 2>/dev/null; then
      echo 'USE_LXC_BRIDGE="true"' >>/etc/default/lxc-net
      echo "lxc-net-config" >>"$state"
    fi
    "$lxcnet" start
    echo "lxc-net" >>"$state"
  fi
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    net=${hostcidr%.*}.
    if ip -4 -o addr show | grep -v " $bridge " | grep -q " inet ${net}"; then
      echo "another interface already has an address in ${net}0/24: not creating $bridge" >&2
      ip -4 -o addr show | grep " inet ${net}" >&2
      exit 1
    fi
    ip link add "$bridge" type bridge
    echo "bridge $bridge" >>"$state"
  fi
  ip -4 -o addr show dev "$bridge" | grep -q " ${hostcidr} " || ip addr add "$hostcidr" dev "$bridge"
  ip link set "$bridge" up
  echo "bridges up: lxcbr0, $bridge ($hostcidr)"
  ;;
down)
  [ -f "$state" ] || exit 0
  if grep -q "^bridge " "$state"; then
    b=$(grep "^bridge " "$state" | cut -d' ' -f2)
    ip link del "$b" 2>/dev/null || true
  fi
  if grep -q "^lxc-net$" "$state"; then "$lxcnet" stop || true; fi
  if grep -q "^lxc-net-config$" "$state"; then sed -i '/^USE_LXC_BRIDGE="true"$/d' /etc/default/lxc-net; fi
  rm -f "$state"
  echo "bridges removed as recorded"
  ;;
*) echo "usage: bridge.sh up|down STATE_FILE" >&2; exit 2 ;;
esac
