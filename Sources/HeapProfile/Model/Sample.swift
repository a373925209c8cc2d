/// One measured stack: its locations (leaf first), one value per sample type, and labels.
public struct Sample: Sendable, Equatable {
  /// Location ids, leaf (allocation site) first, root last.
  public var locationIDs: [UInt64]
  /// One value per ``Profile/sampleTypes`` entry.
  public var values: [Int64]
  /// String labels, e.g. `thread: t1`.
  public var labels: [String: [String]]
  /// Numeric labels, e.g. `bytes: [4096]`.
  public var numLabels: [String: [Int64]]
  /// Units of numeric labels, keyed like ``numLabels`` (parallel arrays; may be empty).
  public var numUnits: [String: [String]]

  /// Creates a sample.
  public init(
    locationIDs: [UInt64], values: [Int64], labels: [String: [String]] = [:],
    numLabels: [String: [Int64]] = [:], numUnits: [String: [String]] = [:]
  ) {
    self.locationIDs = locationIDs
    self.values = values
    self.labels = labels
    self.numLabels = numLabels
    self.numUnits = numUnits
  }
}
