import HeapProfile

/// The steps every graph-style report takes before rendering, as pprof's driver takes
/// them: prune allocator frames (`drop_frames`), compute the total that percentages refer
/// to, then apply focus/ignore/hide/show. The CLI and the web UI both refine through here.
public struct Refinement: Sendable, Equatable {
  /// pprof's `-focus`, `-ignore`, `-hide`, `-show` (nil: off).
  public var focus: String?
  public var ignore: String?
  public var hide: String?
  public var show: String?

  /// A refinement with these filters.
  public init(focus: String? = nil, ignore: String? = nil, hide: String? = nil, show: String? = nil) {
    self.focus = focus
    self.ignore = ignore
    self.hide = hide
    self.show = show
  }

  /// The active filters, in pprof's order, for the report header.
  public var activeFilters: [(String, String)] {
    [("focus", focus), ("ignore", ignore), ("hide", hide), ("show", show)].compactMap { name, value in
      value.map { (name, $0) }
    }
  }

  /// `profile` pruned and filtered, and the options to render it with: `base` with this
  /// refinement's filters and the unfiltered total of `sampleIndex`.
  /// - Throws: ``HeapProfile/ProfileError`` for a pattern that does not compile.
  public func apply(to profile: Profile, sampleIndex: Int, base: ReportOptions = .init()) throws
    -> (profile: Profile, options: ReportOptions)
  {
    var p = profile
    try p.removeUninteresting()
    // pprof's percentages are of the total before focus/ignore/hide/show.
    let total = p.samples.reduce(Int64(0)) { $0 + (sampleIndex < $1.values.count ? abs($1.values[sampleIndex]) : 0) }
    if !activeFilters.isEmpty { try p.filter(focus: focus, ignore: ignore, hide: hide, show: show) }
    var options = base
    options.sampleIndex = sampleIndex
    options.activeFilters = activeFilters
    options.total = total
    return (p, options)
  }
}
