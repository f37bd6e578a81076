#include "seccomp.h"

#include <errno.h>
#include <string.h>

#include "util.h"

#ifdef HAVE_SECCOMP
#include <seccomp.h>

int seccomp_available(void) { return 1; }

static int parse_action(const json_value *rule, const char *field, uint32_t *out) {
  const json_value *action = json_get(rule, field);
  if (!action || action->type != JSON_STRING) return fail("linux.seccomp: %s is required (line %d)", field, rule->line);
  const json_value *ret = json_get(rule, field[0] == 'd' ? "defaultErrnoRet" : "errnoRet");
  unsigned code = ret && ret->type == JSON_NUMBER ? (unsigned)ret->integer : EPERM;
  const char *a = action->string;
  if (!strcmp(a, "SCMP_ACT_ALLOW")) *out = SCMP_ACT_ALLOW;
  else if (!strcmp(a, "SCMP_ACT_ERRNO")) *out = SCMP_ACT_ERRNO(code);
  else if (!strcmp(a, "SCMP_ACT_KILL") || !strcmp(a, "SCMP_ACT_KILL_THREAD")) *out = SCMP_ACT_KILL_THREAD;
  else if (!strcmp(a, "SCMP_ACT_KILL_PROCESS")) *out = SCMP_ACT_KILL_PROCESS;
  else if (!strcmp(a, "SCMP_ACT_TRAP")) *out = SCMP_ACT_TRAP;
  else if (!strcmp(a, "SCMP_ACT_TRACE")) *out = SCMP_ACT_TRACE(ret && ret->type == JSON_NUMBER ? code : 0);
  else if (!strcmp(a, "SCMP_ACT_LOG")) *out = SCMP_ACT_LOG;
  else return fail("linux.seccomp: unsupported action %s (line %d)", a, action->line);
  return 0;
}

static int parse_op(const char *op, enum scmp_compare *out) {
  static const struct {
    const char *name;
    enum scmp_compare op;
  } ops[] = {{"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
             {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
             {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ}};
  for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
    if (!strcmp(ops[i].name, op)) return *out = ops[i].op, 0;
  return -1;
}

static uint32_t arch_token(const char *name) {
  static const struct {
    const char *name;
    uint32_t token;
  } archs[] = {{"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64}, {"SCMP_ARCH_X86", SCMP_ARCH_X86}, {"SCMP_ARCH_X32", SCMP_ARCH_X32},
               {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64}, {"SCMP_ARCH_ARM", SCMP_ARCH_ARM}};
  for (size_t i = 0; i < sizeof(archs) / sizeof(archs[0]); i++)
    if (!strcmp(archs[i].name, name)) return archs[i].token;
  return 0;
}

static int add_rule(scmp_filter_ctx ctx, uint32_t default_action, const json_value *rule) {
  uint32_t action;
  if (parse_action(rule, "action", &action) < 0) return -1;
  const json_value *names = json_get(rule, "names");
  const json_value *args = json_get(rule, "args");
  struct scmp_arg_cmp cmps[6];
  unsigned count = 0;
  for (size_t i = 0; args && args->type == JSON_ARRAY && i < args->count; i++) {
    const json_value *a = args->items[i];
    const json_value *index = json_get(a, "index"), *value = json_get(a, "value"), *two = json_get(a, "valueTwo");
    const json_value *op = json_get(a, "op");
    enum scmp_compare cmp;
    if (!index || !op || op->type != JSON_STRING || parse_op(op->string, &cmp) < 0 || index->integer > 5 || count >= 6)
      return fail("linux.seccomp: bad argument filter (line %d)", a->line);
    cmps[count++] = (struct scmp_arg_cmp){(unsigned)index->integer, cmp, value ? (scmp_datum_t)value->integer : 0,
                                          two ? (scmp_datum_t)two->integer : 0};
  }
  /* A rule that repeats the default action changes nothing (and libseccomp refuses it). */
  if (action == default_action) return 0;
  for (size_t i = 0; names && names->type == JSON_ARRAY && i < names->count; i++) {
    if (names->items[i]->type != JSON_STRING) continue;
    int nr = seccomp_syscall_resolve_name(names->items[i]->string);
    if (nr == __NR_SCMP_ERROR) continue; /* unknown on this kernel/arch: nothing to filter */
    int rc = seccomp_rule_add_array(ctx, action, nr, count, cmps);
    if (rc < 0)
      return fail("linux.seccomp: rule for %s: %s (line %d)", names->items[i]->string, strerror(-rc), rule->line);
  }
  return 0;
}

static scmp_filter_ctx build(const json_value *profile) {
  uint32_t default_action;
  if (parse_action(profile, "defaultAction", &default_action) < 0) return NULL;
  scmp_filter_ctx ctx = seccomp_init(default_action);
  if (!ctx) {
    fail("linux.seccomp: cannot initialise libseccomp");
    return NULL;
  }
  seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
  const json_value *archs = json_get(profile, "architectures");
  for (size_t i = 0; archs && archs->type == JSON_ARRAY && i < archs->count; i++) {
    uint32_t token = archs->items[i]->type == JSON_STRING ? arch_token(archs->items[i]->string) : 0;
    if (token && token != seccomp_arch_native()) seccomp_arch_add(ctx, token);
  }
  const json_value *rules = json_get(profile, "syscalls");
  for (size_t i = 0; rules && rules->type == JSON_ARRAY && i < rules->count; i++) {
    if (add_rule(ctx, default_action, rules->items[i]) < 0) {
      seccomp_release(ctx);
      return NULL;
    }
  }
  return ctx;
}

int seccomp_check(const json_value *profile) {
  scmp_filter_ctx ctx = build(profile);
  if (!ctx) return -1;
  seccomp_release(ctx);
  return 0;
}

int seccomp_install(const json_value *profile) {
  scmp_filter_ctx ctx = build(profile);
  if (!ctx) return -1;
  int rc = seccomp_load(ctx);
  seccomp_release(ctx);
  if (rc < 0) return fail("load the seccomp filter: %s", strerror(-rc));
  return 0;
}

#else

int seccomp_available(void) { return 0; }

int seccomp_check(const json_value *profile) {
  (void)profile;
  return 0;
}

/* Built without libseccomp: `tcrun features` says so and containers run unfiltered. */
int seccomp_install(const json_value *profile) {
  (void)profile;
  debug("seccomp profile ignored: tcrun was built without libseccomp");
  return 0;
}

#endif
