#!/usr/bin/env bash
# Makes a `busybox:latest` image as a `docker save` archive from Debian's busybox-static
# (installed with apt-get when missing): the base image for tests and examples, since no
# registry is reachable here. Reproducible: fixed mtimes, owners and entry order, so the
# same busybox package always gives the same image ID.
#
# usage: scripts/busybox-image.sh [OUTPUT.tar]   (default: build/busybox.tar in the repo)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
output=${1:-$repo/build/busybox.tar}
busybox=/bin/busybox
epoch=1704067200 # 2024-01-01T00:00:00Z
created=2024-01-01T00:00:00Z

if ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed'; then
  echo "installing busybox-static" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends busybox-static >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs
image=$work/image
mkdir -p "$rootfs" "$image"

# --- root filesystem -------------------------------------------------------------
mkdir -p "$rootfs"/{bin,dev,etc,proc,root,sys,tmp,var/www,var/spool,home,usr/bin,usr/sbin,sbin}
cp "$busybox" "$rootfs/bin/busybox"
chmod 0755 "$rootfs/bin/busybox"
for applet in $("$busybox" --list); do
  case "$applet" in busybox | */* | .*) continue ;; esac
  ln -s busybox "$rootfs/bin/$applet"
done

cat >"$rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$rootfs/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
wheel:x:10:root
www-data:x:33:
users:x:100:
nogroup:x:65534:
EOF
echo 'hosts: files dns' >"$rootfs/etc/nsswitch.conf"
chmod 0644 "$rootfs"/etc/*
chmod 1777 "$rootfs/tmp"
chmod 0700 "$rootfs/root"
chmod 0755 "$rootfs"/{bin,dev,etc,proc,sys,var,var/www,var/spool,home,usr,usr/bin,usr/sbin,sbin}

reproducible_tar() { # DIR OUTPUT: a tar of DIR's contents with fixed order, owners and mtimes
  tar --create --file="$2" --directory="$1" --format=gnu --sort=name \
    --mtime="@$epoch" --owner=0 --group=0 --numeric-owner .
}

sha256() { sha256sum "$1" | cut -d' ' -f1; }

# --- image -----------------------------------------------------------------------
reproducible_tar "$rootfs" "$work/layer.tar"
diff_id=$(sha256 "$work/layer.tar")
layer_id=$diff_id # any stable hex names the legacy layer directory

mkdir -p "$image/$layer_id"
mv "$work/layer.tar" "$image/$layer_id/layer.tar"
printf '1.0' >"$image/$layer_id/VERSION"
printf '{"id":"%s","created":"%s"}' "$layer_id" "$created" >"$image/$layer_id/json"

arch=$(dpkg --print-architecture)
printf '{"architecture":"%s","os":"linux","created":"%s","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"%s","created_by":"scripts/busybox-image.sh (busybox-static %s)"}]}' \
  "$arch" "$created" "$diff_id" "$created" "$(dpkg-query -W -f='${Version}' busybox-static)" >"$work/config.json"
config_id=$(sha256 "$work/config.json")
mv "$work/config.json" "$image/$config_id.json"

printf '[{"Config":"%s.json","RepoTags":["busybox:latest"],"Layers":["%s/layer.tar"]}]' \
  "$config_id" "$layer_id" >"$image/manifest.json"
printf '{"busybox":{"latest":"%s"}}' "$layer_id" >"$image/repositories"

find "$image" -exec touch -h -d "@$epoch" {} +
mkdir -p "$(dirname "$output")"
reproducible_tar "$image" "$work/image.tar"
mv "$work/image.tar" "$output"
echo "busybox:latest sha256:$config_id -> $output"
