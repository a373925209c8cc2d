/// How to compute and print a report: which value, how to sort, how much to trim.
///
/// `nil` for ``nodeCount``, ``nodeFraction`` and ``edgeFraction`` means pprof's default for
/// the report kind: top/traces/folded show every node, DOT shows 80; fractions are 0.005
/// and 0.001; `peek` never trims.
public struct ReportOptions: Sendable {
  /// The sample type to report (index into ``HeapProfile/Profile/sampleTypes``); an index
  /// out of range is clamped to the nearest valid one, so resolve names with
  /// ``HeapProfile/Profile/sampleTypeIndex(named:)`` first and report unknown names.
  public var sampleIndex: Int
  /// Sort by cumulative instead of flat value.
  public var cum: Bool
  /// Keep at most this many nodes; `nil` for the report's default, 0 for all.
  public var nodeCount: Int?
  /// Drop nodes whose cum is below this fraction of the total; `nil` for 0.005.
  public var nodeFraction: Double?
  /// Drop edges whose weight is below this fraction of the total; `nil` for 0.001.
  public var edgeFraction: Double?
  /// What a node stands for.
  public var granularity: Granularity
  /// Filters the profile went through, printed under `Active filters:` as `name=value`
  /// (e.g. `("focus", "Cache")`), in pprof's order: focus, ignore, hide, show, show_from.
  public var activeFilters: [(String, String)]
  /// Output unit: `minimum` (pprof's default: chosen from the smallest node), `auto` (per
  /// value), or a unit such as `kB` or `MB`.
  public var unit: String
  /// The total that percentages refer to. pprof computes it before focus/ignore/hide/show
  /// filters, so pass the unfiltered profile's total here when the profile was filtered;
  /// `nil` computes it from the profile given to the renderer (sum of absolute values).
  public var total: Int64?
  /// Graph name and legend tooltip of DOT output; `nil` for the base name of the first
  /// mapping's file (pprof's title).
  public var title: String?
  /// Replaces the `File:` header line's value; `nil` for the base name of the first
  /// mapping's file.
  public var fileName: String?
  /// How the `Time:` header line is written.
  public var timeLayout: TimeLayout
  /// Whether DOT labels of long Swift/C++ names are shortened and wrapped for reading
  /// (the full name stays in the tooltip). Names pprof already shortens (Go, Java,
  /// simple C++) are drawn exactly as pprof draws them either way.
  public var readableLabels: Bool

  /// The `Time:` header layout.
  public enum TimeLayout: Sendable {
    /// `2006-01-02 15:04:05 MST` (current google/pprof).
    case iso
    /// `Jan 2, 2006 at 3:04pm (MST)` (google/pprof as vendored in Go 1.19's `go tool pprof`).
    case go119
  }

  /// Creates options; every argument has pprof's default.
  public init(
    sampleIndex: Int = 0, cum: Bool = false, nodeCount: Int? = nil, nodeFraction: Double? = nil,
    edgeFraction: Double? = nil, granularity: Granularity = .functions,
    activeFilters: [(String, String)] = [], unit: String = "minimum", total: Int64? = nil,
    title: String? = nil, fileName: String? = nil, timeLayout: TimeLayout = .iso,
    readableLabels: Bool = true
  ) {
    self.sampleIndex = sampleIndex
    self.cum = cum
    self.nodeCount = nodeCount
    self.nodeFraction = nodeFraction
    self.edgeFraction = edgeFraction
    self.granularity = granularity
    self.activeFilters = activeFilters
    self.unit = unit
    self.total = total
    self.title = title
    self.fileName = fileName
    self.timeLayout = timeLayout
    self.readableLabels = readableLabels
  }
}
