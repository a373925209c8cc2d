import HeapProfile

/// Everything a graph build reads, prepared once per report: the node table, each
/// sample's value for the chosen sample index, and (for DOT) each sample's tags.
struct GraphInput {
  /// Per-sample tags as pprof's graph sees them: the joined string labels (interned as
  /// a group id into ``groups``) and the `bytes` numeric label values (interned as
  /// (group, formatted value, unit) ids into ``numericKinds``, with the raw value).
  struct SampleTags {
    var group: Int32
    var numeric: [(kind: Int32, value: Int64)]
  }

  /// A distinct numeric tag: its label group, formatted name and unit.
  struct NumericKind: Hashable, Sendable {
    var group: Int32
    var name: String
    var unit: String
  }

  let table: NodeTable
  let values: [Int64]
  let tags: [SampleTags]?
  /// Joined string labels by group id; id 0 is "" (no labels).
  private(set) var groups: [String] = [""]
  /// Numeric tag kinds by id.
  private(set) var numericKinds: [NumericKind] = []

  init(_ profile: Profile, table: NodeTable, sampleIndex: Int, withTags: Bool) {
    self.table = table
    var values = [Int64]()
    values.reserveCapacity(profile.samples.count)
    for s in profile.samples {
      values.append(sampleIndex < s.values.count ? s.values[sampleIndex] : 0)
    }
    self.values = values
    guard withTags else {
      tags = nil
      return
    }
    let units = GraphInput.numLabelUnits(profile)
    var groupIDs: [String: Int32] = ["": 0]
    var kindIDs: [NumericKind: Int32] = [:]
    var tags: [SampleTags] = []
    tags.reserveCapacity(profile.samples.count)
    for s in profile.samples {
      var labels: [String] = []
      for (k, vs) in s.labels { for v in vs { labels.append(k + ":" + v) } }
      labels.sort()
      let joined = labels.joined(separator: "\\n")
      let group: Int32
      if let g = groupIDs[joined] {
        group = g
      } else {
        group = Int32(groups.count)
        groupIDs[joined] = group
        groups.append(joined)
      }
      var numeric: [(kind: Int32, value: Int64)] = []
      // pprof keeps only the `bytes` numeric label for graphs.
      if let vs = s.numLabels["bytes"] {
        let unit = units["bytes"] ?? "bytes"
        for v in vs {
          let kind = NumericKind(group: group, name: Measurement.scaledLabel(v, from: unit, to: "minimum"), unit: unit)
          if let id = kindIDs[kind] {
            numeric.append((id, v))
          } else {
            let id = Int32(numericKinds.count)
            kindIDs[kind] = id
            numericKinds.append(kind)
            numeric.append((id, v))
          }
        }
      }
      tags.append(SampleTags(group: group, numeric: numeric))
    }
    self.tags = tags
  }

  /// The unit of each numeric label key: the first unit given for it, else `bytes` for
  /// `alignment` and `request`, else the key itself (pprof's `NumLabelUnits`).
  static func numLabelUnits(_ profile: Profile) -> [String: String] {
    var units: [String: String] = [:]
    var keys: Set<String> = []
    for s in profile.samples {
      for k in s.numLabels.keys {
        keys.insert(k)
        for u in s.numUnits[k] ?? [] where !u.isEmpty && units[k] == nil { units[k] = u }
      }
    }
    for k in keys where (units[k] ?? "").isEmpty {
      units[k] = (k == "alignment" || k == "request") ? "bytes" : k
    }
    return units
  }
}
