import HeapProfile

/// The `top` report: pprof's `-top` text table (`flat flat% sum% cum cum% name`), one row
/// per node of the trimmed call graph, sorted by flat (or cum with ``ReportOptions/cum``).
public enum TopReport {
  /// One row of the table: a node of the trimmed call graph.
  public struct Row: Sendable {
    /// The node's name.
    public let name: String
    /// ` (inline)` or ` (partial-inline)` as pprof marks inlined nodes, or empty.
    public let inlineMark: String
    public let flat: Int64
    public let cum: Int64
  }

  /// The report's content: pprof's header lines, the rows in report order, the total the
  /// percentages are of, and how values are formatted (the output unit chosen for them).
  public struct Table {
    public let header: [String]
    public let rows: [Row]
    public let total: Int64
    /// Formats a value of this table in its output unit, as the text report does.
    public let format: (Int64) -> String
  }

  /// The table behind ``render(_:options:)``, for views that draw it themselves (the web
  /// UI's sortable table): the same trimming, order and header as the text report.
  public static func table(_ profile: Profile, options: ReportOptions) -> Table {
    var ctx = ReportContext(profile, options: options, kind: .text)
    let (g, origCount, droppedNodes, _) = ctx.trimmedGraph()
    ctx.selectOutputUnit(g)
    let labels = ctx.reportLabels(
      g, origCount: origCount, droppedNodes: droppedNodes, droppedEdges: 0, fullHeaders: false)
    let rows = g.nodes.map { Row(name: $0.name, inlineMark: inlineLabel(g, $0), flat: $0.flat, cum: $0.cum) }
    let context = ctx
    return Table(header: labels, rows: rows, total: ctx.total, format: { context.format($0) })
  }

  /// Renders the report.
  ///
  /// - Parameters:
  ///   - profile: A symbolized, pruned and filtered profile.
  ///   - options: Sample index, sort, trimming and header options.
  /// - Returns: The header lines and the table, each line ending in a newline.
  public static func render(_ profile: Profile, options: ReportOptions) -> String {
    let t = table(profile, options: options)
    var out = t.header.joined(separator: "\n") + "\n"
    out += "      flat  flat%   sum%        cum   cum%\n"
    var flatSum: Int64 = 0
    for r in t.rows {
      flatSum += r.flat
      out += pad(t.format(r.flat), 10) + " " + Measurement.percentage(r.flat, of: t.total) + " "
      out += Measurement.percentage(flatSum, of: t.total) + " " + pad(t.format(r.cum), 10) + " "
      out += Measurement.percentage(r.cum, of: t.total) + "  " + r.name + r.inlineMark + "\n"
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
