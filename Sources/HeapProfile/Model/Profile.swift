/// HeapProfile represents heap profiles in the shape of pprof's `profile.proto` and
/// owns every way a profile enters or leaves memory: the legacy text readers
/// (heapprof, gperftools, Go, jemalloc), pprof protobuf in and out, and pure
/// transforms (merge, subtract, scale, filter).

/// A heap profile: sample types, samples that point at locations, locations that
/// point at functions and mappings. Mirrors `perftools.profiles.Profile`.
///
/// Identifiers (`Location.id`, `Function.id`, `Mapping.id`) are non-zero and unique
/// within one profile. `locations`, `functions` and `mappings` keep file order; use
/// ``ProfileIndex`` for lookups by id.
public struct Profile: Sendable, Equatable {
  /// What each value of a sample measures, e.g. `inuse_space/bytes`.
  public var sampleTypes: [ValueType]
  /// The samples; `values.count == sampleTypes.count` for each.
  public var samples: [Sample]
  /// Memory mappings of the profiled process; by convention the first is the main binary.
  public var mappings: [Mapping]
  /// Program locations referenced by samples.
  public var locations: [Location]
  /// Functions referenced by location lines.
  public var functions: [Function]
  /// Regex of frames to drop (with everything toward the leaf) when building reports.
  public var dropFrames: String
  /// Regex of frames that override ``dropFrames``.
  public var keepFrames: String
  /// Time of collection, nanoseconds since the epoch (0 if unknown).
  public var timeNanos: Int64
  /// Duration of the collection in nanoseconds (0 if unknown).
  public var durationNanos: Int64
  /// The kind of event the period counts, e.g. `space/bytes`.
  public var periodType: ValueType?
  /// The sampling period: mean bytes between samples for a sampled heap profile, 1 if exact.
  public var period: Int64
  /// Free-text comments, shown as header lines in reports.
  public var comments: [String]
  /// Preferred sample type name; reports fall back to the last sample type when empty.
  public var defaultSampleType: String
  /// Documentation URL for the profile's sample types.
  public var docURL: String
  /// Producer metadata that profile.proto has no field for, e.g. a heapprof dump's
  /// `pid`, `seq`, `reason`, `program`, `sample_rate`. Not written to protobuf.
  public var attributes: [String: String] = [:]

  /// Creates a profile; every argument defaults to empty.
  public init(
    sampleTypes: [ValueType] = [], samples: [Sample] = [], mappings: [Mapping] = [],
    locations: [Location] = [], functions: [Function] = [], dropFrames: String = "",
    keepFrames: String = "", timeNanos: Int64 = 0, durationNanos: Int64 = 0,
    periodType: ValueType? = nil, period: Int64 = 0, comments: [String] = [],
    defaultSampleType: String = "", docURL: String = ""
  ) {
    self.sampleTypes = sampleTypes
    self.samples = samples
    self.mappings = mappings
    self.locations = locations
    self.functions = functions
    self.dropFrames = dropFrames
    self.keepFrames = keepFrames
    self.timeNanos = timeNanos
    self.durationNanos = durationNanos
    self.periodType = periodType
    self.period = period
    self.comments = comments
    self.defaultSampleType = defaultSampleType
    self.docURL = docURL
  }

  /// The index of the sample type named `name` (e.g. `inuse_space`), if present.
  public func sampleTypeIndex(named name: String) -> Int? {
    sampleTypes.firstIndex { $0.type == name }
  }

  /// The index reports use when the user names none: ``defaultSampleType`` if it names a
  /// sample type, else the last sample type (pprof's rule).
  public var defaultSampleIndex: Int {
    if !defaultSampleType.isEmpty, let i = sampleTypeIndex(named: defaultSampleType) { return i }
    return max(0, sampleTypes.count - 1)
  }
}
