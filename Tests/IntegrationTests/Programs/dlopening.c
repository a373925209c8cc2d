/* dlopening.c: dlopen(argv[1]) (plugin.c), call plugin_work, dlclose, open it again and
 * close it again. Expected at exit: 8 live allocations of 777 bytes (two constructor
 * runs), 2 of 555 live out of 4. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  for (int round = 0; round < 2; round++) {
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
      printf("dlopen failed: %s\n", dlerror());
      return 1;
    }
    void (*work)(void) = (void (*)(void))dlsym(lib, "plugin_work");
    if (work == NULL) return 1;
    work();
    dlclose(lib);
  }
  puts("done");
  return 0;
}
