/* Linux capability names and applying the five OCI capability sets. */
#ifndef TCRUN_CAPABILITIES_H
#define TCRUN_CAPABILITIES_H

#include <stdint.h>

#include "config.h"

/* Number of CAP_* for a name such as "CAP_NET_RAW", -1 when unknown. */
int capability_from_name(const char *name);
const char *capability_name(int cap);
int capability_count(void);
/* Drops the bounding set to what the process keeps; call while still root. */
int capabilities_drop_bounding(const process_spec *process);
/* Sets effective, permitted, inheritable and ambient; call after changing user. With hold_admin,
   CAP_SYS_ADMIN stays effective and permitted beside them (to load a seccomp filter without
   no_new_privs); a later call without it leaves exactly the requested sets. */
int capabilities_apply(const process_spec *process, int hold_admin);

#endif
