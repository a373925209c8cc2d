import HeapProfile

/// Everything a graph build reads, prepared once per report: the node table, each
/// sample's value for the chosen sample index, and (for DOT) each sample's tags.
struct GraphInput {
  /// Per-sample tags as pprof's graph sees them: the joined string labels and the
  /// formatted `bytes` numeric label values.
  struct SampleTags {
    var labels: String
    var numeric: [(name: String, unit: String, value: Int64)]
  }

  let table: NodeTable
  let values: [Int64]
  let tags: [SampleTags]?

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
    tags = profile.samples.map { s in
      var labels: [String] = []
      for (k, vs) in s.labels { for v in vs { labels.append(k + ":" + v) } }
      labels.sort()
      var numeric: [(name: String, unit: String, value: Int64)] = []
      // pprof keeps only the `bytes` numeric label for graphs.
      if let vs = s.numLabels["bytes"] {
        let unit = units["bytes"] ?? "bytes"
        for v in vs {
          numeric.append((Measurement.scaledLabel(v, from: unit, to: "minimum"), unit, v))
        }
      }
      return SampleTags(labels: labels.joined(separator: "\\n"), numeric: numeric)
    }
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
