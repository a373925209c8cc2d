import SwiftProtobuf

/// Converts a ``Profile`` into pprof's `perftools.profiles.Profile` message.
///
/// Strings are interned into one string table in first-use order (`""` at index 0).
/// Labels are written with keys in sorted order so that output is deterministic;
/// numeric labels carry `num_unit` when the sample has units for that key.
/// ``Profile/attributes`` has no protobuf field and is not written.
enum PprofEncoder {
  /// The message for `profile`.
  static func message(_ profile: Profile) -> Perftools_Profiles_Profile {
    var strings = StringTable()
    var m = Perftools_Profiles_Profile()
    m.sampleType = profile.sampleTypes.map { strings.valueType($0) }
    m.sample.reserveCapacity(profile.samples.count)
    for s in profile.samples {
      var ps = Perftools_Profiles_Sample()
      ps.locationID = s.locationIDs
      ps.value = s.values
      if !s.labels.isEmpty || !s.numLabels.isEmpty {
        for key in s.labels.keys.sorted() {
          let k = strings.index(key)
          for v in s.labels[key] ?? [] {
            var l = Perftools_Profiles_Label()
            l.key = k
            l.str = strings.index(v)
            ps.label.append(l)
          }
        }
        for key in s.numLabels.keys.sorted() {
          let k = strings.index(key)
          let units = s.numUnits[key] ?? []
          for (i, v) in (s.numLabels[key] ?? []).enumerated() {
            var l = Perftools_Profiles_Label()
            l.key = k
            l.num = v
            if i < units.count { l.numUnit = strings.index(units[i]) }
            ps.label.append(l)
          }
        }
      }
      m.sample.append(ps)
    }
    m.mapping = profile.mappings.map { x in
      var pm = Perftools_Profiles_Mapping()
      pm.id = x.id
      pm.memoryStart = x.start
      pm.memoryLimit = x.limit
      pm.fileOffset = x.offset
      pm.filename = strings.index(x.file)
      pm.buildID = strings.index(x.buildID)
      pm.hasFunctions_p = x.hasFunctions
      pm.hasFilenames_p = x.hasFilenames
      pm.hasLineNumbers_p = x.hasLineNumbers
      pm.hasInlineFrames_p = x.hasInlineFrames
      return pm
    }
    m.location = profile.locations.map { x in
      var pl = Perftools_Profiles_Location()
      pl.id = x.id
      pl.mappingID = x.mappingID
      pl.address = x.address
      pl.isFolded = x.isFolded
      pl.line = x.lines.map { line in
        var pn = Perftools_Profiles_Line()
        pn.functionID = line.functionID
        pn.line = line.line
        pn.column = line.column
        return pn
      }
      return pl
    }
    m.function = profile.functions.map { x in
      var pf = Perftools_Profiles_Function()
      pf.id = x.id
      pf.name = strings.index(x.name)
      pf.systemName = strings.index(x.systemName)
      pf.filename = strings.index(x.filename)
      pf.startLine = x.startLine
      return pf
    }
    m.dropFrames = strings.index(profile.dropFrames)
    m.keepFrames = strings.index(profile.keepFrames)
    m.timeNanos = profile.timeNanos
    m.durationNanos = profile.durationNanos
    if let pt = profile.periodType { m.periodType = strings.valueType(pt) }
    m.period = profile.period
    m.comment = profile.comments.map { strings.index($0) }
    m.defaultSampleType = strings.index(profile.defaultSampleType)
    m.docURL = strings.index(profile.docURL)
    m.stringTable = strings.strings
    return m
  }

  /// The serialized (uncompressed) protobuf bytes of `profile`.
  static func encode(_ profile: Profile) throws -> [UInt8] {
    do {
      return try message(profile).serializedBytes()
    } catch {
      throw ProfileError(file: "<memory>", message: "cannot encode the profile as protobuf: \(error)")
    }
  }
}
