/* Pseudo-terminals: made inside the container's devpts, the master handed to the monitor over a socket. */
#ifndef TCRUN_TERMINAL_H
#define TCRUN_TERMINAL_H

/* Opens a new pty from /dev/ptmx as the calling process sees it; returns the master, *slave set. */
int pty_open(int *slave, unsigned short rows, unsigned short cols);
/* Makes slave the controlling terminal and stdio of the calling process (which starts a new session). */
int pty_take(int slave);
int send_fd(int socket, char tag, int fd);
/* Receives a message; *fd is set when one came with it (else -1). Returns its length, 0 on EOF, -1 on error. */
int recv_message(int socket, char *buf, int size, int *fd);
/* Raw mode on the caller's terminal while relaying a container's tty; restored by terminal_restore. */
void terminal_make_raw(int fd);
void terminal_restore(void);

#endif
