import Foundation
import HeapProfile

/// The `peek` report: for every node whose name matches a regular expression, its callers
/// and callees with the weight of each call, as pprof's `-peek` (its `tree` layout limited
/// to the matches, never trimmed).
public enum PeekReport {
  static let separator = "----------------------------------------------------------+-------------"
  static let legend = "      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t "

  /// Renders the report.
  ///
  /// - Parameters:
  ///   - profile: A symbolized, pruned and filtered profile.
  ///   - regex: A regular expression searched for in node names (unanchored).
  ///   - options: Sample index, sort, granularity and header options.
  /// - Returns: The header lines and one block per matching node.
  /// - Throws: ``ReportError`` when `regex` does not compile or matches no node.
  public static func render(_ profile: Profile, regex: String, options: ReportOptions) throws -> String {
    let rx: NSRegularExpression
    do {
      rx = try NSRegularExpression(pattern: regex)
    } catch {
      throw ReportError(
        "parsing argument regexp \(regex): not a valid regular expression; quote it, and escape special characters such as ( [ . with \\"
      )
    }
    var ctx = ReportContext(profile, options: options, kind: .peek)
    let (g, origCount, droppedNodes, _) = ctx.trimmedGraph()
    ctx.selectOutputUnit(g)
    let labels = ctx.reportLabels(
      g, origCount: origCount, droppedNodes: droppedNodes, droppedEdges: 0, fullHeaders: false)
    var out = labels.joined(separator: "\n") + "\n"
    out += separator + "\n" + legend + "\n"
    var flatSum: Int64 = 0
    var matched = 0
    for n in g.nodes {
      let range = NSRange(n.name.startIndex..., in: n.name)
      if rx.firstMatch(in: n.name, range: range) == nil { continue }
      matched += 1
      out += separator + "\n"
      for e in g.sortedEdges(n.inEdges) {
        let edge = g.edges[e]
        out += pad(ctx.format(edge.weight), 50) + " " + Measurement.percentage(edge.weight, of: n.cum) + " |   "
        out += g.nodes[edge.source].name + (edge.inline ? " (inline)" : "") + "\n"
      }
      flatSum += n.flat
      out += pad(ctx.format(n.flat), 10) + " " + Measurement.percentage(n.flat, of: ctx.total) + " "
      out += Measurement.percentage(flatSum, of: ctx.total) + " " + pad(ctx.format(n.cum), 10) + " "
      out += Measurement.percentage(n.cum, of: ctx.total) + "                | " + n.name + "\n"
      for e in g.sortedEdges(n.outEdges) {
        let edge = g.edges[e]
        out += pad(ctx.format(edge.weight), 50) + " " + Measurement.percentage(edge.weight, of: n.cum) + " |   "
        out += g.nodes[edge.destination].name + (edge.inline ? " (inline)" : "") + "\n"
      }
    }
    if !g.nodes.isEmpty { out += separator + "\n" }
    if matched == 0 {
      throw ReportError("no matches found for regexp: \(regex); `heapprof top` lists the node names it can match")
    }
    return out
  }
}
