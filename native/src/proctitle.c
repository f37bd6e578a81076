#include "proctitle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* Fields 48-51 of /proc/self/stat: arg_start, arg_end, env_start, env_end (counted from 1). */
static int read_areas(unsigned long *arg_start, unsigned long *arg_end, unsigned long *env_end) {
  char *stat = read_file("/proc/self/stat", NULL);
  if (!stat) return -1;
  /* The command name may hold spaces: fields are counted from its closing parenthesis (field 2). */
  char *p = strrchr(stat, ')');
  unsigned long values[4] = {0};
  int field = 2;
  for (; p && *p; p++) {
    if (*p != ' ') continue;
    field++;
    if (field >= 48 && field <= 51) values[field - 48] = strtoul(p + 1, NULL, 10);
  }
  free(stat);
  *arg_start = values[0];
  *arg_end = values[1];
  *env_end = values[3];
  return *arg_start && *arg_end > *arg_start && *env_end >= *arg_end ? 0 : -1;
}

int proctitle_init(proctitle_area *area) {
  unsigned long arg_start, arg_end, env_end;
  if (read_areas(&arg_start, &arg_end, &env_end) < 0) return -1;
  size_t count = 0;
  while (environ[count]) count++;
  char **copy = xcalloc(count + 1, sizeof(char *));
  for (size_t i = 0; i < count; i++) copy[i] = xstrdup(environ[i]);
  environ = copy;
  area->start = (char *)arg_start;
  area->args_end = (char *)arg_end;
  area->end = (char *)env_end;
  return 0;
}

void proctitle_set(const proctitle_area *area, char **argv, size_t argc) {
  size_t size = (size_t)(area->end - area->start);
  if (size < 2) return;
  size_t at = 0;
  for (size_t i = 0; i < argc && at < size - 1; i++) {
    if (i > 0) area->start[at++] = ' ';
    size_t len = strlen(argv[i]);
    if (len > size - 1 - at) len = size - 1 - at;
    memcpy(area->start + at, argv[i], len);
    at += len;
  }
  /* The kernel reads a title, up to its NUL, only when the byte that ended the original arguments is no
   * longer a NUL: a title shorter than them is padded with spaces past that byte. */
  size_t args_size = (size_t)(area->args_end - area->start);
  while (at < args_size && at < size - 1) area->start[at++] = ' ';
  memset(area->start + at, 0, size - at);
}
