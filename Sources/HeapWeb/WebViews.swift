import Foundation
import HeapLeakAnalysis
import HeapProfile
import HeapReports

/// The data of every view of the web UI, as JSON: computed from the series by the same
/// libraries as the CLI's reports (so a number on the page is the number `heapprof top`
/// prints), for the refinement state of a ``WebQuery``.
struct WebViews {
  let series: WebSeries
  /// Renders DOT as SVG (Graphviz `dot`); nil when Graphviz is not installed.
  let renderDot: ((String) throws -> Data)?

  /// A view that cannot be made: the HTTP status and one line for the user.
  typealias Failure = WebQuery.Failure

  // MARK: - Selection

  /// The snapshot `q.snapshot` (default: the newest).
  func snapshot(_ q: WebQuery, _ index: Int? = nil) throws -> WebSeries.Snapshot {
    let all = series.snapshots
    guard !all.isEmpty else { throw Failure(status: 404, message: "no snapshot yet") }
    let i = index ?? q.snapshot ?? (all.count - 1)
    guard all.indices.contains(i) else {
      throw Failure(status: 404, message: "no snapshot \(i): the series has \(all.count) (0 to \(all.count - 1))")
    }
    return all[i]
  }

  /// The files the query's snapshot (and base) were read from: what its views are
  /// computed from; nil when it names no snapshot of the series.
  func sources(of q: WebQuery) -> String? {
    let all = series.snapshots
    let i = q.snapshot ?? (all.count - 1)
    guard all.indices.contains(i) else { return nil }
    guard let b = q.base else { return all[i].source }
    return all.indices.contains(b) ? all[i].source + " - " + all[b].source : nil
  }

  /// The profile of the query's snapshot (or the difference against `b`), refined.
  func refined(_ q: WebQuery) throws -> (profile: Profile, options: ReportOptions, type: ValueType) {
    var profile = try snapshot(q).profile
    if let b = q.base {
      do {
        profile = try profile.subtracting(base: try snapshot(q, b).profile)
      } catch let e as ProfileError {
        throw Failure(status: 400, message: e.message)
      }
    }
    let index = try q.sampleIndex(for: profile)
    do {
      let (p, options) = try q.refinement.apply(
        to: profile, sampleIndex: index, base: ReportOptions(granularity: q.granularity))
      return (p, options, profile.sampleTypes[index])
    } catch let e as ProfileError {
      throw Failure(status: 400, message: e.message)
    }
  }

  // MARK: - Views

  /// Snapshots, sample types and notes: what the page needs to draw its controls.
  func meta() throws -> Data {
    let all = series.snapshots
    var snapshots: [[String: Any]] = []
    for s in all {
      let p = s.profile
      let space =
        p.sampleTypeIndex(named: "inuse_space") ?? p.sampleTypeIndex(named: "space") ?? (p.sampleTypes.count - 1)
      let inuse = p.samples.reduce(Int64(0)) { $0 + (space >= 0 && space < $1.values.count ? $1.values[space] : 0) }
      snapshots.append([
        "index": s.index, "source": s.source, "timeNanos": p.timeNanos, "pid": p.attributes["pid"] ?? "",
        "reason": p.attributes["reason"] ?? "", "inuse": inuse, "inuseText": Measurement.label(inuse, unit: "bytes"),
      ])
    }
    let first = all.last?.profile
    return try json([
      "version": series.version, "live": series.isLive, "merged": series.mergedNote ?? "", "loading": series.pending,
      "program": first.map(Self.programName) ?? "",
      "sampleTypes": first?.sampleTypes.map(\.type) ?? [],
      "defaultSampleType": first.map { $0.sampleTypes.isEmpty ? "" : $0.sampleTypes[$0.defaultSampleIndex].type } ?? "",
      "snapshots": snapshots,
    ])
  }

  /// The flame graph: names, what each name is (program, library, map code, map owner),
  /// and the nodes in preorder as `[name, depth, width, value, self]` quintuples.
  func flame(_ q: WebQuery, narrowest: Int64 = FlameGraph.defaultNarrowest) throws -> Data {
    let (profile, options, type) = try refined(q)
    // The snapshot's map owners (the slowest part of a first visit) on another core while
    // the flame graph is built.
    let index = try snapshot(q).index
    let ownersResult = OwnersResult()
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) { [series] in ownersResult.value = series.owners(of: index) }
    let graph = FlameGraph(profile, options: options, inverted: q.inverted, narrowest: narrowest)
    group.wait()
    let mapOwners = ownersResult.value
    let owners = Set(mapOwners.map(\.owner))
    let kept = q.inverted ? [] : Self.keptSubtrees(graph, owners: mapOwners)
    var out = "{\"type\":\(Self.quote(type.type)),\"unit\":\(Self.quote(type.unit)),\"total\":\(graph.total),"
    out +=
      "\"unfilteredTotal\":\(options.total ?? graph.total),\"elided\":\(graph.elidedNodes),\"narrowest\":\(narrowest),"
    out += "\"diff\":\(q.base != nil),\"inverted\":\(q.inverted),"
    // Subtrees of entries that a map keeps alive: [node, map] pairs and the maps' labels.
    out += "\"kept\":[" + kept.flatMap { [String($0.node), String($0.map)] }.joined(separator: ",") + "],"
    out +=
      "\"maps\":[" + mapOwners.map { Self.quote("\($0.typeDescription) in \($0.owner)") }.joined(separator: ",") + "],"
    out += "\"names\":["
    out += graph.names.map(Self.quote).joined(separator: ",")
    out += "],\"kinds\":["
    out += series.kinds(of: graph.names, owners: owners).map { String($0.rawValue) }.joined(separator: ",")
    out += "],\"nodes\":["
    var first = true
    for n in graph.nodes {
      if !first { out += "," }
      first = false
      out += "\(n.name),\(n.depth),\(n.width),\(n.value),\(n.selfValue)"
    }
    out += "]}"
    return Data(out.utf8)
  }

  /// The nodes of `graph` whose path from the root is the path to a map owner's entries:
  /// everything allocated below them (except the map's own storage) is kept alive by that
  /// map, however wide the allocating frames are (`Array.init` under the handler that
  /// inserts). Pairs of (node index, index of the owner in `owners`).
  static func keptSubtrees(_ graph: FlameGraph, owners: [MapOwner]) -> [(node: Int, map: Int)] {
    var wanted: [[String]: Int] = [:]
    for (i, o) in owners.enumerated() where o.entryInuseBytes > 0 || !o.findings.isEmpty {
      if let path = o.entriesPath, wanted[path] == nil { wanted[path] = i }
    }
    guard !wanted.isEmpty else { return [] }
    var result: [(node: Int, map: Int)] = []
    var path: [String] = []
    for (i, n) in graph.nodes.enumerated() where n.depth > 0 {
      path.removeLast(max(0, path.count - Int(n.depth) + 1))
      path.append(graph.names[Int(n.name)])
      if let m = wanted[path] { result.append((i, m)) }
    }
    return result
  }

  /// Hands the owners computed on another thread to the view (written before the
  /// group's `wait` returns, read after).
  private final class OwnersResult: @unchecked Sendable {
    var value: [MapOwner] = []
  }

  /// What a frame is, for its colour and badge.
  enum FrameKind: Int {
    case program = 0
    case library = 1
    case mapCode = 2
    case mapOwner = 3
  }

  /// `top`: the table's rows with numbers as pprof prints them, and pprof's header lines.
  func top(_ q: WebQuery) throws -> Data {
    let (profile, options, _) = try refined(q)
    let table = TopReport.table(profile, options: options)
    let total = options.total ?? 0
    let unit = profile.sampleTypes.isEmpty ? "" : profile.sampleTypes[options.sampleIndex].unit
    let owners = Set(series.owners(of: try snapshot(q).index).map(\.owner))
    let kinds = series.kinds(of: table.rows.map(\.name), owners: owners)
    var rows: [[String: Any]] = []
    for (n, kind) in zip(table.rows, kinds) {
      rows.append([
        "name": n.name + n.inlineMark, "flat": n.flat, "cum": n.cum, "flatText": Measurement.label(n.flat, unit: unit),
        "cumText": Measurement.label(n.cum, unit: unit), "kind": kind.rawValue,
      ])
    }
    return try json(["total": total, "rows": rows, "header": table.header])
  }

  /// `peek REGEX`: pprof's text.
  func peek(_ q: WebQuery) throws -> Data {
    let (profile, options, _) = try refined(q)
    guard let regex = q.regex else { throw Failure(status: 400, message: "peek needs re=REGEX") }
    do {
      return try json(["text": try PeekReport.render(profile, regex: regex, options: options)])
    } catch let e as ReportError {
      throw Failure(status: 404, message: e.description)
    }
  }

  /// `list REGEX`: the source lines of the matching functions with flat and cum per line.
  func source(_ q: WebQuery) throws -> Data {
    let (profile, options, type) = try refined(q)
    guard let regex = q.regex else { throw Failure(status: 400, message: "source needs re=REGEX") }
    do {
      let routines = try ListReport.routines(profile, regex: regex, options: options)
      let unit = type.unit
      return try json([
        "total": options.total ?? 0,
        "routines": routines.prefix(20).map { r -> [String: Any] in
          [
            "function": r.function, "file": r.file, "flat": r.flat, "cum": r.cum,
            "flatText": Measurement.label(r.flat, unit: unit), "cumText": Measurement.label(r.cum, unit: unit),
            "missing": r.missingSource ?? "",
            "lines": r.lines.map { l -> [String: Any] in
              [
                "n": l.number, "flat": l.flat, "cum": l.cum, "text": l.text ?? "",
                "flatText": l.flat == 0 ? "." : Measurement.label(l.flat, unit: unit),
                "cumText": l.cum == 0 ? "." : Measurement.label(l.cum, unit: unit),
              ]
            },
          ]
        },
      ])
    } catch let e as ReportError {
      throw Failure(status: 404, message: e.description)
    }
  }

  /// The call graph as SVG (Graphviz).
  func graph(_ q: WebQuery) throws -> Data {
    guard let renderDot else {
      throw Failure(
        status: 503,
        message: "Graphviz dot is not installed (Debian: apt-get install graphviz); every other view works without it")
    }
    var (profile, options, _) = try refined(q)
    options.nodeCount = q.nodeCount ?? 80
    let dot = DotReport.render(profile, options: options)
    do {
      return try renderDot(dot)
    } catch {
      throw Failure(status: 500, message: "Graphviz dot failed: \(error)")
    }
  }

  /// The map owners of the snapshot with their findings.
  func maps(_ q: WebQuery) throws -> Data {
    let s = try snapshot(q)
    let owners = series.owners(of: s.index)
    return try json([
      "text": MapsReport.render(
        owners: owners, source: s.source, limit: 0, hint: owners.isEmpty ? MapsReport.noStorageHint(s.profile) : nil),
      "owners": owners.map { o -> [String: Any] in
        [
          "type": o.typeDescription, "owner": o.owner, "kind": o.kind.rawValue, "inuse": o.inuseBytes,
          "inuseText": Measurement.label(o.inuseBytes, unit: "bytes"),
          "tablesText": Measurement.label(o.storageInuseBytes, unit: "bytes"), "tables": o.storageInuseObjects,
          "entriesText": Measurement.label(o.entryInuseBytes, unit: "bytes"), "entries": o.entryInuseObjects,
          "path": GrowthReport.pathLines(o.path, max: 10),
          "findings": o.findings.map { ["kind": $0.kind.rawValue, "message": $0.message] },
          "keptBy": o.keptBy ?? NSNull(),
          "table": o.occupancy.map { occ -> [String: Any] in
            [
              "tables": o.tableInuseObjects, "capacity": occ.capacity, "entries": occ.entries ?? NSNull(),
              "unit": o.kind.capacityUnit,
            ]
          } ?? NSNull(),
        ]
      },
    ])
  }

  /// The growth analysis of the series and its timeline: in-use per snapshot in all and
  /// for the largest groups, the suspects first.
  func growth() throws -> Data {
    guard let a = series.growth else {
      return try json([
        "snapshots": series.snapshots.count, "pending": series.pending > 0, "text": "", "groups": [] as [Any],
        "totals": [] as [Any],
      ])
    }
    let groups = a.groups.prefix(8).map { g -> [String: Any] in
      [
        "verdict": g.verdict.rawValue, "summary": g.summary,
        "name": g.map.map { "\($0) in " + (g.mapOwner ?? "") } ?? g.allocatingFunction,
        "owner": g.mapOwner ?? g.allocatingFunction, "function": g.allocatingFunction,
        "inuse": g.inuseBytes, "growth": g.growthBytes, "growthText": Measurement.label(g.growthBytes, unit: "bytes"),
        "share": g.growthShare, "suspect": g.isSuspect,
        "path": GrowthReport.pathLines(g.path, max: 10),
        "insertPath": g.insertPath.map { GrowthReport.pathLines($0, max: 10) } ?? [],
      ]
    }
    return try json([
      "snapshots": a.snapshots.count, "text": GrowthReport.render(a),
      "totals": a.snapshots.map(\.inuseBytes), "labels": a.snapshots.map(\.source),
      "groups": Array(groups), "notes": a.notes,
    ])
  }

  /// The newest snapshot as gzipped pprof protobuf with Go's heap sample types, for
  /// pprof clients (`go tool pprof http://…/debug/pprof/heap`) and scrapers.
  func pprofHeap() throws -> Data {
    var p = try snapshot(WebQuery("")).profile
    if p.sampleTypes.map(\.type) == ["objects", "space"] {
      // Go's four types: the in-use values stand for allocations too.
      p.sampleTypes = ["alloc_objects", "alloc_space", "inuse_objects", "inuse_space"].map {
        ValueType(type: $0, unit: $0.hasSuffix("objects") ? "count" : "bytes")
      }
      for i in p.samples.indices { p.samples[i].values += p.samples[i].values }
    }
    p.defaultSampleType = "inuse_space"
    do { return try p.pprofData(gzip: true) } catch let e as ProfileError {
      throw Failure(status: 500, message: e.message)
    }
  }

  // MARK: - JSON

  func json(_ object: [String: Any]) throws -> Data {
    try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
  }

  /// A JSON string literal.
  static func quote(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "<": out += "\\u003c"  // never `</script>` inside an HTML report
      default:
        if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
      }
    }
    return out + "\""
  }

  /// The program a profile is of: heapprof's `program=`, else its main mapping's file.
  static func programName(_ p: Profile) -> String {
    if let program = p.attributes["program"], !program.isEmpty {
      return URL(fileURLWithPath: program).lastPathComponent
    }
    guard let file = p.mappings.first?.file, !file.isEmpty, !file.hasPrefix("[") else { return "" }
    return URL(fileURLWithPath: file).lastPathComponent
  }
}
