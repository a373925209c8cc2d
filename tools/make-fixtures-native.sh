#!/usr/bin/env bash
# Rebuilds the native (C++) heap-profile fixtures used by HeapProfileTests:
#   Tests/Fixtures/gperftools/  mapleak + mapleak.000{1..4}.heap   (tcmalloc heap profiler,
#                                 HEAPPROFILE, every allocation: "@ heapprofile")
#                               sampled + sampled.heap              (tcmalloc GetHeapSample,
#                                 TCMALLOC_SAMPLE_PARAMETER=4096: "@ heap_v2/4096")
#   Tests/Fixtures/jemalloc/    mapleak + mapleak.{1,2,3}.heap       (jemalloc prof.dump,
#                                 MALLOC_CONF=prof:true,prof_accum:true,lg_prof_sample:10)
# from the sources in Tests/Fixtures/gperftools/src/. Binaries are kept (-O1 -g, debug
# sections zlib-compressed) because symbolization tests need them.
#
# Needs g++, libgoogle-perftools-dev (tcmalloc, headers) and libjemalloc-dev (a Debian
# libjemalloc built with --enable-prof, which Debian 12's is). Output differs from run to
# run (addresses, build ids); after running, regenerate the goldens with
#   HEAPPROF_UPDATE_GOLDENS=1 swift test --filter HeapProfileTests   (then run again)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/Tests/Fixtures/gperftools/src"
gp="$root/Tests/Fixtures/gperftools"
je="$root/Tests/Fixtures/jemalloc"
tcmalloc="$(ls /usr/lib/x86_64-linux-gnu/libtcmalloc.so.4 2>/dev/null || ls /usr/lib/*/libtcmalloc.so.4 | head -1)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cxxflags=(-O1 -g -gz=zlib -fno-omit-frame-pointer)

# gperftools heap profiler: every allocation, four dumps (3 rounds + exit).
g++ "${cxxflags[@]}" -o "$gp/mapleak" "$src/mapleak.cc" -ldl
rm -f "$gp"/mapleak.*.heap
(cd "$tmp" && HEAPPROFILE="$tmp/mapleak" HEAP_PROFILE_ALLOCATION_INTERVAL=1073741824 \
  LD_PRELOAD="$tcmalloc" "$gp/mapleak" 3 200 >/dev/null 2>&1)
cp "$tmp"/mapleak.000[1-4].heap "$gp/"

# tcmalloc's sampled heap profile.
g++ "${cxxflags[@]}" -o "$gp/sampled" "$src/sampled.cc" -ltcmalloc
TCMALLOC_SAMPLE_PARAMETER=4096 "$gp/sampled" "$gp/sampled.heap" 4000 >/dev/null

# jemalloc: the same leaking program linked with jemalloc, one prof.dump per round.
mkdir -p "$je"
g++ "${cxxflags[@]}" -o "$je/mapleak" "$src/mapleak.cc" -ljemalloc -ldl
rm -f "$je"/mapleak.*.heap
MALLOC_CONF=prof:true,prof_accum:true,lg_prof_sample:10 MAPLEAK_JEMALLOC_DUMP="$je/mapleak" \
  "$je/mapleak" 3 200 >/dev/null

# heapprof: hand-written dumps in heapprof's format are kept as they are (see its README).

# Inputs that must fail with a clear error (Tests/Fixtures/bad/). Deterministic.
bad="$root/Tests/Fixtures/bad"
mkdir -p "$bad"
: > "$bad/empty.heap"
gzip -9 -n -c "$gp/mapleak.0001.heap" | head -c 300 > "$bad/truncated.heap.gz"
printf 'This is not a profile, just a note.\n' > "$bad/garbage.txt"
printf '\x08\x96\x01\x00\xff\xfe\x07\x13\x37' > "$bad/garbage.bin"
# Field 2 (sample), wire type 2, declared length 2^40 bytes, followed by 3 bytes.
printf '\x12\x80\x80\x80\x80\x80\x20\x08\x01\x10' > "$bad/absurd-length.pb"
printf 'heap profile:      1:     4096 [     1:     4096] @ heapprofile\n     1:     4096 [     1:     4096] @ 0x401000 0x40\xff\xfe\n' > "$bad/non-utf8.heap"
printf 'heap profile:      1:     4096 [     1:     4096] @ heapprofile\n     1: 99999999999999999999 [     1:     4096] @ 0x401000\n' > "$bad/overflow.heap"

ls -l "$gp" "$je" "$bad"
