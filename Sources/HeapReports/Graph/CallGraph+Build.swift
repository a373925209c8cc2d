import Foundation

extension CallGraph {
  /// Builds the graph of `input`, keeping only the nodes whose table id is set in `kept`
  /// (all when nil); frames of other nodes are skipped and the edges over them become
  /// residual. Nodes with zero flat and cum are left out. pprof's `newGraph`.
  static func build(_ input: GraphInput, kept: [Bool]?) -> CallGraph {
    let table = input.table
    let n = table.count
    var flat = [Int64](repeating: 0, count: n)
    var cum = [Int64](repeating: 0, count: n)
    var nodeStamp = [Int](repeating: -1, count: n)
    var edgeIndex = EdgeTable(capacity: 1024)
    var eSrc: [Int32] = [], eDst: [Int32] = [], eWeight: [Int64] = []
    var eResidual: [Bool] = [], eInline: [Bool] = [], eStamp: [Int] = []
    // Tags (DOT only) are accumulated in flat arrays keyed by (node, tag code): the code
    // is a numeric kind id, or a label group id with the top bit set.
    var tagIndex = EdgeTable(capacity: input.tags == nil ? 0 : 1024)
    var tagNode: [Int32] = [], tagCode: [UInt32] = [], tagValue: [Int64] = []
    var tagFlat: [Int64] = [], tagCum: [Int64] = []
    let withTags = input.tags != nil

    func addTag(_ node: Int, _ code: UInt32, _ value: Int64, _ w: Int64, _ isFlat: Bool) {
      let key = UInt64(UInt32(node)) << 32 | UInt64(code)
      let i: Int
      if let found = tagIndex.find(key) {
        i = Int(found)
      } else {
        i = tagNode.count
        tagIndex.insert(key, Int32(i))
        tagNode.append(Int32(node))
        tagCode.append(code)
        tagValue.append(value)
        tagFlat.append(0)
        tagCum.append(0)
      }
      if isFlat { tagFlat[i] += w } else { tagCum[i] += w }
    }

    func addTags(_ node: Int, _ t: GraphInput.SampleTags, _ w: Int64, flat isFlat: Bool) {
      if t.group != 0 { addTag(node, UInt32(t.group) | 0x8000_0000, 0, w, isFlat) }
      for (kind, value) in t.numeric { addTag(node, UInt32(kind), value, w, isFlat) }
    }

    let keptMask = kept ?? []
    let filtered = kept != nil
    // The hot loop runs once per frame of every sample (millions for big profiles), so it
    // reads and writes through unsafe buffers: no bounds checks, retains or uniqueness
    // checks per frame. The closures only open the buffers; the loop is the body.
    table.frames.withUnsafeBufferPointer { frames in
      table.sampleStart.withUnsafeBufferPointer { starts in
        table.locationNodeStart.withUnsafeBufferPointer { locStart in
          table.locationNodeIDs.withUnsafeBufferPointer { locIDs in
            keptMask.withUnsafeBufferPointer { keptBits in
              nodeStamp.withUnsafeMutableBufferPointer { nodeStamp in
                cum.withUnsafeMutableBufferPointer { cum in
                  input.values.withUnsafeBufferPointer { values in
                    for s in 0..<values.count {
                      let w = values[s]
                      if w == 0 { continue }
                      var parent: Int32 = -1
                      var residual = false
                      var i = starts[s + 1] - 1
                      let start = starts[s]
                      while i >= start {
                        let li = Int(frames[i])
                        let first = Int(locStart[li]), last = Int(locStart[li + 1]) - 1
                        var ni = last
                        while ni >= first {
                          let node = locIDs[ni]
                          let inline = ni != last
                          ni -= 1
                          if filtered && !keptBits[Int(node)] {
                            residual = true
                            continue
                          }
                          if nodeStamp[Int(node)] != s {
                            nodeStamp[Int(node)] = s
                            cum[Int(node)] += w
                            if withTags, let t = input.tags?[s] { addTags(Int(node), t, w, flat: false) }
                          }
                          if parent >= 0 && node != parent {
                            let key = UInt64(UInt32(parent)) << 32 | UInt64(UInt32(node))
                            if let e32 = edgeIndex.find(key) {
                              let e = Int(e32)
                              if eStamp[e] != s {
                                eStamp[e] = s
                                eWeight[e] += w
                                if residual { eResidual[e] = true }
                                if !inline { eInline[e] = false }
                              }
                            } else {
                              edgeIndex.insert(key, Int32(eSrc.count))
                              eSrc.append(parent)
                              eDst.append(node)
                              eWeight.append(w)
                              eResidual.append(residual)
                              eInline.append(inline)
                              eStamp.append(s)
                            }
                          }
                          parent = node
                          residual = false
                        }
                        i -= 1
                      }
                      if parent >= 0 && !residual {
                        flat[Int(parent)] += w
                        if withTags, let t = input.tags?[s] { addTags(Int(parent), t, w, flat: true) }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }

    // Keep the nodes that carry a value; renumber them and their edges.
    var position = [Int](repeating: -1, count: n)
    var nodes: [Node] = []
    for id in 0..<n where flat[id] != 0 || cum[id] != 0 {
      position[id] = nodes.count
      nodes.append(
        Node(
          info: table.infos[id], name: table.names[id], flat: flat[id], cum: cum[id],
          inEdges: [], outEdges: [], tableID: Int32(id)))
    }
    if withTags {
      for i in 0..<tagNode.count {
        let at = position[Int(tagNode[i])]
        if at < 0 { continue }
        nodes[at].tags.append(TagEntry(code: tagCode[i], value: tagValue[i], flat: tagFlat[i], cum: tagCum[i]))
      }
    }
    var edges: [Edge] = []
    edges.reserveCapacity(eSrc.count)
    for e in 0..<eSrc.count {
      let s = position[Int(eSrc[e])], d = position[Int(eDst[e])]
      guard s >= 0 && d >= 0 else { continue }
      nodes[s].outEdges.append(edges.count)
      nodes[d].inEdges.append(edges.count)
      edges.append(Edge(source: s, destination: d, weight: eWeight[e], residual: eResidual[e], inline: eInline[e]))
    }
    var g = CallGraph(nodes: nodes, edges: edges)
    if withTags { g.tagNames = TagNames(groups: input.groups, numericKinds: input.numericKinds) }
    return g
  }
}
