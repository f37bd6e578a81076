#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* A document's values live in mmap'd blocks released at once by json_free: no heap
 * fragmentation, and a process that drops a large config (the monitor) really gets the memory back. */
typedef struct arena_block {
  struct arena_block *next;
  size_t used, size;
} arena_block;

typedef struct {
  const char *p, *end;
  int line;
  int depth;
  arena_block *arena;
} parser;

static void *arena_alloc(parser *ps, size_t size) {
  size = (size + 15) & ~(size_t)15;
  arena_block *b = ps->arena;
  if (!b || b->used + size > b->size) {
    size_t want = sizeof(arena_block) + size;
    size_t block = want > 65536 ? (want + 4095) & ~(size_t)4095 : 65536;
    arena_block *fresh = mmap(NULL, block, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (fresh == MAP_FAILED) {
      static const char message[] = "tcrun: out of memory\n";
      if (write(2, message, sizeof(message) - 1) < 0) _exit(1);
      _exit(1);
    }
    fresh->next = b;
    fresh->used = (sizeof(arena_block) + 15) & ~(size_t)15;
    fresh->size = block;
    ps->arena = b = fresh;
  }
  void *p = (char *)b + b->used;
  b->used += size;
  return p;
}

static void arena_release(arena_block *b) {
  while (b) {
    arena_block *next = b->next;
    munmap(b, b->size);
    b = next;
  }
}

static char *arena_copy(parser *ps, const char *data, size_t len) {
  char *p = arena_alloc(ps, len + 1);
  memcpy(p, data, len);
  p[len] = '\0';
  return p;
}

static json_value *parse_value(parser *ps);

static json_value *syntax_error(parser *ps, const char *why) {
  fail("invalid JSON at line %d: %s", ps->line, why);
  return NULL;
}

static void skip_space(parser *ps) {
  while (ps->p < ps->end) {
    char c = *ps->p;
    if (c == '\n') ps->line++;
    else if (c != ' ' && c != '\t' && c != '\r') return;
    ps->p++;
  }
}

static json_value *new_value(parser *ps, json_type type) {
  json_value *v = arena_alloc(ps, sizeof(*v)); /* mmap'd memory is zeroed */
  v->type = type;
  v->line = ps->line;
  return v;
}

static int hex4(const char *p, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
    else return -1;
  }
  *out = v;
  return 0;
}

static void put_utf8(strbuf *sb, unsigned cp) {
  char b[4];
  size_t n;
  if (cp < 0x80) {
    b[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    b[0] = (char)(0xC0 | (cp >> 6));
    b[1] = (char)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    b[0] = (char)(0xE0 | (cp >> 12));
    b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    b[2] = (char)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    b[0] = (char)(0xF0 | (cp >> 18));
    b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    b[3] = (char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  sb_append(sb, b, n);
}

static int parse_string_raw(parser *ps, strbuf *sb) {
  ps->p++; /* opening quote */
  while (ps->p < ps->end) {
    unsigned char c = (unsigned char)*ps->p++;
    if (c == '"') {
      if (!sb->data) sb_append(sb, "", 0);
      return 0;
    }
    if (c < 0x20) {
          syntax_error(ps, "control character in string");
          return -1;
        }
    if (c != '\\') {
      sb_append(sb, (const char *)&c, 1);
      continue;
    }
    if (ps->p >= ps->end) break;
    char e = *ps->p++;
    switch (e) {
      case '"': sb_puts(sb, "\""); break;
      case '\\': sb_puts(sb, "\\"); break;
      case '/': sb_puts(sb, "/"); break;
      case 'b': sb_puts(sb, "\b"); break;
      case 'f': sb_puts(sb, "\f"); break;
      case 'n': sb_puts(sb, "\n"); break;
      case 'r': sb_puts(sb, "\r"); break;
      case 't': sb_puts(sb, "\t"); break;
      case 'u': {
        unsigned cp;
        if (ps->end - ps->p < 4 || hex4(ps->p, &cp) < 0) {
          syntax_error(ps, "bad \\u escape");
          return -1;
        }
        ps->p += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && ps->end - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u') {
          unsigned low;
          if (hex4(ps->p + 2, &low) == 0 && low >= 0xDC00 && low < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            ps->p += 6;
          }
        }
        put_utf8(sb, cp);
        break;
      }
      default: {
          syntax_error(ps, "bad escape in string");
          return -1;
        }
    }
  }
  syntax_error(ps, "unterminated string");
  return -1;
}

static json_value *parse_string(parser *ps) {
  json_value *v = new_value(ps, JSON_STRING);
  strbuf sb = {0};
  if (parse_string_raw(ps, &sb) < 0) {
    sb_free(&sb);
    return NULL;
  }
  v->string = arena_copy(ps, sb.data, sb.len);
  v->length = sb.len;
  sb_free(&sb);
  return v;
}

static json_value *parse_number(parser *ps) {
  const char *start = ps->p;
  if (ps->p < ps->end && *ps->p == '-') ps->p++;
  int integer = 1;
  while (ps->p < ps->end && strchr("0123456789.eE+-", *ps->p)) {
    if (strchr(".eE", *ps->p)) integer = 0;
    ps->p++;
  }
  size_t n = (size_t)(ps->p - start);
  char buf[64];
  if (n == 0 || n >= sizeof(buf)) return syntax_error(ps, "bad number");
  memcpy(buf, start, n);
  buf[n] = '\0';
  char *end;
  errno = 0;
  double d = strtod(buf, &end);
  if (*end || !isfinite(d)) return syntax_error(ps, "bad number");
  json_value *v = new_value(ps, JSON_NUMBER);
  v->number = d;
  if (integer) {
    errno = 0;
    long long i = strtoll(buf, &end, 10);
    if (!errno && !*end) {
      v->is_integer = 1;
      v->integer = i;
    } else if (buf[0] != '-') {
      /* Values above INT64_MAX (e.g. uint64 masks) keep their bits. */
      unsigned long long u = strtoull(buf, &end, 10);
      if (!*end) {
        v->is_integer = 1;
        v->integer = (long long)u;
      }
    }
  }
  return v;
}

static json_value *parse_literal(parser *ps, const char *word, json_type type, int boolean) {
  size_t n = strlen(word);
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n)) return syntax_error(ps, "unexpected character");
  ps->p += n;
  json_value *v = new_value(ps, type);
  v->boolean = boolean;
  return v;
}

static void append_item(parser *ps, json_value *v, char *key, json_value *item) {
  /* Capacity doubles at powers of two (8, 16, ...): arrays are copied, the old ones stay in the arena. */
  if (v->count >= 8 && (v->count & (v->count - 1)) == 0) {
    json_value **items = arena_alloc(ps, 2 * v->count * sizeof(*items));
    memcpy(items, v->items, v->count * sizeof(*items));
    v->items = items;
    if (v->type == JSON_OBJECT) {
      char **keys = arena_alloc(ps, 2 * v->count * sizeof(*keys));
      memcpy(keys, v->keys, v->count * sizeof(*keys));
      v->keys = keys;
    }
  } else if (v->count == 0) {
    v->items = arena_alloc(ps, 8 * sizeof(*v->items));
    if (v->type == JSON_OBJECT) v->keys = arena_alloc(ps, 8 * sizeof(*v->keys));
  }
  v->items[v->count] = item;
  if (v->type == JSON_OBJECT) v->keys[v->count] = key;
  v->count++;
}

static json_value *parse_container(parser *ps, json_type type) {
  char close = type == JSON_ARRAY ? ']' : '}';
  if (++ps->depth > 200) return syntax_error(ps, "nesting too deep");
  json_value *v = new_value(ps, type);
  ps->p++;
  skip_space(ps);
  if (ps->p < ps->end && *ps->p == close) {
    ps->p++;
    ps->depth--;
    return v;
  }
  for (;;) {
    char *key = NULL;
    skip_space(ps);
    if (type == JSON_OBJECT) {
      if (ps->p >= ps->end || *ps->p != '"') goto bad_key;
      strbuf sb = {0};
      if (parse_string_raw(ps, &sb) < 0) {
        sb_free(&sb);
        goto fail;
      }
      key = arena_copy(ps, sb.data, sb.len);
      sb_free(&sb);
      skip_space(ps);
      if (ps->p >= ps->end || *ps->p != ':') {
        syntax_error(ps, "expected ':' after object key");
        goto fail;
      }
      ps->p++;
    }
    json_value *item = parse_value(ps);
    if (!item) goto fail;
    append_item(ps, v, key, item);
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == ',') {
      ps->p++;
      continue;
    }
    if (ps->p < ps->end && *ps->p == close) {
      ps->p++;
      ps->depth--;
      return v;
    }
    syntax_error(ps, type == JSON_ARRAY ? "expected ',' or ']'" : "expected ',' or '}'");
    goto fail;
  }
bad_key:
  syntax_error(ps, "expected a string key");
fail:
  return NULL;
}

static json_value *parse_value(parser *ps) {
  skip_space(ps);
  if (ps->p >= ps->end) return syntax_error(ps, "unexpected end of input");
  switch (*ps->p) {
    case '{': return parse_container(ps, JSON_OBJECT);
    case '[': return parse_container(ps, JSON_ARRAY);
    case '"': return parse_string(ps);
    case 't': return parse_literal(ps, "true", JSON_BOOL, 1);
    case 'f': return parse_literal(ps, "false", JSON_BOOL, 0);
    case 'n': return parse_literal(ps, "null", JSON_NULL, 0);
    default:
      if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9')) return parse_number(ps);
      return syntax_error(ps, "unexpected character");
  }
}

json_value *json_parse(const char *text, size_t len) {
  parser ps = {text, text + len, 1, 0, NULL};
  json_value *v = parse_value(&ps);
  skip_space(&ps);
  if (v && ps.p != ps.end) v = syntax_error(&ps, "unexpected data after the value");
  if (!v) {
    arena_release(ps.arena);
    return NULL;
  }
  /* The root records its arena; the root of every document is what json_free takes. */
  v->arena = ps.arena;
  return v;
}

void json_free(json_value *root) {
  if (root) arena_release(root->arena);
}

json_value *json_get(const json_value *object, const char *key) {
  if (!object || object->type != JSON_OBJECT) return NULL;
  for (size_t i = object->count; i-- > 0;)
    if (!strcmp(object->keys[i], key)) return object->items[i];
  return NULL;
}

const char *json_type_name(json_type type) {
  static const char *names[] = {"null", "boolean", "number", "string", "array", "object"};
  return names[type];
}

/* Length of the valid UTF-8 sequence at p, or 0 when the bytes are not one. */
static size_t utf8_sequence(const unsigned char *p, size_t left) {
  size_t n;
  unsigned cp;
  if (p[0] < 0x80) return 1;
  if ((p[0] & 0xE0) == 0xC0) n = 2, cp = p[0] & 0x1F;
  else if ((p[0] & 0xF0) == 0xE0) n = 3, cp = p[0] & 0x0F;
  else if ((p[0] & 0xF8) == 0xF0) n = 4, cp = p[0] & 0x07;
  else return 0;
  if (n > left) return 0;
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  static const unsigned minimum[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < minimum[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) return 0;
  return n;
}

void json_write_string(strbuf *sb, const char *s, size_t len) {
  const unsigned char *p = (const unsigned char *)s;
  sb_append(sb, "\"", 1);
  size_t run = 0; /* bytes copied verbatim in one go */
  for (size_t i = 0; i < len;) {
    unsigned char c = p[i];
    const char *escape = NULL;
    char unicode[8];
    size_t n = 1;
    if (c == '"') escape = "\\\"";
    else if (c == '\\') escape = "\\\\";
    else if (c == '\n') escape = "\\n";
    else if (c == '\r') escape = "\\r";
    else if (c == '\t') escape = "\\t";
    else if (c < 0x20 || c == 0x7F) {
      snprintf(unicode, sizeof(unicode), "\\u%04x", c);
      escape = unicode;
    } else if (c >= 0x80 && !(n = utf8_sequence(p + i, len - i))) {
      escape = "\\ufffd";
      n = 1;
    }
    if (escape) {
      sb_append(sb, s + i - run, run);
      run = 0;
      sb_puts(sb, escape);
    } else {
      run += n;
    }
    i += n;
  }
  sb_append(sb, s + len - run, run);
  sb_append(sb, "\"", 1);
}
