#!/usr/bin/env bash
# Build the lab's base image for one Debian suite from Debian's mirror (no container
# registry is reachable here): debootstrap, then `podman import`. The image carries only
# what Ansible, systemd and an SSH login need; the roles install haproxy, nginx, ... with
# apt, as on real hosts. Like a freshly provisioned server it has sshd (keys only, no root
# login) and a `deploy` user with passwordless sudo; the lab role gives each container its
# own host keys and the lab's public key (roles/lab/tasks/ssh.yml).
#
# Usage: build-image.sh SUITE [IMAGE]      e.g. build-image.sh bookworm
# Cached: an image whose `hafront.recipe` label matches this script's hash is reused.
set -euo pipefail

suite=${1:?usage: build-image.sh SUITE [IMAGE]}
image=${2:-localhost/hafront-base:$suite}
recipe=$( { cat "$0"; echo "$suite"; } | sha256sum | cut -c1-16)

if [[ $(podman image inspect --format '{{ index .Labels "hafront.recipe" }}' "$image" 2>/dev/null) == "$recipe" ]]; then
  echo "build-image: $image is up to date"
  exit 0
fi

case $suite in
  bookworm | trixie) ;;
  *) echo "build-image: unsupported suite '$suite' (bookworm or trixie)" >&2; exit 2 ;;
esac

mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}
security=${mirror%/debian}/debian-security

root=$(mktemp -d /var/tmp/hafront-rootfs.XXXXXX)
trap 'rm -rf "$root"' EXIT

echo "build-image: debootstrap $suite from $mirror"
debootstrap --variant=minbase \
  --include=systemd,systemd-sysv,dbus,python3,python3-apt,iproute2,iputils-ping,procps,ca-certificates,openssh-server,sudo \
  "$suite" "$root" "$mirror" >"$root.log" 2>&1 || { tail -30 "$root.log" >&2; exit 1; }
rm -f "$root.log"

# apt inside the containers uses the same mirror and settings as the host.
cat >"$root/etc/apt/sources.list.d/debian.sources" <<SRC
Types: deb
URIs: $mirror
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
rm -f "$root/etc/apt/sources.list"
for f in /etc/apt/apt.conf.d/99artifact-registry; do
  [[ -f $f ]] && cp "$f" "$root/etc/apt/apt.conf.d/"
done
# A container has no console to log in on, and no hardware clock or udev to manage.
for unit in getty.target console-getty.service systemd-udevd.service \
  systemd-udev-trigger.service systemd-timesyncd.service apt-daily.timer \
  apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer; do
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
echo 'container' >"$root/etc/hostname"
# The login Ansible uses on real hosts: a non-root user with sudo, SSH keys only.
chroot "$root" useradd --create-home --shell /bin/bash deploy
echo 'deploy ALL=(ALL) NOPASSWD: ALL' >"$root/etc/sudoers.d/deploy"
chmod 0440 "$root/etc/sudoers.d/deploy"
cat >"$root/etc/ssh/sshd_config.d/hafront-lab.conf" <<'SSHD'
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
UseDNS no
SSHD
# Host keys are made per container at its first boot, never shared through the image.
rm -f "$root"/etc/ssh/ssh_host_*
cat >"$root/etc/systemd/system/hafront-ssh-hostkeys.service" <<'UNIT'
[Unit]
Description=Generate this container's SSH host keys
Before=ssh.service
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A

[Install]
WantedBy=multi-user.target
UNIT
ln -sf /etc/systemd/system/hafront-ssh-hostkeys.service "$root/etc/systemd/system/multi-user.target.wants/hafront-ssh-hostkeys.service"
: >"$root/etc/machine-id"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/*
# An empty package list dated 1970, so `apt: cache_valid_time=...` updates it first.
touch -d @0 "$root/var/lib/apt/lists"

tar -C "$root" -c . | podman import \
  --change 'CMD ["/sbin/init"]' \
  --change 'STOPSIGNAL SIGRTMIN+3' \
  --change "LABEL hafront.recipe=$recipe" \
  - "$image" >/dev/null
echo "build-image: built $image"
