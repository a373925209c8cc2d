import HeapProfile

/// The `traces` report: every sample's stack with its value, as pprof's `-traces`.
public enum TracesReport {
  static let separator = "-----------+-------------------------------------------------------"

  /// Renders the report.
  ///
  /// - Parameters:
  ///   - profile: A symbolized, pruned and filtered profile.
  ///   - options: Sample index, granularity and header options (no trimming applies).
  /// - Returns: The header lines, then per sample a separator, its string and numeric
  ///   labels, and one frame per line (leaf first) with the value on the first.
  public static func render(_ profile: Profile, options: ReportOptions) -> String {
    let ctx = ReportContext(profile, options: options, kind: .traces)
    let table = ctx.table
    let units = GraphInput.numLabelUnits(profile)
    var out = ctx.profileLabels().joined(separator: "\n") + "\n"
    for (si, sample) in profile.samples.enumerated() {
      let start = table.sampleStart[si], end = table.sampleStart[si + 1]
      if start == end { continue }
      out += separator + "\n"
      var labels: [String] = []
      for (k, vs) in sample.labels {
        labels.append(pad(k, 10) + ":  " + vs.joined(separator: " ") + "\n")
      }
      out += labels.sorted().joined()
      var numLabels: [String] = []
      for (k, vs) in sample.numLabels {
        let unit = units[k] ?? k
        numLabels.append(
          pad(k, 10) + ":  " + vs.map { Measurement.label($0, unit: unit) }.joined(separator: " ") + "\n")
      }
      out += numLabels.sorted().joined()
      var first = true
      for fi in start..<end {
        let nodes = table.locationNodes[Int(table.frames[fi])]
        for (i, node) in nodes.enumerated() {
          let value = first ? ctx.format(ctx.input.values[si]) : ""
          first = false
          out += pad(value, 10) + "   " + table.names[Int(node)] + (i != nodes.count - 1 ? " (inline)" : "") + "\n"
        }
      }
    }
    out += separator + "\n"
    return out
  }
}
