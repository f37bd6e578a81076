#!/usr/bin/env bash
# Networking cost of container start: a bridge network plus 50 attached namespaces against
# 50 bare namespaces (network_mode: none), median of ROUNDS rounds, reported as a ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
node_modules/.bin/vite-node bench/network-attach.ts "${CONTAINERS:-50}" "${ROUNDS:-5}"
