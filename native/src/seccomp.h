/* linux.seccomp (OCI form of Docker's profiles) loaded with libseccomp when it was there at build time. */
#ifndef TCRUN_SECCOMP_H
#define TCRUN_SECCOMP_H

#include "json.h"

int seccomp_available(void);
/* Checks the profile before anything is created, so a bad profile fails `create` cleanly. */
int seccomp_check(const json_value *profile);
/* Installs the filter in the calling process: the last step before execve. */
int seccomp_install(const json_value *profile);

#endif
