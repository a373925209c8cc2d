/* stressplugin.c: the library that dlopenloop.c loads. Its constructor allocates 7771
 * bytes (kept for ever) and 5553 bytes (freed by its destructor); plugin_work allocates
 * 3331 bytes and frees them. */
#include <stdlib.h>

static void *transient;

__attribute__((constructor)) static void plugin_start(void) {
  void *leak = malloc(7771);
  (void)leak;
  transient = malloc(5553);
}

__attribute__((destructor)) static void plugin_stop(void) { free(transient); }

int plugin_work(void) {
  void *p = malloc(3331);
  int ok = p != NULL;
  free(p);
  return ok;
}
