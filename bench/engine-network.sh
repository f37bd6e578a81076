#!/usr/bin/env bash
# What bridge networking costs a container start, through the engine API, in one run:
#   bridge: create + start of N `busybox sleep` containers on a user network (namespace,
#           veth, address, DNS entry), started concurrently as `tcompose up` does
#   none:   the same with network_mode none (a namespace with loopback only)
# hyperfine times both (containers removed between runs); the ratio is the networking cost.
set -euo pipefail
cd "$(dirname "$0")/.."

count=${COUNT:-50}
runs=${RUNS:-5}

# `engine-network.sh start SOCKET MODE`: starts COUNT containers in MODE; `clean SOCKET`: removes them all.
if [ "${1:-}" = start ] || [ "${1:-}" = clean ]; then
  socket=$2
  api() { curl -sSf --unix-socket "$socket" "$@"; }
  if [ "$1" = clean ]; then
    for id in $(api 'http://engine/containers/json?all=1' | grep -o '"Id":"[0-9a-f]*"' | cut -d'"' -f4); do
      api -X DELETE "http://engine/containers/$id?force=1" >/dev/null &
    done
    wait
    exit 0
  fi
  body="{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"1000\"],\"HostConfig\":{\"NetworkMode\":\"$3\"}}"
  for _ in $(seq "$count"); do
    (
      id=$(api -X POST -H 'Content-Type: application/json' -d "$body" http://engine/containers/create | cut -d'"' -f4)
      api -X POST "http://engine/containers/$id/start" >/dev/null
    ) &
  done
  wait
  exit 0
fi

work=$(mktemp -d /tmp/tcnb-engine-XXXXXX)
socket=$work/engine.sock
engine_pid=
cleanup() {
  if [ -n "$engine_pid" ]; then
    "$0" clean "$socket" || true
    curl -sf --unix-socket "$socket" -X DELETE http://engine/networks/benchnet >/dev/null || true
    kill "$engine_pid" 2>/dev/null || true
    wait "$engine_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# NAT off, as in tests: no container may reach the uplink from this machine.
TCOMPOSE_IP_MASQ=0 TCOMPOSE_ROOT=$work TCOMPOSE_HOST=$socket node --max-semi-space-size=2 dist/engine/main.js 2>"$work/engine.log" &
engine_pid=$!
for _ in $(seq 100); do curl -sf --unix-socket "$socket" http://engine/_ping >/dev/null && break; sleep 0.1; done
bash scripts/busybox-image.sh "$work/busybox.tar" >/dev/null
curl -sSf --unix-socket "$socket" -X POST --data-binary @"$work/busybox.tar" \
  -H 'Content-Type: application/x-tar' http://engine/images/load >/dev/null
curl -sSf --unix-socket "$socket" -X POST -H 'Content-Type: application/json' \
  -d '{"Name":"benchnet"}' http://engine/networks/create >/dev/null

export COUNT=$count
hyperfine --runs "$runs" --prepare "$0 clean $socket" \
  -n "bridge network ($count containers)" "$0 start $socket benchnet" \
  -n "network_mode none ($count containers)" "$0 start $socket none"
