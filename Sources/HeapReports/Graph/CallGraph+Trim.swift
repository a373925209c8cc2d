import Foundation

/// How nodes are ordered (pprof's `NodeOrder`, the ones reports use).
enum NodeOrder {
  /// |flat| descending, then name, then |cum| (text reports).
  case flat
  /// |cum| descending, then name, then |flat| (`-cum`).
  case cum
  /// pprof's entropy score (DOT): favours entries, leaves and nodes where paths branch.
  case entropy
}

/// Maximum number of nodelets pprof hangs off one DOT node.
let maxNodelets = 4

extension CallGraph {
  // MARK: - Sorting

  /// Sorts the nodes (and renumbers the edges' ends) in `order`.
  mutating func sort(_ order: NodeOrder) {
    let score: [Int64]
    switch order {
    case .flat: score = nodes.map { $0.flat }
    case .cum: score = nodes.map { $0.cum }
    case .entropy: score = nodes.indices.map { entropyScore($0) }
    }
    let perm = nodes.indices.sorted { l, r in
      let a = nodes[l], b = nodes[r]
      if abs(score[l]) != abs(score[r]) { return abs(score[l]) > abs(score[r]) }
      if a.name != b.name { return a.name < b.name }
      let (sa, sb) = order == .flat ? (a.cum, b.cum) : (a.flat, b.flat)
      if abs(sa) != abs(sb) { return abs(sa) > abs(sb) }
      return a.info.tieBreakKey < b.info.tieBreakKey
    }
    var newIndex = [Int](repeating: 0, count: nodes.count)
    for (to, from) in perm.enumerated() { newIndex[from] = to }
    nodes = perm.map { nodes[$0] }
    for e in edges.indices {
      edges[e].source = newIndex[edges[e].source]
      edges[e].destination = newIndex[edges[e].destination]
    }
  }

  /// pprof's `entropyScore`.
  func entropyScore(_ i: Int) -> Int64 {
    let n = nodes[i]
    var score = 0.0
    score += n.inEdges.isEmpty ? 1 : edgeEntropy(n.inEdges, own: 0)
    score += n.outEdges.isEmpty ? 1 : edgeEntropy(n.outEdges, own: n.flat)
    return goInt64(score * Double(n.cum)) &+ n.flat
  }

  private func edgeEntropy(_ list: [Int], own: Int64) -> Double {
    var score = 0.0
    var total = own
    for e in list where edges[e].weight > 0 { total += abs(edges[e].weight) }
    if total != 0 {
      for e in list {
        let frac = Double(abs(edges[e].weight)) / Double(total)
        score += -frac * log2(frac)
      }
      if own > 0 {
        let frac = Double(abs(own)) / Double(total)
        score += -frac * log2(frac)
      }
    }
    return score
  }

  // MARK: - Trimming

  /// Removes edges lighter than `cutoff`; returns how many.
  mutating func trimLowFrequencyEdges(_ cutoff: Int64) -> Int {
    var dropped = 0
    for e in edges.indices where !edges[e].removed && abs(edges[e].weight) < cutoff {
      edges[e].removed = true
      dropped += 1
    }
    if dropped > 0 {
      for i in nodes.indices {
        nodes[i].inEdges.removeAll { edges[$0].removed }
        nodes[i].outEdges.removeAll { edges[$0].removed }
      }
    }
    return dropped
  }

  /// Removes tags lighter than `cutoff` in both flat and cum.
  mutating func trimLowFrequencyTags(_ cutoff: Int64) {
    for i in nodes.indices {
      nodes[i].tags.removeAll { abs($0.flat) < cutoff && abs($0.cum) < cutoff }
    }
  }

  mutating func removeEdge(_ e: Int) {
    guard !edges[e].removed else { return }
    edges[e].removed = true
    let s = edges[e].source, d = edges[e].destination
    nodes[s].outEdges.removeAll { $0 == e }
    nodes[d].inEdges.removeAll { $0 == e }
  }

  /// The table ids of the first `maxNodes` nodes; in visual mode nodelets count as nodes.
  func selectTopNodes(_ maxNodes: Int, visual: Bool) -> [Int32] {
    var limit = maxNodes
    if limit > 0 && visual {
      var count = 0
      for (i, n) in nodes.enumerated() {
        count += min(n.tagCount, maxNodelets) + 1
        if count >= limit {
          limit = i + 1
          break
        }
      }
    }
    limit = min(limit, nodes.count)
    return nodes[..<max(0, limit)].map { $0.tableID }
  }

  /// Removes residual edges whose destination stays reachable from their source through
  /// other paths, lightest first, never past a non-residual edge (pprof, DOT only).
  mutating func removeRedundantEdges() {
    for i in nodes.indices.reversed() {
      let incoming = sortedEdges(nodes[i].inEdges)
      for e in incoming.reversed() {
        if !edges[e].residual { break }
        if isRedundant(e) { removeEdge(e) }
      }
    }
  }

  private func isRedundant(_ e: Int) -> Bool {
    let src = edges[e].source
    var seen = Set<Int>([edges[e].destination])
    var queue = [edges[e].destination]
    var head = 0
    while head < queue.count {
      let n = queue[head]
      head += 1
      for ie in nodes[n].inEdges {
        let s = edges[ie].source
        if ie == e || seen.contains(s) { continue }
        if s == src { return true }
        seen.insert(s)
        queue.append(s)
      }
    }
    return false
  }
}

extension CallGraph.Node {
  /// Tags with a flat value (pprof's `countTags`).
  var tagCount: Int {
    var c = 0
    for t in tags where t.flat != 0 { c += 1 }
    return c
  }
}

/// Go's float64 → int64 conversion on amd64: out of range and NaN give Int64.min.
func goInt64(_ v: Double) -> Int64 {
  guard v.isFinite, v > -9.223372036854775808e18, v < 9.223372036854775808e18 else { return Int64.min }
  return Int64(v)
}
