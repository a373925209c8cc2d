// MARK: - Merge, subtract, compact

extension Profile {
  /// Merges profiles of one kind into one, as pprof's `Merge` does.
  ///
  /// Samples with the same stack (locations, after merging equal locations) and the same
  /// labels are summed; samples whose values are all zero are dropped; locations,
  /// functions and mappings that are equal across inputs are shared, and only those that
  /// samples use are kept. Ids are renumbered from 1 in order of first use. Headers:
  /// the earliest non-zero time, the sum of durations, the largest period, every distinct
  /// comment, the first non-empty default sample type and doc URL, the first profile's
  /// drop/keep frames and attributes.
  /// - Parameter profiles: At least one profile; all must have the same sample types and
  ///   period type.
  /// - Returns: The merged profile.
  /// - Throws: ``ProfileError`` when `profiles` is empty or two profiles are of different kinds.
  public static func merge(_ profiles: [Profile]) throws -> Profile {
    guard let first = profiles.first else {
      throw ProfileError(file: "<merge>", message: "no profiles to merge")
    }
    for (i, p) in profiles.enumerated().dropFirst() {
      if p.periodType != first.periodType {
        throw ProfileError(
          file: "<merge>",
          message:
            "cannot merge profile \(i + 1) with profile 1: period types differ (\(describe(p.periodType)) vs \(describe(first.periodType)))"
        )
      }
      if p.sampleTypes != first.sampleTypes {
        throw ProfileError(
          file: "<merge>",
          message:
            "cannot merge profile \(i + 1) with profile 1: sample types differ (\(describe(p.sampleTypes)) vs \(describe(first.sampleTypes)))"
        )
      }
    }
    var merger = ProfileMerger(header: combinedHeader(profiles))
    for p in profiles { merger.add(p) }
    let out = merger.out
    if out.samples.contains(where: { $0.values.allSatisfy { $0 == 0 } }) {
      return try merge([out])
    }
    return out
  }

  /// This profile minus `base`, as `pprof -base`: `base`'s values are negated and the two
  /// are merged, so stacks present in both keep the difference and stacks whose
  /// difference is zero disappear.
  /// - Parameter base: An earlier profile of the same kind.
  /// - Returns: The difference.
  /// - Throws: ``ProfileError`` if the profiles are of different kinds.
  public func subtracting(base: Profile) throws -> Profile {
    try Profile.merge([self, base.scaled(by: -1)])
  }

  /// Replaces this profile with itself minus `base`; see ``subtracting(base:)``.
  /// - Throws: ``ProfileError`` if the profiles are of different kinds.
  public mutating func subtract(base: Profile) throws {
    self = try subtracting(base: base)
  }

  /// The profile without unreferenced locations, functions and mappings, with equal
  /// samples and locations combined and zero samples dropped (pprof's `Compact`).
  /// - Returns: The compacted profile; ids are renumbered from 1.
  public func compacted() -> Profile {
    // Merging one profile with itself cannot fail: the kinds are equal.
    (try? Profile.merge([self])) ?? self
  }

  static func describe(_ v: ValueType?) -> String { v.map { "\($0.type)/\($0.unit)" } ?? "none" }
  static func describe(_ v: [ValueType]) -> String { v.map { describe($0) }.joined(separator: " ") }

  static func combinedHeader(_ profiles: [Profile]) -> Profile {
    let first = profiles[0]
    var h = Profile(
      sampleTypes: first.sampleTypes, dropFrames: first.dropFrames, keepFrames: first.keepFrames,
      periodType: first.periodType)
    h.attributes = first.attributes
    var seen = Set<String>()
    for p in profiles {
      if h.timeNanos == 0 || p.timeNanos < h.timeNanos { h.timeNanos = p.timeNanos }
      h.durationNanos += p.durationNanos
      if h.period == 0 || h.period < p.period { h.period = p.period }
      for c in p.comments where seen.insert(c).inserted { h.comments.append(c) }
      if h.defaultSampleType.isEmpty { h.defaultSampleType = p.defaultSampleType }
      if h.docURL.isEmpty { h.docURL = p.docURL }
    }
    return h
  }
}
