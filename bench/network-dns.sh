#!/usr/bin/env bash
# DNS latency p50/p99 from inside a namespace (service name, forwarded name) as ratios to a
# bare UDP echo over the same path. QUERIES sequential queries each.
set -euo pipefail
cd "$(dirname "$0")/.."
node_modules/.bin/vite-node bench/network-dns.ts "${QUERIES:-2000}"
