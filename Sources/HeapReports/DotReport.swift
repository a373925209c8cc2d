import Foundation
import HeapProfile

/// The call graph in Graphviz DOT, with pprof's conventions: a legend box in
/// `subgraph cluster_L`, node font size 8..24 by flat, `flat (pct)` / `of cum (pct)`
/// labels, colors by cum, edge weight and width by value, `(inline)` edge labels, dotted
/// residual edges, tooltips with full names, and `bytes` nodelets.
public enum DotReport {
  /// Renders the graph.
  ///
  /// - Parameters:
  ///   - profile: A symbolized, pruned and filtered profile.
  ///   - options: Sample index, trimming (80 nodes unless ``ReportOptions/nodeCount`` says
  ///     otherwise), granularity, title and label options.
  /// - Returns: A DOT document that `dot -Tsvg` accepts.
  public static func render(_ profile: Profile, options: ReportOptions) -> String {
    var ctx = ReportContext(profile, options: options, kind: .dot)
    let (g, origCount, droppedNodes, droppedEdges) = ctx.trimmedGraph()
    ctx.selectOutputUnit(g)
    let labels = ctx.reportLabels(
      g, origCount: origCount, droppedNodes: droppedNodes, droppedEdges: droppedEdges, fullHeaders: true)
    var title = options.title ?? ""
    if options.title == nil, let m = profile.mappings.first, !m.file.isEmpty { title = baseName(m.file) }
    var b = DotBuilder(ctx: ctx, graph: g, readable: options.readableLabels)
    b.out = "digraph \"\(title.isEmpty ? "unnamed" : title)\" {\n"
    b.out += "node [style=filled fillcolor=\"#f8f8f8\"]\n"
    if let first = labels.first {
      b.out += "subgraph cluster_L { \"\(DotLabels.escape(first))\" [shape=box fontsize=16"
      b.out += " label=\"\(labels.map(DotLabels.escape).joined(separator: "\\l"))\\l\""
      if !title.isEmpty { b.out += " tooltip=\"\(title)\"" }
      b.out += "] }\n"
    }
    b.compose()
    b.out += "}\n"
    return b.out
  }
}

/// Writes nodes, nodelets and edges of one graph (pprof's `ComposeDot`).
struct DotBuilder {
  let ctx: ReportContext
  let graph: CallGraph
  let readable: Bool
  var out = ""

  init(ctx: ReportContext, graph: CallGraph, readable: Bool) {
    self.ctx = ctx
    self.graph = graph
    self.readable = readable
  }

  mutating func compose() {
    guard let first = graph.nodes.first else { return }
    var maxFlat = Double(abs(first.flat))
    for n in graph.nodes where Double(abs(n.flat)) > maxFlat { maxFlat = Double(abs(n.flat)) }
    var hasNodelets = [Bool](repeating: false, count: graph.nodes.count)
    var live: [Int] = []
    for (i, n) in graph.nodes.enumerated() {
      addNode(n, id: i + 1, maxFlat: maxFlat)
      hasNodelets[i] = addNodelets(n, id: i + 1)
      live += n.outEdges
    }
    for e in graph.sortedEdges(live) {
      let edge = graph.edges[e]
      addEdge(edge, from: edge.source + 1, to: edge.destination + 1, hasNodelets: hasNodelets[edge.source])
    }
  }

  private func pct(_ v: Int64) -> String {
    Measurement.percentage(v, of: ctx.total).trimmingCharacters(in: .whitespaces)
  }

  mutating func addNode(_ n: CallGraph.Node, id: Int, maxFlat: Double) {
    var label = DotLabels.multilineName(n.info, readable: readable)
    let flatValue = ctx.format(n.flat)
    label += n.flat != 0 ? "\(flatValue) (\(pct(n.flat)))" : "0"
    var cumValue = flatValue
    if n.cum != n.flat {
      label += n.flat != 0 ? "\\n" : " "
      cumValue = ctx.format(n.cum)
      label += "of \(cumValue) (\(pct(n.cum)))"
    }
    var fontSize = 8
    if maxFlat != 0 && n.flat != 0 && Double(abs(n.flat)) <= maxFlat {
      fontSize += Int((16.0 * (Double(abs(n.flat)) / maxFlat).squareRoot()).rounded(.up))
    }
    let score = Double(n.cum) / Double(abs(ctx.total))
    out += "N\(id) [label=\"\(label)\" id=\"node\(id)\" fontsize=\(fontSize) shape=box"
    out += " tooltip=\"\(DotLabels.escape(n.name)) (\(cumValue))\" color=\"\(dotColor(score, background: false))\""
    out += " fillcolor=\"\(dotColor(score, background: true))\"]\n"
  }

  /// pprof's tag order: by |cum| (unless flat), then |flat|, then name.
  static func sortTags(_ tags: [CallGraph.Tag], flat: Bool) -> [CallGraph.Tag] {
    tags.sorted { a, b in
      if !flat && a.cum != b.cum { return abs(a.cum) > abs(b.cum) }
      if a.flat != b.flat { return abs(a.flat) > abs(b.flat) }
      return a.name < b.name
    }
  }

  mutating func addNodelets(_ n: CallGraph.Node, id: Int) -> Bool {
    var nodelets = ""
    let flatTags = !n.outEdges.isEmpty
    let numericTags = graph.numericTags(n)
    var ts = DotBuilder.sortTags(Array(graph.labelTags(n).values), flat: flatTags)
    if ts.count > maxNodelets { ts = Array(ts.prefix(maxNodelets)) }
    for (i, t) in ts.enumerated() {
      let w = flatTags ? t.flat : t.cum
      if w == 0 { continue }
      let weight = ctx.format(w)
      nodelets +=
        "N\(id)_\(i) [label = \"\(t.name)\" id=\"N\(id)_\(i)\" fontsize=8 shape=box3d tooltip=\"\(weight)\"]\n"
      nodelets +=
        "N\(id) -> N\(id)_\(i) [label=\" \(weight)\" weight=100 tooltip=\"\(weight)\" labeltooltip=\"\(weight)\"]\n"
      if let nts = numericTags[t.name], !nts.isEmpty {
        nodelets += numericNodelets(Array(nts.values), flatTags: flatTags, source: "N\(id)_\(i)")
      }
    }
    if let nts = numericTags[""], !nts.isEmpty {
      nodelets += numericNodelets(Array(nts.values), flatTags: flatTags, source: "N\(id)")
    }
    out += nodelets
    return !nodelets.isEmpty
  }

  func numericNodelets(_ nts: [CallGraph.Tag], flatTags: Bool, source: String) -> String {
    var s = ""
    for (j, t) in collapsedTags(nts, count: maxNodelets, flatTags: flatTags).enumerated() {
      var w = t.cum, attr = " style=\"dotted\""
      if flatTags || t.flat == t.cum { (w, attr) = (t.flat, "") }
      if w != 0 {
        let weight = ctx.format(w)
        s +=
          "N\(source)_\(j) [label = \"\(t.name)\" id=\"N\(source)_\(j)\" fontsize=8 shape=box3d tooltip=\"\(weight)\"]\n"
        s +=
          "\(source) -> N\(source)_\(j) [label=\" \(weight)\" weight=100 tooltip=\"\(weight)\" labeltooltip=\"\(weight)\"\(attr)]\n"
      }
    }
    return s
  }

  /// Sorts numeric tags and folds them into at most `count` ranges such as `1kB..2kB`.
  func collapsedTags(_ tags: [CallGraph.Tag], count: Int, flatTags: Bool) -> [CallGraph.Tag] {
    let ts = DotBuilder.sortTags(tags, flat: flatTags)
    if ts.count <= count { return ts }
    var groups: [[CallGraph.Tag]] = ts.prefix(count).map { [$0] }
    func distance(_ t: CallGraph.Tag, _ u: CallGraph.Tag) -> Double {
      let v = Measurement.scale(u.value, from: u.unit, to: t.unit).0
      return v < Double(t.value) ? Double(t.value) - v : v - Double(t.value)
    }
    for t in ts.dropFirst(count) {
      var g = 0
      var d = distance(t, groups[0][0])
      for i in 1..<count {
        let nd = distance(t, groups[i][0])
        if nd < d { (g, d) = (i, nd) }
      }
      groups[g].append(t)
    }
    var merged: [CallGraph.Tag] = []
    for g in groups {
      if g.count == 1 {
        let t = g[0]
        merged.append(
          CallGraph.Tag(name: Measurement.label(t.value, unit: t.unit), unit: "", value: 0, flat: t.flat, cum: t.cum))
        continue
      }
      var lo = g[0], hi = g[0]
      var f = lo.flat, c = lo.cum
      for t in g.dropFirst() {
        if Int64(Measurement.scale(t.value, from: t.unit, to: lo.unit).0) < lo.value { lo = t }
        if Int64(Measurement.scale(t.value, from: t.unit, to: hi.unit).0) > hi.value { hi = t }
        f += t.flat
        c += t.cum
      }
      let name = Measurement.label(lo.value, unit: lo.unit) + ".." + Measurement.label(hi.value, unit: hi.unit)
      merged.append(CallGraph.Tag(name: name, unit: "", value: 0, flat: f, cum: c))
    }
    return DotBuilder.sortTags(merged, flat: flatTags)
  }

  mutating func addEdge(_ e: CallGraph.Edge, from: Int, to: Int, hasNodelets: Bool) {
    let w = ctx.format(e.weight)
    var attr = "label=\" \(w)\(e.inline ? "\\n (inline)" : "")\""
    let total = ctx.total
    if total != 0 {
      let weight = 1 + Int(min(abs(e.weight &* 100 / total), 100))
      if weight > 1 { attr += " weight=\(weight)" }
      let width = 1 + Int(min(abs(e.weight &* 5 / total), 5))
      if width > 1 { attr += " penwidth=\(width)" }
      attr += " color=\"\(dotColor(Double(e.weight) / Double(abs(total)), background: false))\""
    }
    let arrow = e.residual ? "..." : "->"
    let src = graph.nodes[e.source].name, dst = graph.nodes[e.destination].name
    let tooltip = "\"\(DotLabels.escape(src)) \(arrow) \(DotLabels.escape(dst)) (\(w))\""
    attr += " tooltip=\(tooltip) labeltooltip=\(tooltip)"
    if e.residual { attr += " style=\"dotted\"" }
    if hasNodelets { attr += " minlen=2" }
    out += "N\(from) -> N\(to) [\(attr)]\n"
  }
}

/// pprof's `dotColor`: red for large positive scores, green for large negative, grey near
/// zero; a light version for backgrounds.
func dotColor(_ scoreIn: Double, background: Bool) -> String {
  let shift = 0.7
  var saturation = background ? 0.1 : 1.0
  let value = background ? 0.93 : 0.7
  var score = max(-1.0, min(1.0, scoreIn))
  if abs(score) < 0.2 { saturation *= abs(score) / 0.2 }
  if score > 0 { score = pow(score, 1.0 - shift) }
  if score < 0 { score = -pow(-score, 1.0 - shift) }
  var r: Double, g: Double
  if score < 0 {
    g = value
    r = value * (1 + saturation * score)
  } else {
    r = value
    g = value * (1 - saturation * score)
  }
  let b = value * (1 - saturation)
  func hex(_ v: Double) -> String {
    let byte = goUInt8(v * 255.0)
    return byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
  }
  return "#" + hex(r) + hex(g) + hex(b)
}

/// Go's float64 → uint8 conversion for values in range (truncation); NaN gives 0.
func goUInt8(_ v: Double) -> UInt8 {
  guard v.isFinite else { return 0 }
  let t = v.rounded(.towardZero)
  if t < 0 { return UInt8(truncatingIfNeeded: Int64(t)) }
  if t > 255 { return UInt8(truncatingIfNeeded: Int64(min(t, 9e18))) }
  return UInt8(t)
}
