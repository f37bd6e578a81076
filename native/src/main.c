#include <stdio.h>

int main(int argc, char **argv) {
  (void)argv;
  fprintf(stderr, "tcrun: not built yet (%d args)\n", argc);
  return 1;
}
