/* `tcrun spawner`: runs programs for the engine, so that its large process never forks itself. */
#ifndef TCRUN_SPAWNER_H
#define TCRUN_SPAWNER_H

/* A request's flag: answer once the program's output ends (stdout and stderr closed), without waiting for
 * it to exit; the status is then 0 unless it had exited. For a program that lives on after its answer,
 * like `tcrun run --detach --in-place`. */
#define SPAWN_ANSWER_AT_EOF 1u

/* Serves requests on stdin, answers on stdout (frames: u32 little-endian length, then payload):
 *   request: u32 id, u32 flags, u32 input length, the input (the program's stdin), then the program and
 *            its arguments each NUL-terminated (PATH is searched);
 *   reply:   u32 id, i32 exit status (128+N after signal N, 127 when it cannot run), u32 stdout
 *            length, stdout, stderr; sent once the program exited and its output is complete.
 * Programs run concurrently with the spawner's environment and cwd; stdin is /dev/null without input.
 * A program that is this tcrun runs in a fork of the spawner, without an exec (see exec_child).
 * Returns 0 at EOF on stdin, -1 (error set) on a malformed request; dies with its parent. */
int spawner_serve(void);

#endif
