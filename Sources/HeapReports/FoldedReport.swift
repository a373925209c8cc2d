import HeapProfile

/// Folded stacks for flame graphs (Brendan Gregg's `flamegraph.pl`, inferno, speedscope):
/// one line per distinct stack, frames root first joined by `;`, a space, and the summed
/// value of the chosen sample index. Inlined frames are frames of their own. Stacks whose
/// values sum to zero are left out; lines are sorted by stack.
public enum FoldedReport {
  /// Renders the report.
  ///
  /// - Parameters:
  ///   - profile: A symbolized, pruned and filtered profile.
  ///   - options: Sample index and granularity (no trimming applies).
  /// - Returns: The folded lines, each ending in a newline.
  public static func render(_ profile: Profile, options: ReportOptions) -> String {
    let ctx = ReportContext(profile, options: options, kind: .traces)
    let table = ctx.table
    // Sum values per distinct stack of node ids first; build strings once per stack.
    var sums: [[Int32]: Int64] = [:]
    var stack: [Int32] = []
    for si in 0..<profile.samples.count {
      let w = ctx.input.values[si]
      if w == 0 { continue }
      stack.removeAll(keepingCapacity: true)
      var fi = table.sampleStart[si + 1] - 1
      while fi >= table.sampleStart[si] {
        let nodes = table.locationNodes[Int(table.frames[fi])]
        for node in nodes.reversed() { stack.append(node) }
        fi -= 1
      }
      if stack.isEmpty { continue }
      sums[stack, default: 0] += w
    }
    var lines: [(String, Int64)] = []
    lines.reserveCapacity(sums.count)
    for (s, v) in sums where v != 0 {
      lines.append((s.map { frameName(table.names[Int($0)]) }.joined(separator: ";"), v))
    }
    lines.sort { $0.0 < $1.0 }
    var out = ""
    for (s, v) in lines { out += "\(s) \(v)\n" }
    return out
  }

  /// A frame name safe for the folded format: `;` separates frames and a newline ends the
  /// line, so both are replaced.
  static func frameName(_ name: String) -> String {
    guard name.contains(where: { $0 == ";" || $0 == "\n" }) else { return name }
    return name.replacingOccurrences(of: ";", with: ",").replacingOccurrences(of: "\n", with: " ")
  }
}
