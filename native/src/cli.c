/* tcrun's command line: global options, then a command with its options and the container ID. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "netns-create.h"
#include "netns-delete.h"
#include "spawner.h"
#include "util.h"

static const char usage[] =
    "usage: tcrun [--root DIR] [--log FILE] [--debug] COMMAND [options] ID\n"
    "commands:\n"
    "  create  [--bundle DIR] [--pid-file F] [monitor options] ID\n"
    "  run     [--bundle DIR] [--detach [--in-place]] [--pid-file F] [monitor options] ID\n"
    "  start ID | state ID | pause ID | resume ID\n"
    "  kill    [--all] ID [SIGNAL]\n"
    "  delete  [--force] ID\n"
    "  list    [--format table|json]\n"
    "  exec    [--env K=V]... [--cwd DIR] [--user UID[:GID]] [--tty] [--detach] [--pid-file F] ID -- CMD [ARGS...]\n"
    "  features\n"
    "  spawner   (runs programs for the engine: framed requests on stdin, replies on stdout)\n"
    "  netns-create PATH   (a network namespace bound on PATH, its veths from stdin: see netns-create.h)\n"
    "  netns-delete PATH...   (unmounts and removes namespace files)\n"
    "monitor options: --log-path FILE --exit-file FILE --attach-socket PATH --stdin-once --monitor-pid-file FILE\n"
    "                 --rm (the monitor deletes the container when it exits, before writing the exit file)\n";

typedef struct {
  int argc;
  char **argv;
  int i;
  const char *command;
  char *positional[4];
  int positional_count;
} arg_reader;

/* Matches --name VALUE, --name=VALUE or a short alias; the value is stored in *out. */
static int take_value(arg_reader *r, const char *name, const char *alias, const char **out) {
  const char *arg = r->argv[r->i];
  size_t n = strlen(name);
  if (!strncmp(arg, name, n) && arg[n] == '=') {
    *out = arg + n + 1;
    return 1;
  }
  if (strcmp(arg, name) && (!alias || strcmp(arg, alias))) return 0;
  if (r->i + 1 >= r->argc) {
    fprintf(stderr, "tcrun: %s: option %s needs a value\n", r->command, name);
    exit(1);
  }
  *out = r->argv[++r->i];
  return 1;
}

static int take_flag(arg_reader *r, const char *name, const char *alias, int *out) {
  const char *arg = r->argv[r->i];
  if (strcmp(arg, name) && (!alias || strcmp(arg, alias))) return 0;
  *out = 1;
  return 1;
}

static void unknown_option(arg_reader *r) {
  fprintf(stderr, "tcrun: %s: unknown option %s\n", r->command, r->argv[r->i]);
  exit(1);
}

static void add_positional(arg_reader *r) {
  if (r->positional_count >= 4) {
    fprintf(stderr, "tcrun: %s: unexpected argument %s\n", r->command, r->argv[r->i]);
    exit(1);
  }
  r->positional[r->positional_count++] = r->argv[r->i];
}

static const char *require_id(arg_reader *r, int max_positional) {
  if (r->positional_count < 1) {
    fprintf(stderr, "tcrun: %s: missing container ID\n%s", r->command, usage);
    exit(1);
  }
  if (r->positional_count > max_positional) {
    fprintf(stderr, "tcrun: %s: unexpected argument %s\n", r->command, r->positional[max_positional]);
    exit(1);
  }
  return r->positional[0];
}

static int parse_create(arg_reader *r, create_options *o) {
  for (; r->i < r->argc; r->i++) {
    monitor_options *m = &o->monitor;
    const char *arg = r->argv[r->i];
    if (take_value(r, "--bundle", "-b", &o->bundle) || take_value(r, "--pid-file", NULL, &o->pid_file) ||
        take_value(r, "--log-path", NULL, &m->log_path) || take_value(r, "--exit-file", NULL, &m->exit_file) ||
        take_value(r, "--attach-socket", NULL, &m->attach_socket) ||
        take_value(r, "--monitor-pid-file", NULL, &m->monitor_pid_file) ||
        take_flag(r, "--stdin-once", NULL, &m->stdin_once) || take_flag(r, "--rm", NULL, &m->remove_on_exit) ||
        (!strcmp(r->command, "run") &&
         (take_flag(r, "--detach", "-d", &o->detach) || take_flag(r, "--in-place", NULL, &o->in_place))))
      continue;
    if (arg[0] == '-' && arg[1]) unknown_option(r);
    add_positional(r);
  }
  return 0;
}

static int parse_exec(arg_reader *r, exec_options *o) {
  o->env = xcalloc((size_t)r->argc, sizeof(char *));
  for (; r->i < r->argc; r->i++) {
    const char *arg = r->argv[r->i], *env;
    if (r->positional_count == 1) {
      /* Everything after the ID is the command, with or without "--". */
      if (!strcmp(arg, "--")) r->i++;
      o->argv = r->argv + r->i;
      break;
    }
    if (take_value(r, "--env", "-e", &env)) {
      o->env[o->env_count++] = (char *)env;
      continue;
    }
    if (take_value(r, "--cwd", NULL, &o->cwd) || take_value(r, "--user", "-u", &o->user) ||
        take_flag(r, "--tty", "-t", &o->tty) || take_flag(r, "--detach", "-d", &o->detach) ||
        take_value(r, "--pid-file", NULL, &o->pid_file))
      continue;
    if (arg[0] == '-' && arg[1]) unknown_option(r);
    add_positional(r);
  }
  if (!o->argv || !o->argv[0]) {
    fprintf(stderr, "tcrun: exec: missing command (tcrun exec ID -- CMD [ARGS...])\n");
    exit(1);
  }
  return 0;
}

/* Reads options valid for simple commands (flags listed in names), leaving positional arguments. */
static void parse_simple(arg_reader *r, const char *flag, const char *alias, int *flag_value, const char **format) {
  for (; r->i < r->argc; r->i++) {
    const char *arg = r->argv[r->i];
    if ((flag && take_flag(r, flag, alias, flag_value)) || (format && take_value(r, "--format", "-f", format))) continue;
    if (arg[0] == '-' && arg[1] && !(r->positional_count == 1 && !strcmp(r->command, "kill"))) unknown_option(r);
    add_positional(r);
  }
}

static int dispatch(const global_options *g, arg_reader *r) {
  const char *cmd = r->command;
  int flag = 0;
  if (!strcmp(cmd, "create") || !strcmp(cmd, "run")) {
    create_options o = {0};
    parse_create(r, &o);
    const char *id = require_id(r, 1);
    return !strcmp(cmd, "run") ? cmd_run(g, id, &o) : cmd_create(g, id, &o);
  }
  if (!strcmp(cmd, "exec")) {
    exec_options o = {0};
    parse_exec(r, &o);
    return cmd_exec(g, require_id(r, 1), &o);
  }
  if (!strcmp(cmd, "kill")) {
    parse_simple(r, "--all", "-a", &flag, NULL);
    const char *id = require_id(r, 2);
    return cmd_kill(g, id, r->positional_count > 1 ? r->positional[1] : NULL, flag);
  }
  if (!strcmp(cmd, "delete") || !strcmp(cmd, "rm")) {
    parse_simple(r, "--force", "-f", &flag, NULL);
    return cmd_delete(g, require_id(r, 1), flag);
  }
  if (!strcmp(cmd, "list") || !strcmp(cmd, "ps")) {
    const char *format = "table";
    parse_simple(r, "--quiet", "-q", &flag, &format);
    if (strcmp(format, "json") && strcmp(format, "table")) {
      fprintf(stderr, "tcrun: list: --format must be table or json\n");
      return 1;
    }
    return cmd_list(g, !strcmp(format, "json"));
  }
  if (!strcmp(cmd, "features")) return cmd_features();
  if (!strcmp(cmd, "spawner")) return spawner_serve();
  if (!strcmp(cmd, "netns-create")) {
    parse_simple(r, NULL, NULL, NULL, NULL);
    return cmd_netns_create(require_id(r, 1));
  }
  if (!strcmp(cmd, "netns-delete")) return cmd_netns_delete(r->argc - r->i, r->argv + r->i);
  static const char *simple[] = {"start", "state", "pause", "resume"};
  for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
    if (strcmp(cmd, simple[i])) continue;
    parse_simple(r, NULL, NULL, NULL, NULL);
    const char *id = require_id(r, 1);
    if (!strcmp(cmd, "start")) return cmd_start(g, id);
    if (!strcmp(cmd, "state")) return cmd_state(g, id);
    return cmd_pause(g, id, !strcmp(cmd, "pause"));
  }
  fprintf(stderr, "tcrun: unknown command %s\n%s", cmd, usage);
  return 1;
}

int tcrun_main(int argc, char **argv) {
  global_options g = {.root = "/run/tcrun"};
  int debug_enabled = 0;
  arg_reader r = {.argc = argc, .argv = argv, .i = 1, .command = "tcrun"};
  for (; r.i < argc && argv[r.i][0] == '-'; r.i++) {
    const char *ignored;
    if (take_value(&r, "--root", NULL, &g.root) || take_value(&r, "--log", NULL, &g.debug_log) ||
        take_flag(&r, "--debug", NULL, &debug_enabled) || take_value(&r, "--log-format", NULL, &ignored))
      continue;
    if (!strcmp(argv[r.i], "--help") || !strcmp(argv[r.i], "-h")) {
      fputs(usage, stdout);
      return 0;
    }
    if (!strcmp(argv[r.i], "--version") || !strcmp(argv[r.i], "-v")) {
      puts("tcrun version 0.1.0\nspec: 1.0.2");
      return 0;
    }
    unknown_option(&r);
  }
  if (r.i >= argc) {
    fputs(usage, stderr);
    return 1;
  }
  g.root = absolute_path(g.root);
  debug_open(g.debug_log, debug_enabled);
  r.command = argv[r.i++];
  /* Commands return -1 for their own errors; run and exec otherwise pass the program's status through. */
  int status = dispatch(&g, &r);
  if (status >= 0) return status;
  const char *id = r.positional_count > 0 ? r.positional[0] : NULL;
  fprintf(stderr, "tcrun: %s%s%s: %s\n", r.command, id ? " " : "", id ? id : "", last_error());
  return 1;
}

int main(int argc, char **argv) { return tcrun_main(argc, argv); }
