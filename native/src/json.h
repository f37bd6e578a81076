/* A small JSON reader (a tree of values with line numbers) and string writer. */
#ifndef TCRUN_JSON_H
#define TCRUN_JSON_H

#include <stddef.h>

#include "util.h"

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type;

typedef struct json_value {
  json_type type;
  int line;
  int boolean;
  double number;
  int is_integer;
  long long integer;
  char *string; /* JSON_STRING: NUL-terminated, may hold NULs counted by length */
  size_t length;
  size_t count; /* JSON_ARRAY items / JSON_OBJECT members */
  struct json_value **items;
  char **keys;
  struct arena_block *arena; /* the root's: every value of the document lives there */
} json_value;

/* Parses text; on failure returns NULL and sets the error "invalid JSON at line N: why". */
json_value *json_parse(const char *text, size_t len);
/* Frees a whole document: takes its root. */
void json_free(json_value *root);
json_value *json_get(const json_value *object, const char *key);
const char *json_type_name(json_type type);

/* Appends s as a quoted JSON string; invalid UTF-8 bytes become U+FFFD. */
void json_write_string(strbuf *sb, const char *s, size_t len);

#endif
