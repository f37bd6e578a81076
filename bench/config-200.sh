#!/usr/bin/env bash
# `tcompose config` on a generated 200-service compose file, with hyperfine. References
# measured in the same run: `node -e 0`, the floor no Node CLI goes below on this
# machine, and `tcompose version`, the CLI's bare start-up; docker-compose 1.29 (a peer,
# when installed) runs the same file for comparison. Figures are medians.
# Target: config median under 300 ms.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
node_modules/.bin/vite-node bench/generate-compose.ts "$work/compose.yaml" 200

# The bin itself, started through its #! line, as a user runs `tcompose`.
tcompose="$PWD/dist/cli/main.cjs"
commands=(
  "$tcompose version"
  "$tcompose -f $work/compose.yaml config"
  "node -e 0"
)
if command -v docker-compose >/dev/null; then
  # docker-compose 1.29 predates the top-level name and wants a version key.
  sed 's/^name: bench$/version: "2.4"/' "$work/compose.yaml" >"$work/peer.yaml"
  commands+=("docker-compose -f $work/peer.yaml config")
fi

# -N: no intermediate shell, so nothing but the commands themselves is timed.
hyperfine -N --warmup 2 --runs "${RUNS:-20}" --export-json "$work/result.json" "${commands[@]}"
node -e '
  const { results } = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const ms = (r) => (r.median * 1000).toFixed(0);
  const [version, config, node, peer] = results;
  const ratio = (a, b) => (a.median / b.median).toFixed(2);
  console.log(`median: tcompose config (200 services) ${ms(config)} ms; node -e 0 ${ms(node)} ms (config is ${ratio(config, node)}x the floor, ${ms({ median: config.median - node.median })} ms above it); tcompose version ${ms(version)} ms (${ratio(version, node)}x the floor)`);
  console.log(`target: config median under 300 ms: ${config.median < 0.3 ? "met" : "not met"}`);
  if (peer) console.log(`median: docker-compose config ${ms(peer)} ms (tcompose is ${ratio(peer, config)}x faster)`);
' "$work/result.json"
