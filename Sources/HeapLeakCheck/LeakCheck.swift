import Foundation
import HeapLeakAnalysis
import HeapProfile
import HeapProfiler
import Symbolization

/// HeapLeakCheck checks a region of code for leaks, in the spirit of gperftools'
/// HeapLeakChecker: ``HeapProfiler/checkLeaks(iterations:warmUp:_:)`` dumps the heap around
/// the region and compares the dumps. It reads, symbolizes and compares profiles, so it
/// links the analyzer's libraries: import it in tests, not in the program itself.
extension HeapProfiler {
  /// Runs `body` and reports the allocation sites whose in-use memory grew.
  ///
  /// `body` runs once first (so that lazy initialisation and caches that fill once do not
  /// count), then the live heap is dumped, then `body` runs `iterations` more times and
  /// the heap is dumped and compared. Recording is paused while the dumps are read and
  /// compared, so the analysis itself is not recorded. A site that leaks on every run
  /// shows `iterations` times its per-run growth.
  /// - Returns: the sites that grew, largest first, with symbolized stacks.
  /// - Throws: ``HeapProfilerError/notRecording`` without the runtime; dump or parse errors.
  public static func checkLeaks(
    iterations: Int = 1, warmUp: Bool = true, _ body: () throws -> Void
  ) throws -> LeakCheck {
    guard isRecording else { throw HeapProfilerError.notRecording }
    let dir = FileManager.default.temporaryDirectory.path
    let tag = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    // Both paths exist before the first dump, so that nothing this function allocates
    // between the dumps is still live at the second one.
    let before = "\(dir)/heapprof-leakcheck-\(tag)-before.heap"
    let after = "\(dir)/heapprof-leakcheck-\(tag)-after.heap"
    defer {
      unlink(before)
      unlink(after)
    }
    if warmUp { try body() }
    try dump(to: before, reason: "leak-check-start")
    for _ in 0..<max(1, iterations) { try body() }
    try dump(to: after, reason: "leak-check-end")
    return try withRecordingPaused {
      try LeakCheck.compare(before: before, after: after, iterations: max(1, iterations))
    }
  }
}

/// The result of ``HeapProfiler/checkLeaks(iterations:warmUp:_:)``: the allocation sites
/// whose in-use memory grew across the checked runs.
public struct LeakCheck: Sendable, CustomStringConvertible {
  /// One site that grew.
  public struct Site: Sendable {
    /// Symbolized frames from the allocating function to the entry point (allocator
    /// frames left out), demangled.
    public var frames: [String]
    /// Growth of in-use bytes at this site.
    public var bytes: Int64
    /// Growth of live objects at this site.
    public var objects: Int64
  }

  /// Sites that grew, most bytes first.
  public var leaks: [Site]
  /// How many times the body ran between the two measurements.
  public var iterations: Int

  /// Whether nothing grew.
  public var isClean: Bool { leaks.isEmpty }
  /// Total growth in bytes.
  public var bytesLeaked: Int64 { leaks.reduce(0) { $0 + $1.bytes } }
  /// Total growth in objects.
  public var objectsLeaked: Int64 { leaks.reduce(0) { $0 + $1.objects } }

  /// Whether any leaking site's stack has a frame containing `text`.
  public func hasLeak(through text: String) -> Bool {
    leaks.contains { $0.frames.contains { $0.contains(text) } }
  }

  public var description: String {
    if isClean { return "no leaks in \(iterations) run\(iterations == 1 ? "" : "s")" }
    var out =
      "\(objectsLeaked) objects, \(bytesLeaked) bytes leaked in \(iterations) run\(iterations == 1 ? "" : "s") at \(leaks.count) site\(leaks.count == 1 ? "" : "s"):\n"
    for site in leaks {
      out += "  \(site.objects) objects, \(site.bytes) bytes\n"
      for f in site.frames.prefix(8) { out += "      \(f)\n" }
    }
    return out
  }

  /// Compares two dumps of the same process (``HeapLeakAnalysis/LeakDiff``).
  static func compare(before: String, after: String, iterations: Int) throws -> LeakCheck {
    let symbolizer = LocalSymbolizer()
    let a = symbolizer.symbolize(try ProfileReader.read(path: before)).profile
    let b = symbolizer.symbolize(try ProfileReader.read(path: after)).profile
    let sites = try LeakDiff.grownSites(before: a, after: b)
    return LeakCheck(
      leaks: sites.map { Site(frames: $0.frames, bytes: $0.bytes, objects: $0.objects) }, iterations: iterations)
  }
}
