#!/usr/bin/env bash
# Builds libheapprof.so, the preloaded recorder, with cc (not SwiftPM: a SwiftPM dynamic
# product would pull libswiftCore into every profiled program; STYLE.md convention 3).
#
#   tools/build-runtime.sh [OUTDIR]      (default: .build/debug, next to `heapprof`)
#
# Links Sources/CUnwind + Sources/HeapProfRuntime + Sources/HeapProfPreload, then fails
# when the library needs anything beyond libc, libunwind (+ its liblzma), libpthread,
# libdl and the loader, or exports anything beyond the malloc family and heapprof_*.
# Quiet on success except one line naming the output. CC and EXTRA_CFLAGS may be set.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
outdir="${1:-$root/.build/debug}"
cc="${CC:-cc}"
mkdir -p "$outdir"
out="$outdir/libheapprof.so"
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT

sources=(
  "$root"/Sources/CUnwind/*.c
  "$root"/Sources/HeapProfRuntime/*.c
  "$root"/Sources/HeapProfPreload/*.c
)

# shellcheck disable=SC2086
"$cc" -std=c11 -O2 -g -shared -fPIC -fvisibility=hidden -fno-omit-frame-pointer \
  -D_GNU_SOURCE -DUNW_LOCAL_ONLY -ftls-model=initial-exec \
  -Wall -Wextra -Wno-unused-parameter -Werror \
  -I"$root/Sources/CUnwind/include" \
  -I"$root/Sources/HeapProfRuntime/include" \
  -I"$root/Sources/HeapProfRuntime" \
  -I"$root/Sources/HeapProfPreload/include" \
  ${EXTRA_CFLAGS:-} \
  -Wl,-z,defs -Wl,-z,now -Wl,--as-needed \
  -o "$tmp" "${sources[@]}" -lunwind -lpthread -ldl

fail() { echo "build-runtime.sh: $out: $*" >&2; exit 1; }

# NEEDED: libc, libunwind (Debian's libunwind pulls liblzma itself), libpthread, libdl,
# the loader. Anything else (libswiftCore, libstdc++, libm...) is an error.
while read -r lib; do
  case "$lib" in
    libc.so.*|libunwind.so.*|liblzma.so.*|libpthread.so.*|libdl.so.*|ld-linux*.so.*) ;;
    *) fail "NEEDED $lib is not allowed (only libc, libunwind, libpthread, libdl, ld-linux)" ;;
  esac
done < <(readelf -d "$tmp" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')

# Exports: the malloc family, _exit/_Exit (the last dump) and heapprof_* only (plus the ELF's standard symbols).
allowed='^(malloc|free|calloc|realloc|reallocarray|posix_memalign|aligned_alloc|memalign|valloc|pvalloc|malloc_usable_size|_exit|_Exit|heapprof_[A-Za-z0-9_]+|_init|_fini|_edata|_end|__bss_start)$'
while read -r sym; do
  [[ "$sym" =~ $allowed ]] || fail "exports $sym (only the malloc family, _exit, _Exit and heapprof_* may be exported)"
done < <(nm -D --defined-only "$tmp" | awk '{print $3}')

mv -f "$tmp" "$out"
trap - EXIT
echo "built $out"
