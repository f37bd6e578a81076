#!/usr/bin/env bash
# tcompose against its peers on the same machine, in one run:
#   `up -d` and `down` of the ten- and fifty-service busybox stacks with
#   tcompose (embedded engine), docker-compose 1.29 (dockerd 20.10) and podman-compose 1.0.3,
#   and `up -d` of an unchanged project against `tcompose config` on it.
# The peers are installed, guarded (no forwarding to the uplink) and started by the lab scripts
# in $PEERS_DIR (default ../shared/peers), which also write the stacks every tool runs; each tool
# runs them on a busybox-static image of its own named busybox:local.
# Targets (issue #7): tcompose at least 10x faster than the fastest peer for `up -d` and `down`
# of 50 services; an unchanged `up -d` within 2x `config`.
# Env: RUNS (5) for ten, RUNS_BIG (3) for fifty, PEERS ("docker podman"), STACK_NAMES ("ten fifty").
# Needs root. Results: $OUT/*.json (hyperfine) and $OUT/table.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
PEERS_DIR=${PEERS_DIR:-$repo/../shared/peers}
LAB=${LAB:-/var/tmp/peers-lab}
RUNS=${RUNS:-5}
RUNS_BIG=${RUNS_BIG:-3}
PEERS=${PEERS-"docker podman"}
STACK_NAMES=${STACK_NAMES:-"ten fifty"}
OUT=${OUT:-$LAB/bench/tcompose-$(date +%Y%m%d-%H%M%S)}

[ -d "$PEERS_DIR" ] || { echo "compose-peers: the peers lab scripts are not at $PEERS_DIR (set PEERS_DIR)" >&2; exit 1; }
mkdir -p "$OUT"

if [ -n "$PEERS" ]; then bash "$PEERS_DIR/peers-setup.sh" all >"$OUT/peers-setup.log" 2>&1; fi
STACKS=$LAB/stacks bash "$PEERS_DIR/peers-stacks.sh" >"$OUT/peers-stacks.log" 2>&1

work=$(mktemp -d /tmp/tcompose-peers-XXXXXX)
run_id=$$
# NAT stays off: on these machines no container may reach the uplink.
export TCOMPOSE_ROOT=$work/root TCOMPOSE_HOST=$work/engine.sock TCOMPOSE_IP_MASQ=0
tc="node $repo/dist/cli/main.cjs --progress quiet"
cleanup() {
  for st in $STACK_NAMES; do $tc -p "tc$st$run_id" -f "$LAB/stacks/$st/compose.yaml" down >/dev/null 2>&1 || true; done
  $tc engine stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

$tc engine start >/dev/null
bash scripts/busybox-image.sh "$work/busybox.tar" >/dev/null
$tc image load -i "$work/busybox.tar" >/dev/null
$tc image tag busybox busybox:local

# One command line per tool for a stack; projects get names of their own per tool and run, so
# tools never meet and nothing an earlier run left (dockerd keeps stale endpoints) gets in the way.
tool_cmd() { # tool stack -> command prefix
  case $1 in
    tcompose) echo "$tc -p tc$2$run_id -f $LAB/stacks/$2/compose.yaml" ;;
    docker) echo "docker-compose -p dc$2$run_id -f $LAB/stacks/$2/compose.yaml" ;;
    podman) echo "podman-compose -p pc$2$run_id -f $LAB/stacks/$2/compose.yaml" ;;
  esac
}

# bench NAME RUNS STACK OPERATION PREPARE: hyperfine over every tool, each with its own prepare.
bench() {
  local name=$1 runs=$2 st=$3 op=$4 prep=$5 args=() tool c
  for tool in tcompose $PEERS; do
    c=$(tool_cmd "$tool" "$st")
    args+=(--prepare "$c $prep >/dev/null 2>&1 || true" -n "$tool $op $st" "$c $op")
  done
  hyperfine --warmup 1 --runs "$runs" --export-json "$OUT/$name.json" "${args[@]}" >"$OUT/$name.txt" 2>&1
}

for st in $STACK_NAMES; do
  runs=$RUNS; [ "$st" = fifty ] && runs=$RUNS_BIG
  bench "up-$st" "$runs" "$st" "up -d" "down"
  bench "down-$st" "$runs" "$st" "down" "up -d"
done
# Unchanged project: bring the stack up once, then time `up -d` against `config` on it.
for st in $STACK_NAMES; do
  c=$(tool_cmd tcompose "$st")
  $c up -d >/dev/null 2>&1
  hyperfine --warmup 2 --runs 10 --export-json "$OUT/unchanged-$st.json" \
    -n "tcompose config $st" "$c config -q" -n "tcompose up -d (unchanged) $st" "$c up -d" >"$OUT/unchanged-$st.txt" 2>&1
  $c down >/dev/null 2>&1
done
for st in $STACK_NAMES; do for tool in $PEERS; do $(tool_cmd "$tool" "$st") down >/dev/null 2>&1 || true; done; done

node "$repo/bench/compose-peers-table.mjs" "$OUT" $STACK_NAMES | tee "$OUT/table.txt"
