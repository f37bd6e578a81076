#!/usr/bin/env bash
# Installs the Debian packages tcompose builds and tests with. Idempotent: it asks
# apt only for what is missing, so a second run costs nothing.
set -euo pipefail

# docker-compose: Debian's 1.29, which a test drives the engine with (a peer tool must work unchanged).
packages=(busybox-static crun runc iproute2 libseccomp-dev make gcc attr hyperfine iperf3 iptables nftables docker-compose)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
    missing+=("$package")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
