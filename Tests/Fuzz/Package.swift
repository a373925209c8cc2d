// swift-tools-version:6.0
// libFuzzer targets for heapprof's profile readers (issue 6 §3). Not part of the main
// package: built by tools/fuzz with its own scratch path (.build-fuzz) and
// `-sanitize=fuzzer` on every Swift module (HeapProfile and SwiftProtobuf included, so
// that libFuzzer sees the readers' coverage). Each target defines LLVMFuzzerTestOneInput;
// libFuzzer supplies main.
import PackageDescription

let fuzzer: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
  name: "heapprof-fuzz",
  products: [
    .executable(name: "fuzz-legacy", targets: ["FuzzLegacy"]),
    .executable(name: "fuzz-jemalloc", targets: ["FuzzJemalloc"]),
    .executable(name: "fuzz-pprof", targets: ["FuzzPprof"]),
    .executable(name: "fuzz-gzip", targets: ["FuzzGzip"]),
  ],
  dependencies: [.package(name: "heapprof", path: "../..")],
  targets: [
    .executableTarget(
      name: "FuzzLegacy", dependencies: [.product(name: "HeapProfile", package: "heapprof")], swiftSettings: fuzzer),
    .executableTarget(
      name: "FuzzJemalloc", dependencies: [.product(name: "HeapProfile", package: "heapprof")], swiftSettings: fuzzer),
    .executableTarget(
      name: "FuzzPprof", dependencies: [.product(name: "HeapProfile", package: "heapprof")], swiftSettings: fuzzer),
    .executableTarget(
      name: "FuzzGzip", dependencies: [.product(name: "HeapProfile", package: "heapprof")], swiftSettings: fuzzer),
  ],
  swiftLanguageModes: [.v5]
)
