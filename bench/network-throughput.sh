#!/usr/bin/env bash
# TCP throughput namespace → namespace over a bridge network vs host loopback (iperf3).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v iperf3 >/dev/null || { echo "iperf3 missing: run scripts/install-deps.sh" >&2; exit 1; }
node_modules/.bin/vite-node bench/network-throughput.ts "${SECONDS_EACH:-3}"
