/* accounting.c: exactly K allocations of S bytes through each wrapped function, each in
 * its own function, then a known part freed. RuntimeAccountingTests checks the at-exit
 * dump against the numbers in the comments. Prints the address of main so the test can
 * relocate `nm -S` symbol ranges. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

static void *kept[1000];
static int nkept;

static void keep(void *p) { kept[nkept++] = p; }

/* malloc: 7 x 100, 3 freed */
__attribute__((noinline)) void case_malloc(void) {
  void *p[7];
  for (int i = 0; i < 7; i++) p[i] = malloc(100);
  for (int i = 0; i < 3; i++) free(p[i]);
  for (int i = 3; i < 7; i++) keep(p[i]);
}

/* calloc: 5 x (3 x 40 = 120), 2 freed */
__attribute__((noinline)) void case_calloc(void) {
  void *p[5];
  for (int i = 0; i < 5; i++) p[i] = calloc(3, 40);
  for (int i = 0; i < 2; i++) free(p[i]);
  for (int i = 2; i < 5; i++) keep(p[i]);
}

/* seed for realloc grow: 6 x 16, all moved away by realloc (credited as freed) */
__attribute__((noinline)) void *seed_grow(void) { return malloc(16); }
/* realloc grow: 6 x 200, 2 freed */
__attribute__((noinline)) void case_realloc_grow(void) {
  void *p[6];
  for (int i = 0; i < 6; i++) p[i] = realloc(seed_grow(), 200);
  for (int i = 0; i < 2; i++) free(p[i]);
  for (int i = 2; i < 6; i++) keep(p[i]);
}

/* seed for realloc shrink: 5 x 300, all credited as freed */
__attribute__((noinline)) void *seed_shrink(void) { return malloc(300); }
/* realloc shrink: 5 x 50, 1 freed */
__attribute__((noinline)) void case_realloc_shrink(void) {
  void *p[5];
  for (int i = 0; i < 5; i++) p[i] = realloc(seed_shrink(), 50);
  free(p[0]);
  for (int i = 1; i < 5; i++) keep(p[i]);
}

/* realloc(NULL, n) = malloc: 4 x 64, 1 freed */
__attribute__((noinline)) void case_realloc_null(void) {
  void *p[4];
  for (int i = 0; i < 4; i++) p[i] = realloc(NULL, 64);
  free(p[0]);
  for (int i = 1; i < 4; i++) keep(p[i]);
}

/* seed for realloc(p, 0): 8 x 32; 5 of them freed by realloc(p, 0) */
__attribute__((noinline)) void *seed_zero(void) { return malloc(32); }
__attribute__((noinline)) void case_realloc_zero(void) {
  void *p[8];
  for (int i = 0; i < 8; i++) p[i] = seed_zero();
  for (int i = 0; i < 5; i++) {
    if (realloc(p[i], 0) != NULL) puts("realloc(p, 0) did not return NULL");
  }
  for (int i = 5; i < 8; i++) keep(p[i]);
}

/* posix_memalign: 5 x 100 (alignment 64), 1 freed */
__attribute__((noinline)) void case_posix_memalign(void) {
  void *p[5];
  for (int i = 0; i < 5; i++) {
    if (posix_memalign(&p[i], 64, 100) != 0) p[i] = NULL;
  }
  free(p[0]);
  for (int i = 1; i < 5; i++) keep(p[i]);
}

/* aligned_alloc: 4 x 128 (alignment 64), 2 freed */
__attribute__((noinline)) void case_aligned_alloc(void) {
  void *p[4];
  for (int i = 0; i < 4; i++) p[i] = aligned_alloc(64, 128);
  for (int i = 0; i < 2; i++) free(p[i]);
  for (int i = 2; i < 4; i++) keep(p[i]);
}

/* memalign: 3 x 72 (alignment 32), none freed */
__attribute__((noinline)) void case_memalign(void) {
  for (int i = 0; i < 3; i++) keep(memalign(32, 72));
}

/* valloc: 2 x 5000, 1 freed */
__attribute__((noinline)) void case_valloc(void) {
  void *p[2];
  for (int i = 0; i < 2; i++) p[i] = valloc(5000);
  free(p[0]);
  keep(p[1]);
}

/* pvalloc: 3 x 100 requested, 1 freed */
__attribute__((noinline)) void case_pvalloc(void) {
  void *p[3];
  for (int i = 0; i < 3; i++) p[i] = pvalloc(100);
  free(p[0]);
  for (int i = 1; i < 3; i++) keep(p[i]);
}

/* reallocarray: 4 x (10 x 12 = 120) from NULL, 1 freed */
__attribute__((noinline)) void case_reallocarray(void) {
  void *p[4];
  for (int i = 0; i < 4; i++) p[i] = reallocarray(NULL, 10, 12);
  free(p[0]);
  for (int i = 1; i < 4; i++) keep(p[i]);
}

int main(void) {
  printf("main=%p\n", (void *)main);
  fflush(stdout);
  case_malloc();
  case_calloc();
  case_realloc_grow();
  case_realloc_shrink();
  case_realloc_null();
  case_realloc_zero();
  case_posix_memalign();
  case_aligned_alloc();
  case_memalign();
  case_valloc();
  case_pvalloc();
  case_reallocarray();
  /* malloc_usable_size passes through */
  if (malloc_usable_size(kept[0]) < 100) puts("malloc_usable_size too small");
  return 0;
}
