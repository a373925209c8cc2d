import HeapProfile

/// A flame graph of a profile: the call tree of its stacks for one sample index, root
/// first (or leaf first when inverted), each node with its total, its own value and its
/// depth, in preorder. What pprof's web UI draws as a flame graph; heapprof's web UI and
/// HTML report draw it on a canvas.
///
/// Nodes are names of the ``Granularity`` (inlined frames are nodes of their own, as in
/// the other reports). Children come in order of decreasing width, then name. Nodes whose
/// width is below 1/`narrowest` of the root (``defaultNarrowest``: narrower than a pixel
/// on any screen) are folded into their parent: the parent keeps their value as its own,
/// and ``elidedNodes`` counts them.
public struct FlameGraph: Sendable {
  /// One node, in preorder.
  public struct Node: Sendable, Equatable {
    /// Index into ``names``.
    public var name: Int32
    /// 0 for the root (all stacks), 1 for its children, ...
    public var depth: Int32
    /// The node's total: what its subtree adds up to, by absolute value (for a difference
    /// graph, growth and shrinkage both take room).
    public var width: Int64
    /// The signed total (equal to ``width`` unless the profile holds negative values).
    public var value: Int64
    /// The part of ``value`` whose stacks end here.
    public var selfValue: Int64
  }

  /// Distinct node names; index 0 is the root's (`root`).
  public var names: [String]
  /// The nodes in preorder.
  public var nodes: [Node]
  /// How many nodes were folded into their parents for being too narrow.
  public var elidedNodes: Int
  /// The root's width divided by this is the narrowest node kept, unless told otherwise.
  public static let defaultNarrowest: Int64 = 20_000

  /// Builds the graph of `profile` (symbolized, pruned and filtered) for
  /// `options.sampleIndex` at `options.granularity`; leaf first when `inverted`.
  public init(_ profile: Profile, options: ReportOptions, inverted: Bool = false, narrowest: Int64 = defaultNarrowest) {
    let ctx = ReportContext(profile, options: options, kind: .traces)
    // The table's arrays, taken out once (reaching them through the struct in the loops
    // copied it: a quarter of the build).
    let table = ctx.table
    let values = ctx.input.values, sampleStart = table.sampleStart, frames = table.frames
    let locationNodes = table.locationNodes, tableNames = table.names
    // The tree as parent → children, keyed by (parent, name).
    var nameOf: [Int32] = [-1]  // tree node → node-table id (-1: root)
    var width: [Int64] = [0], value: [Int64] = [0], selfValue: [Int64] = [0]
    var childIndex: [Int64: Int32] = [:]
    var children: [[Int32]] = [[]]
    var stack: [Int32] = []
    for si in 0..<profile.samples.count {
      let v = values[si]
      if v == 0 { continue }
      stack.removeAll(keepingCapacity: true)
      let start = sampleStart[si], end = sampleStart[si + 1]
      // Frames root first: locations from the end, each location's lines outermost first.
      var fi = end - 1
      while fi >= start {
        for node in locationNodes[Int(frames[fi])].reversed() { stack.append(node) }
        fi -= 1
      }
      if inverted { stack.reverse() }
      var at: Int32 = 0
      width[0] += abs(v)
      value[0] += v
      for node in stack {
        let key = Int64(at) << 32 | Int64(node)
        let next: Int32
        if let known = childIndex[key] {
          next = known
        } else {
          next = Int32(nameOf.count)
          childIndex[key] = next
          nameOf.append(node)
          width.append(0)
          value.append(0)
          selfValue.append(0)
          children.append([])
          children[Int(at)].append(next)
        }
        width[Int(next)] += abs(v)
        value[Int(next)] += v
        at = next
      }
      selfValue[Int(at)] += v
    }
    // Preorder, widest child first, folding the too narrow into their parents.
    var names = ["root"]
    var nameIndex: [Int32: Int32] = [:]
    func name(_ tableID: Int32) -> Int32 {
      if let known = nameIndex[tableID] { return known }
      let i = Int32(names.count)
      names.append(tableNames[Int(tableID)])
      nameIndex[tableID] = i
      return i
    }
    let cutoff = max(1, width[0] / max(1, narrowest))
    var nodes: [Node] = []
    var elided = 0
    // Iterative preorder: (tree node, depth, index of its Node in `nodes` to credit).
    var work: [(Int32, Int32)] = [(0, 0)]
    while let (t, depth) = work.popLast() {
      var own = selfValue[Int(t)]
      let kids = children[Int(t)].sorted { a, b in
        let wa = width[Int(a)], wb = width[Int(b)]
        if wa != wb { return wa > wb }
        return tableNames[Int(nameOf[Int(a)])] < tableNames[Int(nameOf[Int(b)])]
      }
      var kept: [Int32] = []
      for k in kids {
        if width[Int(k)] >= cutoff {
          kept.append(k)
        } else {
          own += value[Int(k)]
          elided += Self.subtreeSize(k, children)
        }
      }
      nodes.append(
        Node(
          name: t == 0 ? 0 : name(nameOf[Int(t)]), depth: depth, width: width[Int(t)], value: value[Int(t)],
          selfValue: own))
      for k in kept.reversed() { work.append((k, depth + 1)) }
    }
    self.names = names
    self.nodes = nodes
    self.elidedNodes = elided
  }

  private static func subtreeSize(_ t: Int32, _ children: [[Int32]]) -> Int {
    var n = 0
    var work = [t]
    while let x = work.popLast() {
      n += 1
      work += children[Int(x)]
    }
    return n
  }

  /// The total of the root: what the graph's widths are shares of.
  public var total: Int64 { nodes.first?.width ?? 0 }
}
