// swift-tools-version:6.0
// heapprof: a heap profiler for Linux that knows hash maps.
//
// Dependency arrows point one way (see README "Architecture"):
//   HeapProfile ← Symbolization ← heapprof
//   HeapProfile ← HeapReports   ← heapprof
//   CHeapProfAPI ← HeapProfiler
// The C runtime (CUnwind, HeapProfRuntime, HeapProfPreload) is compiled here for
// warnings and unit tests, but the preloaded libheapprof.so is linked by
// tools/build-runtime.sh with cc, so that its NEEDED list holds no Swift runtime.
import PackageDescription

let package = Package(
  name: "heapprof",
  products: [
    .executable(name: "heapprof", targets: ["heapprof"]),
    .executable(name: "cache-leak", targets: ["CacheLeakDemo"]),
    .executable(name: "leak-check-example", targets: ["LeakCheckExample"]),
    .executable(name: "bench-workload", targets: ["BenchWorkload"]),
    .library(name: "HeapProfiler", targets: ["HeapProfiler"]),
    .library(name: "HeapProfile", targets: ["HeapProfile"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
  ],
  targets: [
    // MARK: C runtime (preloaded into the profiled program)
    .target(
      name: "CUnwind",
      cSettings: [.define("_GNU_SOURCE"), .define("UNW_LOCAL_ONLY")],
      linkerSettings: [.linkedLibrary("unwind")]
    ),
    .target(
      name: "HeapProfRuntime",
      dependencies: ["CUnwind"],
      cSettings: [.define("_GNU_SOURCE")],
      linkerSettings: [.linkedLibrary("pthread"), .linkedLibrary("dl")]
    ),
    .target(
      name: "HeapProfPreload",
      dependencies: ["HeapProfRuntime"],
      cSettings: [.define("_GNU_SOURCE")]
    ),
    .target(name: "CHeapProfAPI"),

    // MARK: System libraries
    .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
    .systemLibrary(name: "CLibDW", providers: [.apt(["libdw-dev", "libelf-dev"])]),

    // MARK: Swift libraries
    .target(
      name: "HeapProfile",
      dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf"), "CZlib"],
      exclude: ["Proto/profile.proto"]
    ),
    .target(name: "Symbolization", dependencies: ["HeapProfile", "CLibDW"]),
    .target(name: "HeapReports", dependencies: ["HeapProfile"]),
    // HeapProfiler reads its own dumps back (HeapProfile), names their frames
    // (Symbolization) and groups them like the reports (HeapReports) for leak checks.
    .target(name: "HeapProfiler", dependencies: ["CHeapProfAPI", "HeapProfile", "Symbolization", "HeapReports"]),

    // MARK: Executables
    .executableTarget(
      name: "heapprof",
      dependencies: [
        "HeapProfile", "Symbolization", "HeapReports",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .executableTarget(
      name: "CacheLeakDemo",
      dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")]
    ),

    .executableTarget(name: "LeakCheckExample", dependencies: ["HeapProfiler"]),
    .executableTarget(name: "BenchWorkload", dependencies: []),

    // MARK: Test support and tests
    .target(name: "HeapProfTestSupport", dependencies: ["HeapProfile"]),
    .testTarget(
      name: "HeapProfileTests",
      dependencies: ["HeapProfile", "HeapProfTestSupport"],
      exclude: ["Golden"]  // read through #filePath, so that they can be rewritten
    ),
    .testTarget(
      name: "SymbolizationTests",
      dependencies: ["Symbolization", "HeapProfile", "HeapProfTestSupport"]
    ),
    .testTarget(
      name: "HeapReportsTests",
      dependencies: ["HeapReports", "HeapProfile", "HeapProfTestSupport"],
      exclude: ["Golden"]
    ),
    // CUnwind: the capture tests compare hp_capture's frames with libunwind's directly.
    .testTarget(name: "HeapProfRuntimeTests", dependencies: ["HeapProfRuntime", "CUnwind"]),
    .testTarget(
      name: "IntegrationTests",
      // HeapProfRuntime for its rules (hp_signal_allowed), which the CLI must share.
      dependencies: ["HeapProfile", "HeapProfTestSupport", "HeapProfRuntime"],
      exclude: ["Programs"]  // C and Swift sources that the tests compile themselves
    ),
  ],
  // Swift 5 language mode: the runtime-facing code shares raw C state across threads by
  // design; strict-concurrency checking adds nothing there.
  swiftLanguageModes: [.v5]
)
