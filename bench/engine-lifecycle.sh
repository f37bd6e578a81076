#!/usr/bin/env bash
# The engine's container lifecycle against the runtime alone, in one run:
#   engine: create + start + wait + remove of `busybox true` over the API socket, with
#           HostConfig.NetworkMode "none" (an empty network namespace of its own)
#   tcrun:  `tcrun run` of the same OCI bundle (the config.json the engine generated), in a
#           new empty network namespace too, on the image's layers unpacked in a directory
# hyperfine times both as processes (the engine side pays a node client's startup), and
# bench/engine-client.mjs alternates both in one process for the per-operation ratio.
# Target: median ratio at most 1.5.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
tcrun=$repo/native/build/tcrun

work=$(mktemp -d /tmp/tce-bench-XXXXXX)
socket=$work/engine.sock
engine_pid=
cleanup() {
  if [ -n "$engine_pid" ]; then kill "$engine_pid" 2>/dev/null || true; wait "$engine_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

TCOMPOSE_IP_MASQ=0 TCOMPOSE_ROOT=$work TCOMPOSE_HOST=$socket node --max-semi-space-size=2 dist/engine/main.js 2>"$work/engine.log" &
engine_pid=$!
for _ in $(seq 100); do curl -sf --unix-socket "$socket" http://engine/_ping >/dev/null && break; sleep 0.1; done
api() { curl -sSf --unix-socket "$socket" "$@"; }
json=(-H 'Content-Type: application/json')

bash scripts/busybox-image.sh "$work/busybox.tar" >/dev/null
api -X POST --data-binary @"$work/busybox.tar" -H 'Content-Type: application/x-tar' http://engine/images/load >/dev/null

# The same bundle for tcrun: the engine's config.json for `busybox true`, with the rootfs
# and /etc files copied out of the container before it is removed.
id=$(api -X POST "${json[@]}" -d '{"Image":"busybox","Cmd":["true"],"HostConfig":{"NetworkMode":"none"}}' http://engine/containers/create | sed 's/.*"Id":"\([0-9a-f]*\)".*/\1/')
api -X POST "http://engine/containers/$id/start" >/dev/null
api -X POST "http://engine/containers/$id/wait" >/dev/null
bundle=$work/bundle
mkdir -p "$bundle/rootfs" "$bundle/etc"
tar -xf "$work/busybox.tar" -C "$work" && for layer in $(find "$work" -name 'layer.tar' -o -path "$work/blobs/*" -type f); do tar -xf "$layer" -C "$bundle/rootfs" 2>/dev/null || true; done
cp "$work/containers/$id/"{hostname,hosts,resolv.conf} "$bundle/etc/"
node -e '
  const fs = require("fs");
  const [source, bundle, containerDir] = process.argv.slice(1);
  const spec = JSON.parse(fs.readFileSync(source, "utf8"));
  spec.root.path = bundle + "/rootfs";
  for (const mount of spec.mounts) if (mount.source.startsWith(containerDir)) mount.source = mount.source.replace(containerDir, bundle + "/etc");
  spec.linux.cgroupsPath = "/tcompose/bench";
  // The engine joined a namespace of its network sandbox, gone with the container: tcrun makes its own.
  for (const namespace of spec.linux.namespaces) if (namespace.type === "network") delete namespace.path;
  // The engine has tcrun mount the snapshot overlay; this bundle has its rootfs unpacked.
  for (const key of Object.keys(spec.annotations)) if (key.startsWith("org.tcompose.rootfs.")) delete spec.annotations[key];
  fs.writeFileSync(bundle + "/config.json", JSON.stringify(spec));
' "$work/run/${id:0:12}/config.json" "$bundle" "$work/containers/$id"
api -X DELETE "http://engine/containers/$id" >/dev/null

runs=${RUNS:-30}
node bench/engine-client.mjs "$socket" 3 >/dev/null
node bench/engine-client.mjs "$socket" "$runs" "$tcrun" --root "$work/tcrun-bench" run --bundle "$bundle"
hyperfine --warmup 3 --runs "$runs" -N \
  "$tcrun --root $work/tcrun-bench run --bundle $bundle bench-hf" \
  "node bench/engine-client.mjs $socket 1"
