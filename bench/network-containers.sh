#!/usr/bin/env bash
# DNS latency from inside busybox containers and container-to-container TCP throughput
# (iperf3) through a real engine, each as a ratio to a reference measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
node_modules/.bin/vite-node bench/network-containers.ts "${QUERIES:-2000}" "${SECONDS_EACH:-3}"
