#!/usr/bin/env bash
# Rebuilds the Go heap-profile fixtures in Tests/Fixtures/go/ and the `go tool pprof -top`
# goldens in Tests/HeapReportsTests/Golden/go/ from the programs in Tests/Fixtures/go/src/.
#
# Needs only Go (1.19 on Debian 12: golang-go) and its standard library; no network.
# The build cache lives in a temporary directory that is removed afterwards.
#
# Usage: tools/make-fixtures-go.sh            (profiles + goldens)
#        tools/make-fixtures-go.sh --goldens  (goldens only, from the committed profiles)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
fixtures="$root/Tests/Fixtures/go"
goldens="$root/Tests/HeapReportsTests/Golden/go"
export TZ=UTC

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export GOCACHE="$tmp/gocache" GOPATH="$tmp/gopath" GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local
export PPROF_TMPDIR="$tmp/pprof" HOME="$tmp"   # keep go tool pprof from writing to ~/pprof

if [[ "${1:-}" != "--goldens" ]]; then
  mkdir -p "$tmp/bin" "$tmp/out"
  for prog in mapleak churn calltree; do
    (cd "$fixtures/src" && go build -trimpath -o "$tmp/bin/$prog" "./$prog")
    "$tmp/bin/$prog" "$tmp/out"
  done
  cp "$tmp/out"/*.pb.gz "$tmp/out"/*.heap "$fixtures/"
fi

# Goldens: `go tool pprof -top` for every sample index, with and without -cum, for every
# proto fixture; and -base for the last leak snapshot against the first.
mkdir -p "$goldens"
top() { # OUT ARGS...
  local out="$1"; shift
  go tool pprof -top "$@" > "$goldens/$out" 2> "$tmp/stderr" || { cat "$tmp/stderr" >&2; exit 1; }
}
indexes=(alloc_objects alloc_space inuse_objects inuse_space)
for f in "$fixtures"/*.pb.gz; do
  name="$(basename "$f" .pb.gz)"
  for i in "${indexes[@]}"; do
    top "$name.top.$i.txt" -sample_index="$i" "$f"
    top "$name.top.$i.cum.txt" -sample_index="$i" -cum "$f"
  done
done
for i in "${indexes[@]}"; do
  top "mapleak.3.top.$i.base.txt" -sample_index="$i" -base "$fixtures/mapleak.1.pb.gz" "$fixtures/mapleak.3.pb.gz"
  top "mapleak.3.top.$i.cum.base.txt" -sample_index="$i" -cum -base "$fixtures/mapleak.1.pb.gz" "$fixtures/mapleak.3.pb.gz"
done
# Other reports on the same fixtures: -peek, -traces and -dot (pprof layouts we reproduce).
run() { # OUT ARGS...
  local out="$1"; shift
  go tool pprof "$@" > "$goldens/$out" 2> "$tmp/stderr" || { cat "$tmp/stderr" >&2; exit 1; }
}
run "calltree.peek.leaf.alloc_space.txt" -peek 'main\.leaf' -sample_index=alloc_space "$fixtures/calltree.pb.gz"
run "mapleak.3.peek.store.inuse_space.txt" -peek 'store|newPayload' -sample_index=inuse_space "$fixtures/mapleak.3.pb.gz"
run "calltree.traces.inuse_space.txt" -traces -sample_index=inuse_space "$fixtures/calltree.pb.gz"
run "churn.traces.alloc_objects.txt" -traces -sample_index=alloc_objects "$fixtures/churn.pb.gz"
for f in calltree churn mapleak.3; do
  for i in alloc_space inuse_space; do
    run "$f.dot.$i.dot" -dot -sample_index="$i" "$fixtures/$f.pb.gz"
  done
done
run "mapleak.3.dot.alloc_space.nodecount10.dot" -dot -nodecount=10 -sample_index=alloc_space "$fixtures/mapleak.3.pb.gz"
run "mapleak.3.dot.alloc_space.base.dot" -dot -sample_index=alloc_space -base "$fixtures/mapleak.1.pb.gz" "$fixtures/mapleak.3.pb.gz"
echo "fixtures in $fixtures, goldens in $goldens"
