/* exitcode.c: allocates, prints "hello", exits with status 3. Used with an unwritable
 * HEAPPROF_OUT: the output and status must be unchanged, plus one stderr line. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  void *p = malloc(123);
  puts("hello");
  (void)p;
  return 3;
}
