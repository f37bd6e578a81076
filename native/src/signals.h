/* Signal names as kill(1) and runc accept them: TERM, SIGTERM, 15. */
#ifndef TCRUN_SIGNALS_H
#define TCRUN_SIGNALS_H

/* The signal number for a name or number, -1 when unknown. */
int signal_from_string(const char *text);
/* Exit status for a wait status: the code, or 128+N after a signal. */
int exit_status_of(int wait_status);

#endif
