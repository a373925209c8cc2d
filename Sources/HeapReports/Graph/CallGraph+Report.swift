import HeapProfile

extension CallGraph {
  /// The call graph of `profile` for one sample type, trimmed and sorted exactly as the
  /// `top` report shows it (pprof's `newTrimmedGraph` for text reports).
  ///
  /// - Parameters:
  ///   - profile: A symbolized, pruned and filtered profile.
  ///   - options: Sample index, sort order, trimming and granularity.
  public init(_ profile: Profile, options: ReportOptions) {
    self = ReportContext(profile, options: options, kind: .text).trimmedGraph().graph
  }
}
