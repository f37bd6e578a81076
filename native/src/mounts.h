/* The container's filesystem: mounts from config.json, devices, pivot_root, masked and read-only paths. */
#ifndef TCRUN_MOUNTS_H
#define TCRUN_MOUNTS_H

#include "config.h"

/* Mount the rootfs as an overlay with these options (relative paths allowed), from this directory. */
#define ANNOTATION_ROOTFS_OVERLAY "org.tcompose.rootfs.overlay"
#define ANNOTATION_ROOTFS_OVERLAY_DIR "org.tcompose.rootfs.overlay.dir"

/* In the new mount namespace, before pivot_root: propagation, the rootfs bind and every mount. */
int rootfs_mount_all(const config *cfg);
/* Moves into the rootfs with pivot_root and detaches the old root. */
int rootfs_pivot(const config *cfg);
/* After pivot_root: /dev nodes and links. */
int rootfs_populate_dev(const config *cfg);
/* After pivot_root and sysctl: readonlyPaths, maskedPaths, root.readonly, shared propagation. */
int rootfs_finish(const config *cfg);

#endif
