#!/usr/bin/env bash
# Loading a ~200 MB multi-layer `docker save` archive: tcompose's ImageStore.load against
# `podman load` of the same file, in one hyperfine run, with `tar -x` of the same layers as
# a floor. Prints the ratio tcompose / podman (below 1 means tcompose is faster).
#
# usage: bench/image-load.sh [RUNS]   (needs root; builds dist/ first if missing)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-5}
layers=8
files_per_layer=50
file_kib=512 # 8 layers x 50 files x 512 KiB = 200 MiB

for tool in hyperfine podman; do
  command -v "$tool" >/dev/null || { echo "missing $tool: run /work/shared/peers/peers-setup.sh install" >&2; exit 1; }
done
[ -f "$repo/dist/engine/images/image-store.js" ] || (cd "$repo" && npm run --silent build:ts)

work=$(mktemp -d /var/tmp/tcompose-bench-image-XXXXXX)
cleanup() {
  rm -rf "$work"
}
trap cleanup EXIT

# --- the archive: random-ish files, several layers, the last one deleting a few -----------
echo "generating the archive in $work" >&2
image=$work/image
mkdir -p "$image"
diff_ids=()
layer_paths=()
for ((l = 0; l < layers; l++)); do
  rootfs=$work/rootfs-$l
  mkdir -p "$rootfs/data/layer$l" "$rootfs/etc"
  for ((f = 0; f < files_per_layer; f++)); do
    head -c "$((file_kib * 1024))" /dev/urandom >"$rootfs/data/layer$l/file$f.bin"
  done
  echo "layer $l" >"$rootfs/etc/layer"
  if ((l == layers - 1)); then
    : >"$rootfs/data/.wh.layer0"
  fi
  tar -C "$rootfs" -cf "$work/layer.tar" .
  rm -rf "$rootfs"
  id=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
  mkdir -p "$image/$id"
  mv "$work/layer.tar" "$image/$id/layer.tar"
  diff_ids+=("\"sha256:$id\"")
  layer_paths+=("\"$id/layer.tar\"")
done
join() { local IFS=,; echo "$*"; }
printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":[%s]}}' \
  "$(join "${diff_ids[@]}")" >"$work/config.json"
config=$(sha256sum "$work/config.json" | cut -d' ' -f1)
mv "$work/config.json" "$image/$config.json"
printf '[{"Config":"%s.json","RepoTags":["bench/image-load:latest"],"Layers":[%s]}]' \
  "$config" "$(join "${layer_paths[@]}")" >"$image/manifest.json"
archive=$work/archive.tar
tar -C "$image" -cf "$archive" .
echo "archive: $(du -m "$archive" | cut -f1) MB, $layers layers" >&2

# --- the contenders ------------------------------------------------------------------------
cat >"$work/load.mjs" <<EOF
import { createReadStream } from 'node:fs';
import { ImageStore } from '$repo/dist/engine/images/image-store.js';
const store = await ImageStore.open(process.argv[2]);
await store.load(createReadStream(process.argv[3], { highWaterMark: 1 << 20 }));
EOF
cat >"$work/untar.sh" <<EOF
set -e
mkdir -p "$work/untar"
for layer in "$image"/*/layer.tar; do
  dir="$work/untar/\$(basename "\$(dirname "\$layer")")"
  mkdir -p "\$dir" && tar -C "\$dir" -xf "\$layer"
done
EOF

podman=(podman --root "$work/podman/root" --runroot "$work/podman/run" --storage-driver overlay)
reset="rm -rf $work/store $work/untar $work/podman; sync"
hyperfine --runs "$runs" --prepare "$reset" --export-json "$work/result.json" \
  --command-name tcompose "node $work/load.mjs $work/store $archive" \
  --command-name podman "${podman[*]} load -q -i $archive" \
  --command-name 'tar -x' "bash $work/untar.sh"
"${podman[@]}" system reset -f >/dev/null 2>&1 || true

node -e "
  const { results } = JSON.parse(require('node:fs').readFileSync('$work/result.json', 'utf8'));
  const mean = Object.fromEntries(results.map((r) => [r.command, r.mean]));
  console.log('ratio tcompose/podman: ' + (mean.tcompose / mean.podman).toFixed(2) +
    '   tcompose/tar-x: ' + (mean.tcompose / mean['tar -x']).toFixed(2));
"
