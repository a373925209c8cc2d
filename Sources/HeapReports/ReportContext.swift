import Foundation
import HeapProfile

#if canImport(Glibc)
  import Glibc
#endif

/// What every report shares, as pprof's `report.Report`: the chosen sample type, the
/// total that percentages refer to, the output unit, the node table, and the header lines.
struct ReportContext {
  /// Kinds of report, which differ in trimming defaults and headers.
  enum Kind {
    case text, dot, peek, traces
  }

  let profile: Profile
  let options: ReportOptions
  let kind: Kind
  let sampleIndex: Int
  let sampleType: ValueType
  let total: Int64
  var outputUnit: String
  let table: NodeTable
  let input: GraphInput

  init(_ profile: Profile, options: ReportOptions, kind: Kind) {
    self.profile = profile
    self.options = options
    self.kind = kind
    let index = profile.sampleTypes.isEmpty ? 0 : min(max(0, options.sampleIndex), profile.sampleTypes.count - 1)
    sampleIndex = index
    sampleType = profile.sampleTypes.isEmpty ? ValueType(type: "", unit: "") : profile.sampleTypes[index]
    table = NodeTable(profile, granularity: options.granularity)
    input = GraphInput(profile, table: table, sampleIndex: index, withTags: kind == .dot)
    if let t = options.total {
      total = t
    } else {
      var t: Int64 = 0
      for v in input.values { t += abs(v) }
      total = t
    }
    outputUnit = options.unit
  }

  /// A value in the report's output unit, as pprof prints it.
  func format(_ v: Int64) -> String {
    Measurement.scaledLabel(v, from: sampleType.unit, to: outputUnit)
  }

  var nodeFraction: Double { kind == .peek ? 0 : (options.nodeFraction ?? 0.005) }
  var edgeFraction: Double { kind == .peek ? 0 : (options.edgeFraction ?? 0.001) }
  var nodeCount: Int { kind == .peek ? 0 : (options.nodeCount ?? (kind == .dot ? 80 : 0)) }

  /// The graph after pprof's trimming (`newTrimmedGraph`): nodes below the node cutoff
  /// dropped, the node count limit applied, light edges dropped, and (DOT) redundant
  /// residual edges removed.
  func trimmedGraph() -> (graph: CallGraph, origCount: Int, droppedNodes: Int, droppedEdges: Int) {
    let visual = kind == .dot
    let order: NodeOrder = visual ? .entropy : (options.cum ? .cum : .flat)
    var g = CallGraph.build(input, kept: nil)
    var totalValue: Int64 = 0
    for n in g.nodes { totalValue += n.flat }
    let nodeCutoff = abs(goInt64(Double(totalValue) * nodeFraction))
    let edgeCutoff = abs(goInt64(Double(totalValue) * edgeFraction))
    var droppedNodes = 0
    if nodeCutoff > 0 {
      var kept = [Bool](repeating: false, count: table.count)
      var keptCount = 0
      for n in g.nodes where abs(n.cum) >= nodeCutoff {
        kept[Int(n.tableID)] = true
        keptCount += 1
      }
      if keptCount != g.nodes.count {
        droppedNodes = g.nodes.count - keptCount
        g = CallGraph.build(input, kept: kept)
      }
    }
    let origCount = g.nodes.count
    g.sort(order)
    if nodeCount > 0 {
      g.trimLowFrequencyTags(nodeCutoff)
      _ = g.trimLowFrequencyEdges(edgeCutoff)
      let top = g.selectTopNodes(nodeCount, visual: visual)
      if top.count != g.nodes.count {
        var kept = [Bool](repeating: false, count: table.count)
        for id in top { kept[Int(id)] = true }
        g = CallGraph.build(input, kept: kept)
        g.sort(order)
      }
    }
    g.trimLowFrequencyTags(nodeCutoff)
    let droppedEdges = g.trimLowFrequencyEdges(edgeCutoff)
    if visual { g.removeRedundantEdges() }
    return (g, origCount, droppedNodes, droppedEdges)
  }

  /// pprof's `selectOutputUnit`: with `minimum`, the unit of the smallest non-zero node
  /// value, or a larger one when the smallest is under 1% of the total.
  mutating func selectOutputUnit(_ g: CallGraph) {
    guard options.unit == "minimum", !g.nodes.isEmpty else { return }
    var minValue: Int64 = 0
    for n in g.nodes {
      var v = abs(n.flat)
      if v == 0 { v = abs(n.cum) }
      if v > 0 && (minValue == 0 || v < minValue) { minValue = v }
    }
    let maxValue = total
    if minValue == 0 { minValue = maxValue }
    let sampleUnit = sampleType.unit
    let unitOf = { (v: Int64) in Measurement.scale(v, from: sampleUnit, to: "minimum").1 }
    let minUnit = unitOf(minValue), maxUnit = unitOf(maxValue)
    var unit = minUnit
    if minUnit != maxUnit && minValue &* 100 < maxValue {
      unit = unitOf(100 &* minValue)
    }
    outputUnit = unit.isEmpty ? sampleType.unit : unit
  }

  // MARK: - Header lines

  /// `File:`, `Build ID:`, comments, `Type:`, `Time:` and `Duration:` lines.
  func profileLabels() -> [String] {
    var labels: [String] = []
    if let first = profile.mappings.first {
      if let name = options.fileName {
        if !name.isEmpty { labels.append("File: " + name) }
      } else if !first.file.isEmpty {
        labels.append("File: " + baseName(first.file))
      }
      if !first.buildID.isEmpty { labels.append("Build ID: " + first.buildID) }
    } else if let name = options.fileName, !name.isEmpty {
      labels.append("File: " + name)
    }
    for c in profile.comments where !c.hasPrefix("#") { labels.append(c) }
    if !sampleType.type.isEmpty { labels.append("Type: " + sampleType.type) }
    if profile.timeNanos != 0 {
      labels.append("Time: " + formatTime(profile.timeNanos, layout: options.timeLayout))
    }
    if profile.durationNanos != 0 {
      let duration = Measurement.label(profile.durationNanos, unit: "nanoseconds")
      let (totalNanos, totalUnit) = Measurement.scale(total, from: sampleType.unit, to: "nanoseconds")
      var ratio = ""
      if totalUnit == "ns" && totalNanos != 0 {
        ratio = "(" + Measurement.percentage(Int64(totalNanos), of: profile.durationNanos) + ")"
      }
      labels.append("Duration: \(duration), Total samples = \(format(total)) \(ratio)")
    }
    return labels
  }

  /// Header lines of a graph-based report (pprof's `reportLabels`).
  func reportLabels(_ g: CallGraph, origCount: Int, droppedNodes: Int, droppedEdges: Int, fullHeaders: Bool) -> [String]
  {
    var labels = profileLabels()
    var flatSum: Int64 = 0
    for n in g.nodes { flatSum += n.flat }
    if !options.activeFilters.isEmpty {
      labels.append("Active filters:")
      for (k, v) in options.activeFilters {
        var s = k + "=" + v
        if s.utf8.count > 80 {
          // pprof cuts at 80 bytes.
          s = String(decoding: Array(s.utf8.prefix(80)), as: UTF8.self) + "…"
        }
        labels.append("   " + s)
      }
    }
    let pct = Measurement.percentage(flatSum, of: total).trimmingCharacters(in: .whitespaces)
    labels.append("Showing nodes accounting for \(format(flatSum)), \(pct) of \(format(total)) total")
    if total != 0 {
      if droppedNodes > 0 {
        labels.append(dropLabel(droppedNodes, "node", "cum", format(abs(goInt64(Double(total) * nodeFraction)))))
      }
      if droppedEdges > 0 {
        labels.append(dropLabel(droppedEdges, "edge", "freq", format(abs(goInt64(Double(total) * edgeFraction)))))
      }
      if g.nodes.count > 0 && g.nodes.count < origCount {
        labels.append("Showing top \(g.nodes.count) nodes out of \(origCount)")
      }
    }
    if fullHeaders {
      labels.append("\nSee https://git.io/JfYMW for how to read the graph")
    }
    return labels
  }

  private func dropLabel(_ d: Int, _ noun: String, _ what: String, _ value: String) -> String {
    "Dropped \(d) \(d > 1 ? noun + "s" : noun) (\(what) <= \(value))"
  }
}

/// Formats nanoseconds since the epoch in the local time zone (`TZ`).
func formatTime(_ nanos: Int64, layout: ReportOptions.TimeLayout) -> String {
  var seconds = time_t(nanos / 1_000_000_000)
  if nanos < 0 && nanos % 1_000_000_000 != 0 { seconds -= 1 }
  var tm = tm()
  localtime_r(&seconds, &tm)
  let zone = tm.tm_zone.map { String(cString: $0) } ?? "UTC"
  let year = Int(tm.tm_year) + 1900, month = Int(tm.tm_mon) + 1, day = Int(tm.tm_mday)
  let hour = Int(tm.tm_hour), minute = Int(tm.tm_min), second = Int(tm.tm_sec)
  func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
  switch layout {
  case .iso:
    return "\(year)-\(two(month))-\(two(day)) \(two(hour)):\(two(minute)):\(two(second)) \(zone)"
  case .go119:
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    let h12 = hour % 12 == 0 ? 12 : hour % 12
    return "\(months[month - 1]) \(day), \(year) at \(h12):\(two(minute))\(hour < 12 ? "am" : "pm") (\(zone))"
  }
}
