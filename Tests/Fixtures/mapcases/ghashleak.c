// ghashleak: a GLib GHashTable cache that never removes, for heapprof's map and growth
// reports on a C library's hash table (GLib is Debian's own build: its internal functions
// are stripped, its g_hash_table_* API is exported). MapCaseTests builds it with
// `gcc -O1 -g $(pkg-config --cflags --libs glib-2.0) -ldl` and records it.
//
// Ground truth: 3 rounds of 20,000 inserts of a "request-NNNNNN" key (g_strdup_printf) and a
// 1,024-byte value (g_malloc0), a dump after each round; nothing is ever removed, so
// 60,000 values (61,440,000 bytes) are live at the third dump.
#include <dlfcn.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

static GHashTable *cache;

static void dump(void) {
  int (*f)(const char *, const char *, char *, size_t) =
      (int (*)(const char *, const char *, char *, size_t))dlsym(RTLD_DEFAULT, "heapprof_dump");
  if (!f) {
    fprintf(stderr, "ghashleak: run me under heapprof record\n");
    exit(3);
  }
  f(NULL, "round", NULL, 0);
}

__attribute__((noinline)) static void remember(int id) {
  g_hash_table_insert(cache, g_strdup_printf("request-%06d", id), g_malloc0(1024));
}

int main(void) {
  cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < 20000; i++) remember(round * 20000 + i);
    dump();
  }
  printf("%u\n", g_hash_table_size(cache));
  return 0;
}
