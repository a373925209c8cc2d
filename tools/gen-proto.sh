#!/usr/bin/env bash
# Regenerates Sources/HeapProfile/Proto/profile.pb.swift from profile.proto.
# Needs protoc (Debian protobuf-compiler) and protoc-gen-swift built from the
# swift-protobuf version named in Package.swift:
#   git clone https://github.com/apple/swift-protobuf && cd swift-protobuf &&
#   git checkout 1.39.0 && swift build -c release --product protoc-gen-swift
# then PROTOC_GEN_SWIFT=/path/to/.build/release/protoc-gen-swift tools/gen-proto.sh
# The generated file is committed so that ordinary builds need neither tool.
set -euo pipefail
cd "$(dirname "$0")/.."
plugin=${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift || true)}
[ -x "$plugin" ] || { echo "gen-proto: set PROTOC_GEN_SWIFT to a protoc-gen-swift binary" >&2; exit 2; }
protoc --plugin=protoc-gen-swift="$plugin" --swift_opt=Visibility=Internal \
  --swift_out=Sources/HeapProfile/Proto -I Sources/HeapProfile/Proto \
  Sources/HeapProfile/Proto/profile.proto
echo "wrote Sources/HeapProfile/Proto/profile.pb.swift"
