#include "capabilities.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

static const char *const names[] = {
    "CAP_CHOWN",           "CAP_DAC_OVERRIDE",   "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
    "CAP_FSETID",          "CAP_KILL",           "CAP_SETGID",          "CAP_SETUID",
    "CAP_SETPCAP",         "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",       "CAP_NET_RAW",        "CAP_IPC_LOCK",        "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",      "CAP_SYS_RAWIO",      "CAP_SYS_CHROOT",      "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",       "CAP_SYS_ADMIN",      "CAP_SYS_BOOT",        "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",    "CAP_SYS_TIME",       "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
    "CAP_LEASE",           "CAP_AUDIT_WRITE",    "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",    "CAP_MAC_ADMIN",      "CAP_SYSLOG",          "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",   "CAP_AUDIT_READ",     "CAP_PERFMON",         "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

int capability_count(void) { return (int)(sizeof(names) / sizeof(names[0])); }

const char *capability_name(int cap) { return cap >= 0 && cap < capability_count() ? names[cap] : NULL; }

int capability_from_name(const char *name) {
  for (int i = 0; i < capability_count(); i++)
    if (!strcasecmp(names[i], name) || !strcasecmp(names[i] + 4, name)) return i;
  return -1;
}

/* The kernel's highest capability: sets may name newer ones than it knows. */
static int last_capability(void) {
  static int last = -1;
  if (last < 0) {
    char *text = read_file("/proc/sys/kernel/cap_last_cap", NULL);
    last = text ? atoi(text) : CAP_LAST_CAP;
    free(text);
  }
  return last;
}

int capabilities_drop_bounding(const process_spec *process) {
  for (int cap = 0; cap <= last_capability(); cap++) {
    if (process->bounding & (1ULL << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
      return fail_errno("drop %s from the bounding set", capability_name(cap));
  }
  return 0;
}

int capabilities_apply(const process_spec *process, int hold_admin) {
  uint64_t known = last_capability() >= 63 ? ~0ULL : (1ULL << (last_capability() + 1)) - 1;
  uint64_t held = hold_admin ? 1ULL << CAP_SYS_ADMIN : 0;
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  uint64_t sets[3] = {(process->effective | held) & known, (process->permitted | held) & known,
                      process->inheritable & known};
  for (int i = 0; i < 2; i++) {
    data[i].effective = (uint32_t)(sets[0] >> (32 * i));
    data[i].permitted = (uint32_t)(sets[1] >> (32 * i));
    data[i].inheritable = (uint32_t)(sets[2] >> (32 * i));
  }
  if (syscall(SYS_capset, &header, data) < 0) return fail_errno("set capabilities");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return fail_errno("clear ambient capabilities");
  for (int cap = 0; cap <= last_capability(); cap++) {
    if (!(process->ambient & (1ULL << cap))) continue;
    /* The kernel refuses capabilities missing from permitted or inheritable: skipped, as runc does. */
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
      debug("ambient %s not raised: it is not both permitted and inheritable", capability_name(cap));
  }
  return 0;
}
