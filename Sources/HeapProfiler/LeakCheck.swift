import Foundation
import HeapProfile
import HeapLeakAnalysis
import Symbolization

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
    var out = "\(objectsLeaked) objects, \(bytesLeaked) bytes leaked in \(iterations) run\(iterations == 1 ? "" : "s") at \(leaks.count) site\(leaks.count == 1 ? "" : "s"):\n"
    for site in leaks {
      out += "  \(site.objects) objects, \(site.bytes) bytes\n"
      for f in site.frames.prefix(8) { out += "      \(f)\n" }
    }
    return out
  }

  /// Compares two dumps of the same process.
  static func compare(before: String, after: String, iterations: Int) throws -> LeakCheck {
    let a = try ProfileReader.read(path: before)
    let b = try ProfileReader.read(path: after)
    let symbolizer = LocalSymbolizer()
    let tableA = StackTable(symbolizer.symbolize(a).profile)
    let tableB = StackTable(symbolizer.symbolize(b).profile)
    var start: [[String]: (Int64, Int64)] = [:]
    for s in tableA.stacks { start[s.frames] = (s.inuseBytes, s.inuseObjects) }
    var leaks: [Site] = []
    for s in tableB.stacks {
      let (bytes0, objects0) = start[s.frames] ?? (0, 0)
      let bytes = s.inuseBytes - bytes0, objects = s.inuseObjects - objects0
      guard bytes > 0, objects > 0 else { continue }
      var frames = s.frames[...]
      while let f = frames.first, AllocatorFrames.isAllocator(f) { frames = frames.dropFirst() }
      leaks.append(Site(frames: Array(frames), bytes: bytes, objects: objects))
    }
    leaks.sort { ($0.bytes, $0.objects) > ($1.bytes, $1.objects) }
    return LeakCheck(leaks: leaks, iterations: iterations)
  }
}
