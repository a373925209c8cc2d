import SwiftProtobuf

/// Decodes pprof's `perftools.profiles.Profile` protobuf (uncompressed) into a ``Profile``.
///
/// Grammar (protobuf wire format, proto3, see `Proto/profile.proto`):
///
///     Profile   := { field }
///     field     := tag varint | tag fixed64 | tag length bytes | tag fixed32
///     tag       := varint (field number << 3 | wire type), field number >= 1
///
/// The top level is first walked by hand, so that a bad tag or an impossible length is
/// reported with its byte offset; swift-protobuf then decodes the message. Afterwards the
/// profile is checked as pprof's `CheckValid` does: `string_table[0]` is `""`, every
/// string index is in range, ids are non-zero and unique, every sample has one value per
/// sample type and refers to existing locations, every line to an existing function.
/// Labels follow pprof: a label with a string value is a string label, one with a
/// non-zero number or unit a numeric label; units are padded to the values' length.
enum PprofDecoder {
  /// Decodes `bytes`; errors name `source`.
  static func decode(_ bytes: [UInt8], source: String) throws -> Profile {
    let layout = try scan(bytes, source: source)
    let message: Perftools_Profiles_Profile
    do {
      message = try Perftools_Profiles_Profile(serializedBytes: bytes)
    } catch {
      throw locateDecodingError(bytes, layout: layout, source: source, error: error)
    }
    return try convert(message, layout: layout, source: source)
  }

  // MARK: - Wire-level scan

  /// Byte offsets of the repeated top-level messages, for error positions.
  struct Layout {
    var fields: [(number: Int, start: Int, end: Int)] = []
    var samples: [Int] = []
    var mappings: [Int] = []
    var locations: [Int] = []
    var functions: [Int] = []
  }

  static let fieldNames: [Int: String] = [
    1: "sample_type", 2: "sample", 3: "mapping", 4: "location", 5: "function",
    6: "string_table", 7: "drop_frames", 8: "keep_frames", 9: "time_nanos",
    10: "duration_nanos", 11: "period_type", 12: "period", 13: "comment",
    14: "default_sample_type", 15: "doc_url",
  ]

  static func fieldName(_ n: Int) -> String { fieldNames[n].map { "\($0) (field \(n))" } ?? "field \(n)" }

  static func notProfile(_ source: String, _ at: Int, _ what: String) -> ProfileError {
    ProfileError(file: source, position: "byte \(at)", message: "not a valid pprof protobuf: \(what)")
  }

  /// Walks the top-level fields of `bytes`, checking tags and lengths.
  static func scan(_ bytes: [UInt8], source: String) throws -> Layout {
    var layout = Layout()
    var i = 0
    let n = bytes.count
    func varint() -> UInt64? {
      var result: UInt64 = 0
      var shift: UInt64 = 0
      while i < n && shift < 64 {
        let b = bytes[i]
        i += 1
        result |= UInt64(b & 0x7f) << shift
        if b & 0x80 == 0 { return result }
        shift += 7
      }
      return nil
    }
    while i < n {
      let start = i
      guard let tag = varint() else {
        throw notProfile(source, start, "the field tag is cut off or longer than 10 bytes")
      }
      let number = Int(truncatingIfNeeded: tag >> 3)
      let wire = tag & 7
      guard number >= 1 && number <= 536_870_911 else {
        throw notProfile(source, start, "field number \(tag >> 3) is out of range")
      }
      switch wire {
      case 0:
        guard varint() != nil else {
          throw notProfile(source, start, "the value of \(fieldName(number)) is cut off")
        }
      case 1:
        guard n - i >= 8 else { throw notProfile(source, start, "the value of \(fieldName(number)) is cut off") }
        i += 8
      case 5:
        guard n - i >= 4 else { throw notProfile(source, start, "the value of \(fieldName(number)) is cut off") }
        i += 4
      case 2:
        guard let length = varint() else {
          throw notProfile(source, start, "the length of \(fieldName(number)) is cut off")
        }
        guard length <= UInt64(n - i) else {
          throw notProfile(
            source, start,
            "\(fieldName(number)) declares a length of \(length) bytes but only \(n - i) remain; the file is truncated or not a profile"
          )
        }
        i += Int(length)
      default:
        throw notProfile(source, start, "\(fieldName(number)) has unsupported wire type \(wire)")
      }
      layout.fields.append((number, start, i))
      switch number {
      case 2: layout.samples.append(start)
      case 3: layout.mappings.append(start)
      case 4: layout.locations.append(start)
      case 5: layout.functions.append(start)
      default: break
      }
    }
    return layout
  }

  /// Finds the top-level field that swift-protobuf could not decode, for its offset.
  static func locateDecodingError(_ bytes: [UInt8], layout: Layout, source: String, error: Error) -> ProfileError {
    for f in layout.fields {
      let slice = Array(bytes[f.start..<f.end])
      if (try? Perftools_Profiles_Profile(serializedBytes: slice)) == nil {
        return notProfile(source, f.start, "\(fieldName(f.number)) cannot be decoded (\(describe(error)))")
      }
    }
    return ProfileError(file: source, message: "not a valid pprof protobuf (\(describe(error)))")
  }

  static func describe(_ error: Error) -> String {
    switch error as? BinaryDecodingError {
    case .truncated?: return "a nested message is truncated"
    case .invalidUTF8?: return "a string is not valid UTF-8"
    case .malformedProtobuf?: return "malformed nested message"
    case .messageDepthLimit?: return "messages nested too deeply"
    default: return "\(error)"
    }
  }

  // MARK: - Conversion and validation

  static func convert(_ m: Perftools_Profiles_Profile, layout: Layout, source: String) throws -> Profile {
    let table = m.stringTable
    guard let first = table.first, first.isEmpty else {
      throw ProfileError(
        file: source,
        message: table.isEmpty && !m.sample.isEmpty
          ? "not a valid pprof protobuf: the string table is missing"
          : "not a valid pprof protobuf: string_table[0] must be the empty string")
    }
    func err(_ at: Int?, _ message: String) -> ProfileError {
      ProfileError(file: source, position: at.map { "byte \($0)" }, message: "malformed profile: \(message)")
    }
    func str(_ i: Int64, _ what: @autoclosure () -> String, at: Int? = nil) throws -> String {
      guard i >= 0 && i < table.count else {
        throw err(at, "\(what()) refers to string \(i), but the string table has \(table.count) entries")
      }
      return table[Int(i)]
    }

    var p = Profile()
    p.sampleTypes = try m.sampleType.map {
      ValueType(type: try str($0.type, "a sample type"), unit: try str($0.unit, "a sample type"))
    }
    p.dropFrames = try str(m.dropFrames, "drop_frames")
    p.keepFrames = try str(m.keepFrames, "keep_frames")
    p.timeNanos = m.timeNanos
    p.durationNanos = m.durationNanos
    if m.hasPeriodType {
      p.periodType = ValueType(
        type: try str(m.periodType.type, "period_type"), unit: try str(m.periodType.unit, "period_type"))
    }
    p.period = m.period
    p.comments = try m.comment.map { try str($0, "a comment") }
    p.defaultSampleType = try str(m.defaultSampleType, "default_sample_type")
    p.docURL = try str(m.docURL, "doc_url")

    // Mappings.
    var mappingIDs = Set<UInt64>(minimumCapacity: m.mapping.count)
    p.mappings.reserveCapacity(m.mapping.count)
    for (i, x) in m.mapping.enumerated() {
      let at = layout.mappings[i]
      guard x.id != 0 else { throw err(at, "mapping \(i + 1) has the reserved id 0") }
      guard mappingIDs.insert(x.id).inserted else { throw err(at, "two mappings have id \(x.id)") }
      p.mappings.append(
        Mapping(
          id: x.id, start: x.memoryStart, limit: x.memoryLimit, offset: x.fileOffset,
          file: try str(x.filename, "mapping \(x.id)", at: at), buildID: try str(x.buildID, "mapping \(x.id)", at: at),
          hasFunctions: x.hasFunctions_p, hasFilenames: x.hasFilenames_p, hasLineNumbers: x.hasLineNumbers_p,
          hasInlineFrames: x.hasInlineFrames_p))
    }

    // Functions.
    var functionIDs = IDSet(ids: m.function.lazy.map(\.id))
    p.functions.reserveCapacity(m.function.count)
    for (i, x) in m.function.enumerated() {
      let at = layout.functions[i]
      guard x.id != 0 else { throw err(at, "function \(i + 1) has the reserved id 0") }
      guard functionIDs.insert(x.id) else { throw err(at, "two functions have id \(x.id)") }
      p.functions.append(
        Function(
          id: x.id, name: try str(x.name, "function \(x.id)", at: at),
          systemName: try str(x.systemName, "function \(x.id)", at: at),
          filename: try str(x.filename, "function \(x.id)", at: at), startLine: x.startLine))
    }

    // Locations.
    var locationIDs = IDSet(ids: m.location.lazy.map(\.id))
    p.locations.reserveCapacity(m.location.count)
    for (i, x) in m.location.enumerated() {
      let at = layout.locations[i]
      guard x.id != 0 else { throw err(at, "location \(i + 1) has the reserved id 0") }
      guard locationIDs.insert(x.id) else { throw err(at, "two locations have id \(x.id)") }
      var lines = [Line]()
      lines.reserveCapacity(x.line.count)
      for l in x.line {
        guard functionIDs.contains(l.functionID) else {
          throw err(at, "location \(x.id) has a line in function id \(l.functionID), which no function has")
        }
        lines.append(Line(functionID: l.functionID, line: l.line, column: l.column))
      }
      // pprof leaves a location whose mapping id is unknown without a mapping.
      let mappingID = mappingIDs.contains(x.mappingID) ? x.mappingID : 0
      p.locations.append(
        Location(id: x.id, mappingID: mappingID, address: x.address, lines: lines, isFolded: x.isFolded))
    }

    // Samples.
    let typeCount = p.sampleTypes.count
    if typeCount == 0 && !m.sample.isEmpty {
      throw err(nil, "the profile has \(m.sample.count) samples but no sample types")
    }
    p.samples.reserveCapacity(m.sample.count)
    for (i, x) in m.sample.enumerated() {
      guard x.value.count == typeCount else {
        throw err(
          layout.samples[i], "sample \(i + 1) has \(x.value.count) values but the profile has \(typeCount) sample types"
        )
      }
      for id in x.locationID where !locationIDs.contains(id) {
        throw err(layout.samples[i], "sample \(i + 1) refers to location id \(id), which no location has")
      }
      var sample = Sample(locationIDs: x.locationID, values: x.value)
      if !x.label.isEmpty {
        for l in x.label {
          let key = try str(l.key, "a label of sample \(i + 1)", at: layout.samples[i])
          if l.str != 0 {
            sample.labels[key, default: []].append(try str(l.str, "a label of sample \(i + 1)", at: layout.samples[i]))
          } else if l.num != 0 || l.numUnit != 0 {
            let count = sample.numLabels[key]?.count ?? 0
            if l.numUnit != 0 {
              var units = sample.numUnits[key] ?? []
              while units.count < count { units.append("") }
              units.append(try str(l.numUnit, "a label of sample \(i + 1)", at: layout.samples[i]))
              sample.numUnits[key] = units
            }
            sample.numLabels[key, default: []].append(l.num)
          }
        }
        for (key, units) in sample.numUnits {
          let count = sample.numLabels[key]?.count ?? 0
          if units.count < count { sample.numUnits[key] = units + Array(repeating: "", count: count - units.count) }
        }
      }
      p.samples.append(sample)
    }
    return p
  }
}
