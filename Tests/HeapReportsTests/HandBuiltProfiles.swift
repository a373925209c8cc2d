import Foundation
import HeapProfile

/// Small profiles built by hand with Swift-shaped names, for report tests.
enum HandBuiltProfiles {
  /// A profile from frames given by name: each location is a list of (function, line),
  /// innermost inlined frame first; samples are location indexes (1-based, leaf first).
  static func make(
    functions: [(String, String)], locations: [(UInt64, [(Int, Int64)], UInt64)],
    samples: [([Int], [Int64], [String: [String]], [String: [Int64]])],
    timeNanos: Int64 = 1_700_000_000_123_000_000, comments: [String] = []
  ) -> Profile {
    var p = Profile()
    p.sampleTypes = [
      ValueType(type: "alloc_objects", unit: "count"), ValueType(type: "alloc_space", unit: "bytes"),
      ValueType(type: "inuse_objects", unit: "count"), ValueType(type: "inuse_space", unit: "bytes"),
    ]
    p.periodType = ValueType(type: "space", unit: "bytes")
    p.period = 1
    p.timeNanos = timeNanos
    p.comments = comments
    p.mappings = [
      Mapping(
        id: 1, start: 0x1000, limit: 0x9000, offset: 0, file: "/usr/local/bin/cache-leak", buildID: "4f2a9c",
        hasFunctions: true, hasFilenames: true, hasLineNumbers: true, hasInlineFrames: true),
      Mapping(id: 2, start: 0x7f0000, limit: 0x7f9000, offset: 0, file: "/usr/lib/libfoo.so", hasFunctions: true),
    ]
    p.functions = functions.enumerated().map { i, f in
      Function(id: UInt64(i + 1), name: f.0, systemName: "", filename: f.1)
    }
    p.locations = locations.enumerated().map { i, l in
      Location(
        id: UInt64(i + 1), mappingID: l.2, address: l.0, lines: l.1.map { Line(functionID: UInt64($0.0), line: $0.1) })
    }
    p.samples = samples.map { s in
      Sample(
        locationIDs: s.0.map { UInt64($0) }, values: s.1, labels: s.2,
        numLabels: s.3, numUnits: s.3.mapValues { $0.map { _ in "bytes" } })
    }
    return p
  }

  /// A cache service: `Cache.store` inlines `HeavyObject.init` (which `main` also calls
  /// directly: partial-inline), the dictionary resize, temporary strings, a tiny logger
  /// that trimming drops, and an unsymbolized library frame.
  static var cacheService: Profile {
    make(
      functions: [
        ("main", "Sources/CacheLeakDemo/main.swift"),
        ("CacheLeakDemo.Service.handle(request: Swift.Int) -> Swift.String", "Sources/CacheLeakDemo/Service.swift"),
        (
          "CacheLeakDemo.Cache.store(_: CacheLeakDemo.HeavyObject, for: Swift.String) -> ()",
          "Sources/CacheLeakDemo/Cache.swift"
        ),
        (
          "CacheLeakDemo.HeavyObject.init(payload: Swift.Int) -> CacheLeakDemo.HeavyObject",
          "Sources/CacheLeakDemo/HeavyObject.swift"
        ),
        (
          "generic specialization <Swift.String, CacheLeakDemo.HeavyObject> of Swift._NativeDictionary._copyOrMoveAndResize(capacity: Swift.Int, moveElements: Swift.Bool) -> ()",
          "/swift/stdlib/public/core/NativeDictionary.swift"
        ),
        ("closure #1 (Swift.Int) -> () in CacheLeakDemo.main()", "Sources/CacheLeakDemo/main.swift"),
        ("Swift.String.append(Swift.String) -> ()", "/swift/stdlib/public/core/String.swift"),
        ("CacheLeakDemo.Logger.log(Swift.String) -> ()", "Sources/CacheLeakDemo/./Logger.swift"),
      ],
      locations: [
        (0x1010, [(4, 12), (3, 30)], 1),  // 1: HeavyObject.init inlined into Cache.store
        (0x1020, [(3, 31)], 1),  // 2: Cache.store → resize
        (0x1030, [(5, 900)], 1),  // 3: resize allocates
        (0x1040, [(2, 20)], 1),  // 4: handle → store
        (0x1050, [(6, 8)], 1),  // 5: closure → handle
        (0x1060, [(1, 3)], 1),  // 6: main → closure
        (0x1070, [(7, 50)], 1),  // 7: String.append allocates
        (0x1080, [(2, 22)], 1),  // 8: handle → String.append
        (0x1090, [(4, 14)], 1),  // 9: HeavyObject.init, not inlined
        (0x10a0, [(8, 5)], 1),  // 10: Logger.log allocates
        (0x7f1234, [], 2),  // 11: libfoo.so, no symbols
        (0x1064, [(1, 4)], 1),  // 12: main, another line
      ],
      samples: [
        ([1, 4, 5, 6], [1000, 1_024_000, 1000, 1_024_000], ["thread": ["worker-1"]], ["bytes": [1024]]),
        ([3, 2, 4, 5, 6], [10, 3_145_728, 1, 2_097_152], ["thread": ["worker-1"]], ["bytes": [314_572]]),
        ([7, 8, 5, 6], [5000, 320_000, 0, 0], ["thread": ["worker-2"]], ["bytes": [64]]),
        ([9, 12], [4, 4096, 4, 4096], [:], ["bytes": [1024]]),
        ([10, 4, 5, 6], [2, 64, 2, 64], [:], ["bytes": [32]]),
        ([11, 6], [1, 100, 1, 100], [:], ["bytes": [100]]),
        ([1, 4, 5, 6], [24, 24576, 24, 24576], ["thread": ["worker-2"]], ["bytes": [1024]]),
      ],
      comments: ["heapprof dump 3 of pid 4242", "#internal note"])
  }
}
