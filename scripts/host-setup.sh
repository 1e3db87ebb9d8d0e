#!/usr/bin/env bash
# Prepare this machine to run the lab: rootful podman with the two settings this kind
# of VM needs, plus debootstrap for the locally built images. Idempotent: a second run
# installs nothing and rewrites nothing that is already right.
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
  echo "host-setup: the lab uses rootful podman; run as root (or via sudo make ...)" >&2
  exit 1
fi

pkgs=(podman runc debootstrap uidmap slirp4netns fuse-overlayfs iptables
      containernetworking-plugins iproute2 curl)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "host-setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Without these, every `podman run` fails here: root lacks CAP_SYS_RESOURCE (so crun
# cannot raise RLIMIT_NOFILE above the hard limit) and cgroups are a v1/v2 hybrid
# that crun refuses. runc copes with both.
conf=/etc/containers/containers.conf.d/50-hafront.conf
hard_nofile=$(ulimit -Hn)
want=$(printf '[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=32768:32768"]\n\n[engine]\nruntime = "runc"\n' \
  "$hard_nofile" "$hard_nofile")
if [[ ! -f $conf || $(cat "$conf") != "$want" ]]; then
  mkdir -p "$(dirname "$conf")"
  printf '%s\n' "$want" >"$conf"
  echo "host-setup: wrote $conf"
fi

podman info --format '{{.Host.OCIRuntime.Name}}' >/dev/null
