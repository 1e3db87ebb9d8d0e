#!/usr/bin/env bash
# A throwaway image with the distribution's haproxy, keepalived and redis, used only to check rendered
# configs with the real binary. The lab's hosts never use it (they install with apt).
set -euo pipefail
suite=${1:?usage: build-checker.sh SUITE}
image=localhost/hafront-checker:$suite
base=localhost/hafront-base:$suite
base_id=$(podman image inspect --format '{{.Id}}' "$base")
# Rebuilt when the base image or this recipe changes.
base_id="$base_id-$(sha256sum "$0" | cut -c1-12)"
if [[ $(podman image inspect --format '{{ index .Labels "hafront.base" }}' "$image" 2>/dev/null) == "$base_id" ]]; then
  exit 0
fi
name=hafront-checker-build-$suite
podman rm -f "$name" >/dev/null 2>&1 || true
podman run --name "$name" "$base" bash -c \
  'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends haproxy keepalived redis-server redis-sentinel >/dev/null && rm -rf /var/lib/apt/lists/* && useradd --system --no-create-home keepalived_script'
podman commit --change "LABEL hafront.base=$base_id" --change 'CMD ["/bin/bash"]' "$name" "$image" >/dev/null
podman rm -f "$name" >/dev/null
echo "build-checker: built $image"
