/*
 * HeapProfPreload: the malloc family of libheapprof.so.
 *
 * interpose.c defines malloc, free, calloc, realloc, reallocarray, posix_memalign,
 * aligned_alloc, memalign, valloc, pvalloc and malloc_usable_size, and forwards each to
 * the next definition (libc's, found once with dlsym(RTLD_NEXT)) and to the recorder in
 * HeapProfRuntime. It has no API of its own; nothing links it but
 * tools/build-runtime.sh, because a malloc definition linked into a Swift executable or
 * test would interpose that program's own heap.
 */
#ifndef HEAPPROFPRELOAD_H
#define HEAPPROFPRELOAD_H
#endif /* HEAPPROFPRELOAD_H */
