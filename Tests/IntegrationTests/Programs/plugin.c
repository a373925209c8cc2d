/* plugin.c: a small shared library for dlopen.c. Its constructor makes 4 allocations of
 * 777 bytes that stay live; plugin_work makes 2 x 555 and frees one. */
#include <stdlib.h>

static void *kept[8];

__attribute__((constructor)) static void plugin_start(void) {
  for (int i = 0; i < 4; i++) kept[i] = malloc(777);
}

void plugin_work(void) {
  void *a = malloc(555);
  kept[4] = malloc(555);
  free(a);
}
