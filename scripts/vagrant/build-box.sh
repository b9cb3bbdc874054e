#!/bin/sh
# Builds the Debian 12 LXC box the vagrant provider's test path uses, with debootstrap, and caches it.
#   build-box.sh [--force] [BOX_FILE]
#     default BOX_FILE: the tool cache, ${CONSUL_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/consul-lab}/boxes/debian-12-lxc-r2.box
# The box holds metadata.json ({"provider": "lxc", ...}) and rootfs.tar.gz with ./rootfs/... inside
# (vagrant-lxc strips two path components). The rootfs has the vagrant user with Vagrant's insecure
# key, passwordless sudo, sshd, and no DHCP/networkd: LXC itself sets the
# container's addresses. The -rN in the name is the box's revision (LXC_BOX_REVISION in options.ts): bump both
# when the box's contents change, so that a cached older box is not used.
# An existing box file is kept (delete it, or pass --force, to rebuild). Needs root and debootstrap.
set -eu
force=0
if [ "${1:-}" = "--force" ]; then force=1; shift; fi
out=${1:-${CONSUL_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/consul-lab}/boxes/debian-12-lxc-r2.box}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
if [ -s "$out" ] && [ "$force" -eq 0 ]; then
  echo "box cached: $out"
  exit 0
fi
[ "$(id -u)" -eq 0 ] || { echo "build-box.sh must run as root (debootstrap)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "debootstrap is not installed (scripts/vagrant/install-host.sh)" >&2; exit 1; }
pubkey=""
for k in /usr/share/rubygems-integration/all/gems/vagrant-*/keys/vagrant.pub /opt/vagrant/embedded/gems/gems/vagrant-*/keys/vagrant.pub; do
  [ -f "$k" ] && pubkey=$k && break
done
[ -n "$pubkey" ] || { echo "cannot find Vagrant's insecure public key (keys/vagrant.pub of the vagrant gem)" >&2; exit 1; }

mkdir -p "$(dirname "$out")"
work=$(mktemp -d "$(dirname "$out")/.build-XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
echo "debootstrap bookworm into $root"
debootstrap --variant=minbase \
  --include=openssh-server,sudo,iproute2,ifupdown,systemd-sysv,ca-certificates,netbase,procps,curl,unzip,iputils-ping \
  bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log" >&2; exit 1; }

chroot "$root" useradd -m -s /bin/bash vagrant
echo 'vagrant:vagrant' | chroot "$root" chpasswd
echo 'vagrant ALL=(ALL) NOPASSWD:ALL' >"$root/etc/sudoers.d/vagrant"
chmod 0440 "$root/etc/sudoers.d/vagrant"
install -d -m 0700 "$root/home/vagrant/.ssh"
install -m 0600 "$pubkey" "$root/home/vagrant/.ssh/authorized_keys"
chroot "$root" chown -R vagrant:vagrant /home/vagrant/.ssh
printf 'UseDNS no\n' >"$root/etc/ssh/sshd_config.d/vagrant.conf"
# LXC sets the addresses (lxc.net.N.ipv4.*) and the hostname; nothing in the box may touch them.
printf 'auto lo\niface lo inet loopback\n' >"$root/etc/network/interfaces"
rm -f "$root/etc/hostname"
printf '127.0.0.1 localhost\n' >"$root/etc/hosts"
chroot "$root" systemctl mask systemd-networkd.service systemd-networkd.socket systemd-resolved.service >/dev/null 2>&1 || true
chroot "$root" apt-get clean
rm -rf "$root/var/lib/apt/lists/"* "$root/var/cache/apt/"*.bin

tar -C "$work" --numeric-owner -czf "$work/rootfs.tar.gz" ./rootfs
printf '{"provider": "lxc", "version": "1.0.0", "built-on": "%s"}\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$work/metadata.json"
tar -C "$work" -czf "$work/box" metadata.json rootfs.tar.gz
mv "$work/box" "$out"
echo "box built: $out ($(du -h "$out" | cut -f1))"
