#!/usr/bin/env bash
# Rebuilds Tests/Fixtures/gomaps: the sessionleak Go program (a map that only grows) and
# three legacy text heap profiles it writes, with the binary the profiles' addresses
# belong to (Go's heap profiles hide runtime frames such as runtime.mapassign; heapprof
# finds them by symbolizing the raw addresses against this binary).
set -euo pipefail
cd "$(dirname "$0")/../Tests/Fixtures/gomaps"
export GOCACHE=$(mktemp -d) GOPATH=$(mktemp -d) GOFLAGS=-mod=mod GO111MODULE=on
(cd src && go build -trimpath -ldflags=-w -o ../sessionleak .)
rm -f sessionleak.*.heap
./sessionleak .
ls -l sessionleak sessionleak.*.heap
