// swift-tools-version:6.0
// heapprof: a heap profiler for Linux that knows hash maps.
//
// Dependency arrows point one way (see README "What it is made of"):
//   HeapProfile ← Symbolization    ← heapprof
//   HeapProfile ← HeapReports      ← heapprof
//   HeapProfile ← HeapLeakAnalysis ← heapprof
//   CHeapProfAPI ← HeapProfiler ← HeapLeakCheck (→ HeapProfile, Symbolization, HeapLeakAnalysis)
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
    .executable(name: "control-example", targets: ["ControlExample"]),
    .executable(name: "bench-workload", targets: ["BenchWorkload"]),
    .executable(name: "map-cases", targets: ["MapCases"]),
    .library(name: "HeapProfiler", targets: ["HeapProfiler"]),
    .library(name: "HeapLeakCheck", targets: ["HeapLeakCheck"]),
    .library(name: "HeapProfile", targets: ["HeapProfile"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
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
    .systemLibrary(name: "CLibCrypto", providers: [.apt(["libssl-dev"])]),

    // MARK: Swift libraries
    .target(
      name: "HeapProfile",
      dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf"), "CZlib"],
      exclude: ["Proto/profile.proto"]
    ),
    .target(name: "Symbolization", dependencies: ["HeapProfile", "CLibDW"]),
    // The pprof-exact reports: call graph, top, traces, peek, DOT, folded.
    .target(name: "HeapReports", dependencies: ["HeapProfile"]),
    // heapprof's own leak analysis: map owners, growth across snapshots, leak diffs.
    .target(name: "HeapLeakAnalysis", dependencies: ["HeapProfile"]),
    // In-process control of the runtime: a thin layer over its C API, nothing else linked.
    .target(name: "HeapProfiler", dependencies: ["CHeapProfAPI"]),
    // Leak checks of a region of code: reads its own dumps back, names their frames and
    // compares them (for tests; links the analyzer's libraries).
    .target(name: "HeapLeakCheck", dependencies: ["HeapProfiler", "HeapProfile", "Symbolization", "HeapLeakAnalysis"]),

    // The web UI and the HTML report: views as JSON, the page's own JS/CSS embedded, a
    // SwiftNIO HTTP server.
    .target(
      name: "HeapWeb",
      dependencies: [
        "HeapProfile", "HeapReports", "HeapLeakAnalysis", "CLibCrypto",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
      ],
      resources: [
        .embedInCode("Assets/app.css"), .embedInCode("Assets/util.js"), .embedInCode("Assets/flame.js"),
        .embedInCode("Assets/timeline.js"), .embedInCode("Assets/views.js"), .embedInCode("Assets/app.js"),
      ]
    ),

    // MARK: Executables
    .executableTarget(
      name: "heapprof",
      dependencies: [
        "HeapProfile", "Symbolization", "HeapReports", "HeapLeakAnalysis", "HeapWeb",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .executableTarget(
      name: "CacheLeakDemo",
      dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")]
    ),

    .executableTarget(name: "LeakCheckExample", dependencies: ["HeapProfiler", "HeapLeakCheck"]),
    .executableTarget(name: "ControlExample", dependencies: ["HeapProfiler"]),
    .executableTarget(name: "BenchWorkload", dependencies: []),
    // One Swift program per map bug, with its numbers known from the code (MapCaseTests).
    .executableTarget(name: "MapCases", dependencies: ["HeapProfiler"]),

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
    .testTarget(
      name: "HeapLeakAnalysisTests",
      dependencies: ["HeapLeakAnalysis", "HeapProfile", "HeapProfTestSupport"],
      exclude: ["Golden"]
    ),
    // CUnwind: the capture tests compare hp_capture's frames with libunwind's directly.
    .testTarget(name: "HeapProfRuntimeTests", dependencies: ["HeapProfRuntime", "CUnwind"]),
    .testTarget(
      name: "IntegrationTests",
      // HeapProfRuntime for its rules (hp_signal_allowed), which the CLI must share.
      dependencies: ["HeapProfile", "HeapProfTestSupport", "HeapProfRuntime"],
      exclude: ["Programs", "Golden"]  // sources the tests compile themselves; goldens read by path
    ),
  ],
  // Swift 5 language mode: the runtime-facing code shares raw C state across threads by
  // design; strict-concurrency checking adds nothing there.
  swiftLanguageModes: [.v5]
)
