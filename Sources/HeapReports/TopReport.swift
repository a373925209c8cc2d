import HeapProfile

/// The `top` report: pprof's `-top` text table (`flat flat% sum% cum cum% name`), one row
/// per node of the trimmed call graph, sorted by flat (or cum with ``ReportOptions/cum``).
public enum TopReport {
  /// Renders the report.
  ///
  /// - Parameters:
  ///   - profile: A symbolized, pruned and filtered profile.
  ///   - options: Sample index, sort, trimming and header options.
  /// - Returns: The header lines and the table, each line ending in a newline.
  public static func render(_ profile: Profile, options: ReportOptions) -> String {
    var ctx = ReportContext(profile, options: options, kind: .text)
    let (g, origCount, droppedNodes, _) = ctx.trimmedGraph()
    ctx.selectOutputUnit(g)
    let labels = ctx.reportLabels(
      g, origCount: origCount, droppedNodes: droppedNodes, droppedEdges: 0, fullHeaders: false)
    var out = labels.joined(separator: "\n") + "\n"
    out += "      flat  flat%   sum%        cum   cum%\n"
    var flatSum: Int64 = 0
    for n in g.nodes {
      flatSum += n.flat
      out += pad(ctx.format(n.flat), 10) + " " + Measurement.percentage(n.flat, of: ctx.total) + " "
      out += Measurement.percentage(flatSum, of: ctx.total) + " " + pad(ctx.format(n.cum), 10) + " "
      out += Measurement.percentage(n.cum, of: ctx.total) + "  " + n.name
      out += inlineLabel(g, n)
      out += "\n"
    }
    return out
  }

  /// ` (inline)` when every incoming edge was inlined, ` (partial-inline)` when some were.
  static func inlineLabel(_ g: CallGraph, _ n: CallGraph.Node) -> String {
    var inline = false, notInline = false
    for e in n.inEdges {
      if g.edges[e].inline { inline = true } else { notInline = true }
    }
    if !inline { return "" }
    return notInline ? " (partial-inline)" : " (inline)"
  }
}

/// Right-aligns `s` in `width` characters (Go's `%10s`).
func pad(_ s: String, _ width: Int) -> String {
  let n = s.count
  return n >= width ? s : String(repeating: " ", count: width - n) + s
}
