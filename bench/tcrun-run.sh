#!/usr/bin/env bash
# `tcrun run` of /bin/true against `crun run` and `runc run` on the same busybox bundle, in one
# hyperfine run: medians and tcrun's ratio to each. Needs root, hyperfine, crun, runc, busybox-static.
set -euo pipefail
cd "$(dirname "$0")/.."
make -s -C native
tcrun="$PWD/native/build/tcrun"
work=$(mktemp -d /tmp/tcrun-bench.XXXXXX)
cleanup() {
  rm -rf "$work"
  # crun and runc leave the parent of the bench cgroups behind: remove it when empty.
  for dir in /sys/fs/cgroup/tcrun-bench /sys/fs/cgroup/*/tcrun-bench; do [ -d "$dir" ] && rmdir "$dir" 2>/dev/null; done
  return 0
}
trap cleanup EXIT

# A busybox rootfs and a config.json with the usual namespaces and mounts (as Docker writes them).
rootfs="$work/bundle/rootfs"
mkdir -p "$rootfs"/{bin,proc,sys,dev,tmp,etc}
cp /bin/busybox "$rootfs/bin/busybox"
for applet in $(/bin/busybox --list-full); do
  mkdir -p "$rootfs/$(dirname "$applet")"
  [ -e "$rootfs/$applet" ] || ln -s /bin/busybox "$rootfs/$applet"
done
node -e '
const [rootfs, file, tag] = process.argv.slice(1);
const caps = ["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW","CAP_SETGID",
  "CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"];
const config = {
  ociVersion: "1.0.2",
  process: { terminal: false, user: { uid: 0, gid: 0 }, args: ["/bin/true"], cwd: "/",
    env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],
    capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: caps },
    rlimits: [{ type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 }], noNewPrivileges: true },
  root: { path: rootfs, readonly: true },
  hostname: "bench",
  mounts: [
    { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
    { destination: "/dev/pts", type: "devpts", source: "devpts",
      options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
    { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
    { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
  ],
  linux: {
    cgroupsPath: `/tcrun-bench/${tag}`,
    resources: { devices: [{ allow: false, access: "rwm" }] },
    namespaces: ["pid", "network", "ipc", "uts", "mount", "cgroup"].map((type) => ({ type })),
    maskedPaths: ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"],
    readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
  },
};
require("fs").writeFileSync(file, JSON.stringify(config, null, 2));
' "$rootfs" "$work/bundle/config.json" "$$"

# crun 1.8 needs hugetlb on a v1 hierarchy on hybrid machines (MACHINE-NOTES): a host fix, kept.
if grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; then
  flock /tmp/tcompose-hugetlb.lock sh -c 'mountpoint -q /sys/fs/cgroup/hugetlb ||
    { mkdir -p /sys/fs/cgroup/hugetlb && mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb; }'
fi

bundle="$work/bundle"
hyperfine --warmup 5 --runs "${RUNS:-50}" --export-json "$work/result.json" --style basic \
  -n tcrun "$tcrun --root $work/tcrun run --bundle $bundle bench-$$" \
  -n crun "crun --root $work/crun run --bundle $bundle bench-$$" \
  -n runc "runc --root $work/runc run --bundle $bundle bench-$$"

node -e '
const { results } = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const median = Object.fromEntries(results.map((r) => [r.command, r.median * 1000]));
for (const [name, ms] of Object.entries(median)) console.log(`${name.padEnd(6)} median ${ms.toFixed(2)} ms`);
console.log(`tcrun/crun ${(median.tcrun / median.crun).toFixed(2)}  tcrun/runc ${(median.tcrun / median.runc).toFixed(2)}`);
' "$work/result.json"
