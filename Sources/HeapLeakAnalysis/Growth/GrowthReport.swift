import Foundation

/// `heapprof growth`: the verdict first (how many leak suspects, what share of the growth),
/// then each suspect with its numbers, path and fix, then bounded caches and churn.
public enum GrowthReport {
  /// Plain text for people.
  public static func render(_ a: GrowthAnalysis, maxPathFrames: Int = 14) -> String {
    var out = ""
    let first = a.snapshots.first?.inuseBytes ?? 0, last = a.snapshots.last?.inuseBytes ?? 0
    let pid = a.snapshots.compactMap(\.pid).first.map { " of pid \($0)" } ?? ""
    var span = ""
    if let t0 = a.snapshots.first?.timeNanos, let t1 = a.snapshots.last?.timeNanos, t0 > 0, t1 > t0 {
      span = String(format: " over %.1f s", Double(t1 - t0) / 1e9)
    }
    out +=
      "Growth across \(a.snapshots.count) snapshots\(pid)\(span): in use \(formatBytes(first)) → \(formatBytes(last)) (\(signed(last - first)))\n"
    for (i, s) in a.snapshots.enumerated() {
      out += "  \(i + 1). \(s.source)  \(formatBytes(s.inuseBytes))\(s.isExitDump ? "  (written at exit)" : "")\n"
    }
    for note in a.notes { out += "note: \(note)\n" }
    let suspects = a.suspects
    if suspects.isEmpty {
      out +=
        "\nVerdict: no leak suspect — no site grew in every interval, or kept every object it made, "
        + "with a real share of the growth.\n"
    } else {
      // Suspects by bytes are measured in bytes; those that kept their objects while their
      // bytes fell, in objects.
      let byBytes = suspects.filter { $0.grewEveryInterval && $0.growthBytes > 0 }
      let byObjects = suspects.filter { !($0.grewEveryInterval && $0.growthBytes > 0) }
      out += "\nVerdict: \(suspects.count) leak suspect\(suspects.count == 1 ? "" : "s")"
      if !byBytes.isEmpty {
        let share = byBytes.reduce(0.0) { $0 + $1.growthShare }
        let prefix = byObjects.isEmpty ? "" : " — \(byBytes.count)"
        out +=
          "\(prefix) hold\(byBytes.count == 1 ? "s" : "") \(percent(share)) of the growth "
          + "(\(signed(byBytes.reduce(0) { $0 + $1.growthBytes })) of \(formatBytes(a.totalGrowthBytes)))"
      }
      if !byObjects.isEmpty {
        let gained = byObjects.reduce(Int64(0)) { sum, g in
          sum + (g.inuseObjects[a.judgedSnapshots - 1] - g.inuseObjects[0])
        }
        let share = Double(gained) / Double(max(1, a.totalObjectGrowth))
        out +=
          "\(byBytes.isEmpty ? " —" : ";") \(byObjects.count) kept every object \(byObjects.count == 1 ? "it" : "they") "
          + "made: +\(gained) live objects (\(percent(share)) of the object growth), though their bytes did not grow"
      }
      out += ".\n"
    }
    for (n, g) in suspects.enumerated() {
      out += "\nLEAK SUSPECT \(n + 1): \(g.verdict.rawValue)"
      if let map = g.map, let outer = g.mapKeptBy {
        out += " — \(map) kept by \(outer)"
      } else if let map = g.map, let owner = g.mapOwner {
        out += " — \(map) in \(owner)"
      } else {
        out += " — \(g.allocatingFunction)"
      }
      out += "\n"
      out += "  grew:     \(signed(g.growthBytes)) (\(percent(g.growthShare)) of the growth"
      if let r = g.bytesPerSecond { out += ", \(signed(Int64(r)))/s" }
      // The values judged; a last dump written at exit is shown apart.
      let judged = a.judgedSnapshots
      let atExit =
        judged < g.inuseBytes.count
        ? " (at exit: \(formatBytes(g.inuseBytes[judged])), \(g.inuseObjects[judged]) objects)" : ""
      let bytes = g.inuseBytes.prefix(judged).map(formatBytes).joined(separator: " → ")
      if g.grewEveryInterval {
        out += "), in every interval: \(bytes)\(atExit)\n"
      } else {
        out += "): \(bytes)\(atExit)\n"
        let objects = g.inuseObjects.prefix(judged).map(String.init).joined(separator: " → ")
        out += "  objects:  never fewer: \(objects) live objects\n"
      }
      out += "  survived: its oldest bytes are in \(g.survivedSnapshots) of \(a.judgedSnapshots) snapshots\n"
      if g.siteCount > 1 {
        out += "  sites:    \(g.siteCount) allocation stacks judged together (map storage and entries)\n"
      }
      if let insert = g.insertPath, let map = g.map {
        out +=
          "  insert:   " + (pathLines(insert, max: maxPathFrames) + [map]).joined(separator: "\n            ") + "\n"
        out += "  largest allocation, from the entry point:\n"
        out += "            " + pathLines(g.path, max: maxPathFrames).joined(separator: "\n            ") + "\n"
      } else {
        out += "  path:     " + pathLines(g.path, max: maxPathFrames).joined(separator: "\n            ") + "\n"
      }
      out += "  verdict:  \(g.summary)\n"
    }
    let bounded = a.groups.filter { $0.verdict == .boundedCache }
    let churn = a.groups.filter { $0.verdict == .churn }
    if !bounded.isEmpty {
      out += "\nBounded (grew, then stopped — not leaks):\n"
      for g in bounded.prefix(5) {
        out +=
          "  \(g.map.map { "\($0) in " } ?? "")\(g.mapOwner ?? g.allocatingFunction): \(g.inuseBytes.map(formatBytes).joined(separator: " → "))\n"
      }
    }
    if !churn.isEmpty {
      out += "\nChurn (much allocated, flat in-use — not leaks):\n"
      for g in churn.prefix(5) {
        out +=
          "  \(g.map.map { "\($0) in " } ?? "")\(g.mapOwner ?? g.allocatingFunction): allocated \(formatBytes(g.allocatedBytes ?? 0)), in use \(formatBytes(g.inuseBytes.last ?? 0))\n"
        out += "    \(g.summary)\n"
      }
    }
    return out
  }

  /// JSON for scripts and CI: snapshots, total growth, and every group with its verdict.
  public static func json(_ a: GrowthAnalysis) -> String {
    struct Document: Encodable {
      var snapshots: [GrowthAnalysis.Snapshot]
      var totalGrowthBytes: Int64
      /// Snapshots the verdicts are judged on, from the first (a last exit dump is not).
      var judgedSnapshots: Int
      var suspects: Int
      var groups: [GrowthAnalysis.Group]
      var notes: [String]
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let doc = Document(
      snapshots: a.snapshots, totalGrowthBytes: a.totalGrowthBytes, judgedSnapshots: a.judgedSnapshots,
      suspects: a.suspects.count, groups: a.groups,
      notes: a.notes)
    let data = (try? encoder.encode(doc)) ?? Data("{}".utf8)
    return String(decoding: data, as: UTF8.self) + "\n"
  }

  /// The path with runs of library frames folded into one `… N library frames …` line,
  /// starting below the last entry point, at most `max` lines.
  public static func pathLines(_ fullRootFirst: [String], max: Int) -> [String] {
    // Start below the last entry point (main, `$main`, SwiftPM's `Module_main`): what
    // comes before it is the same for every stack.
    var rootFirst = fullRootFirst[...]
    if let last = rootFirst.lastIndex(where: FrameClassifier.isEntryPoint), last < rootFirst.endIndex - 1 {
      rootFirst = rootFirst[(last + 1)...]
    }
    var lines: [String] = []
    var libraryRun = 0
    func flush() {
      if libraryRun > 0 { lines.append("… \(libraryRun) library frame\(libraryRun == 1 ? "" : "s") …") }
      libraryRun = 0
    }
    for (i, f) in rootFirst.enumerated() {
      let isLast = i == rootFirst.count - 1
      if FrameClassifier.isLibrary(f) && !isLast && FrameClassifier.mapKind(f) == nil {
        libraryRun += 1
      } else {
        flush()
        lines.append(f)
      }
    }
    flush()
    if lines.count > max { lines = Array(lines.prefix(2)) + ["…"] + Array(lines.suffix(max - 3)) }
    return lines
  }

  static func signed(_ v: Int64) -> String { v >= 0 ? "+" + formatBytes(v) : "-" + formatBytes(-v) }
  static func percent(_ f: Double) -> String { String(format: "%.1f%%", f * 100) }
}
