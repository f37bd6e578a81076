#!/usr/bin/env bash
# Memory of the engine: its RSS idle (after loading busybox), then with 50 containers running
# (`sleep 1000`), and the RSS of each per-container monitor (counted separately).
# Targets: idle under 80 MB, 50 running under 120 MB, each monitor under 2 MB.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d /tmp/tce-bench-XXXXXX)
socket=$work/engine.sock
engine_pid=
api() { curl -sSf --unix-socket "$socket" "$@"; }
cleanup() {
  for id in $(api 'http://engine/containers/json?all=1' 2>/dev/null | grep -o '"Id":"[0-9a-f]*"' | cut -d'"' -f4); do
    api -X DELETE "http://engine/containers/$id?force=1" >/dev/null || true
  done
  if [ -n "$engine_pid" ]; then kill "$engine_pid" 2>/dev/null || true; wait "$engine_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

TCOMPOSE_IP_MASQ=0 TCOMPOSE_ROOT=$work TCOMPOSE_HOST=$socket node --max-semi-space-size=2 dist/engine/main.js 2>"$work/engine.log" &
engine_pid=$!
for _ in $(seq 100); do api http://engine/_ping >/dev/null 2>&1 && break; sleep 0.1; done
bash scripts/busybox-image.sh "$work/busybox.tar" >/dev/null
api -X POST --data-binary @"$work/busybox.tar" -H 'Content-Type: application/x-tar' http://engine/images/load >/dev/null
sleep 2
idle=$(rss_kb "$engine_pid")

count=${COUNT:-50}
for i in $(seq "$count"); do
  id=$(api -X POST -H 'Content-Type: application/json' -d '{"Image":"busybox","Cmd":["sleep","1000"]}' "http://engine/containers/create?name=rss$i" | grep -o '"Id":"[0-9a-f]*"' | cut -d'"' -f4)
  api -X POST "http://engine/containers/$id/start" >/dev/null
done
sleep 2
running=$(api 'http://engine/containers/json' | grep -o '"State":"running"' | wc -l)
loaded=$(rss_kb "$engine_pid")
monitors=$(pgrep -f "tcrun --root $work/run/tcrun (create|run)" || true)
max=0 total=0 n=0
for pid in $monitors; do
  kb=$(rss_kb "$pid"); total=$((total + kb)); n=$((n + 1)); [ "$kb" -gt "$max" ] && max=$kb
done
echo "engine RSS idle: $((idle / 1024)) MB (target < 80 MB)"
echo "engine RSS with $running running containers: $((loaded / 1024)) MB (target < 120 MB)"
echo "monitors: $n, largest RSS $((max)) kB, mean $((n ? total / n : 0)) kB (target < 2048 kB each)"
