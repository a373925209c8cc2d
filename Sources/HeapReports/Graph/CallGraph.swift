import Foundation

/// A call graph summarizing a profile for one sample type, as pprof's `graph.Graph`:
/// nodes with flat and cum values, and weighted caller → callee edges.
///
/// Each sample adds its value to the cum of every distinct node on its stack (once, even
/// under recursion), to the flat of its leaf node, and to every distinct edge on its stack.
/// Inlined frames are nodes of their own, reached by edges marked ``Edge/inline``. When a
/// node was trimmed away the edge over it is a ``Edge/residual`` edge.
public struct CallGraph: Sendable {
  /// A node of the graph.
  public struct Node: Sendable {
    /// What the node stands for.
    public var info: NodeInfo
    /// The printed name of ``info`` (cached).
    public var name: String
    /// Value of samples whose leaf is this node.
    public var flat: Int64
    /// Value of samples with this node anywhere on the stack.
    public var cum: Int64
    /// Indices into ``CallGraph/edges`` of the incoming (caller) edges.
    public var inEdges: [Int]
    /// Indices into ``CallGraph/edges`` of the outgoing (callee) edges.
    public var outEdges: [Int]
    /// Id in the node table (stable across rebuilds of one profile).
    var tableID: Int32
    /// Tags for DOT nodelets: string-label groups (code with the top bit set) and numeric
    /// `bytes` values (code = numeric kind id); names are in ``CallGraph/tagNames``.
    var tags: [TagEntry] = []
  }

  /// A weighted caller → callee edge.
  public struct Edge: Sendable {
    /// Index of the caller in ``CallGraph/nodes``.
    public var source: Int
    /// Index of the callee in ``CallGraph/nodes``.
    public var destination: Int
    /// Value of the samples that went through this call.
    public var weight: Int64
    /// The edge skips nodes that were trimmed from the graph.
    public var residual: Bool
    /// The call was inlined into the caller.
    public var inline: Bool
    /// Removed by trimming (kept in the array so that indices stay valid).
    var removed = false
  }

  /// A tag of one node, by code (see ``Node/tags``).
  struct TagEntry: Sendable {
    var code: UInt32
    var value: Int64
    var flat: Int64
    var cum: Int64
    var isLabel: Bool { code & 0x8000_0000 != 0 }
  }

  /// Names of tag codes: label groups and numeric kinds of the build's input.
  struct TagNames: Sendable {
    var groups: [String]
    var numericKinds: [GraphInput.NumericKind]
  }

  /// A sample annotation (label or numeric label value) and the value carrying it.
  struct Tag: Sendable {
    var name: String
    var unit: String
    var value: Int64
    var flat: Int64 = 0
    var cum: Int64 = 0
  }

  /// The nodes, in report order once sorted.
  public internal(set) var nodes: [Node]
  /// All edges ever built; those removed by trimming are not referenced by any node.
  public internal(set) var edges: [Edge]
  /// Names of the nodes' tag codes (nil when tags were not collected).
  var tagNames: TagNames? = nil

  /// The string-label tags of `n` by name (pprof's `LabelTags`).
  func labelTags(_ n: Node) -> [String: Tag] {
    guard let names = tagNames else { return [:] }
    var out: [String: Tag] = [:]
    for t in n.tags where t.isLabel {
      let name = names.groups[Int(t.code & 0x7fff_ffff)]
      out[name] = Tag(name: name, unit: "", value: 0, flat: t.flat, cum: t.cum)
    }
    return out
  }

  /// The numeric tags of `n` by label group and name (pprof's `NumericTags`).
  func numericTags(_ n: Node) -> [String: [String: Tag]] {
    guard let names = tagNames else { return [:] }
    var out: [String: [String: Tag]] = [:]
    for t in n.tags where !t.isLabel {
      let kind = names.numericKinds[Int(t.code)]
      out[names.groups[Int(kind.group)], default: [:]][kind.name] = Tag(
        name: kind.name, unit: kind.unit, value: t.value, flat: t.flat, cum: t.cum)
    }
    return out
  }

  /// The live edges of `node` in `edges`, sorted as pprof sorts an edge map: heavier
  /// first, then by caller name, then by callee name.
  func sortedEdges(_ list: [Int]) -> [Int] {
    list.sorted { a, b in
      let ea = edges[a], eb = edges[b]
      if ea.weight != eb.weight { return abs(ea.weight) > abs(eb.weight) }
      let sa = nodes[ea.source].name, sb = nodes[eb.source].name
      if sa != sb { return sa < sb }
      return nodes[ea.destination].name < nodes[eb.destination].name
    }
  }
}
