// MARK: - Canonical text dump

extension Profile: CustomStringConvertible {
  /// A canonical, deterministic text dump of every field, in the layout of pprof's
  /// `Profile.String()` (`go tool pprof -raw`) plus the fields pprof leaves out
  /// (drop/keep frames, default sample type, attributes). Parser golden tests compare it.
  ///
  /// Layout: header lines (`Comment:`, `Doc:`, `PeriodType:`, `Period:`, `Time:`,
  /// `Duration:`, `DropFrames:`, `KeepFrames:`, `Attribute:`), then `Samples:` with the
  /// sample types (`[dflt]` marks the default) and one line per sample (values right-aligned
  /// in 10 columns, then location ids; labels on the next line), then `Locations` and
  /// `Mappings`.
  public var description: String {
    var out = ""
    func line(_ s: String) {
      out += s
      out += "\n"
    }
    for c in comments { line("Comment: \(c)") }
    if !docURL.isEmpty { line("Doc: \(docURL)") }
    if let pt = periodType { line("PeriodType: \(pt.type) \(pt.unit)") }
    line("Period: \(period)")
    if timeNanos != 0 { line("Time: \(timeNanos) ns") }
    if durationNanos != 0 { line("Duration: \(durationNanos) ns") }
    if !dropFrames.isEmpty { line("DropFrames: \(dropFrames)") }
    if !keepFrames.isEmpty { line("KeepFrames: \(keepFrames)") }
    for key in attributes.keys.sorted() { line("Attribute: \(key)=\(attributes[key] ?? "")") }
    line("Samples:")
    line(
      sampleTypes.map { "\($0.type)/\($0.unit)\($0.type == defaultSampleType ? "[dflt]" : "")" }.joined(separator: " "))
    for s in samples {
      var sv = ""
      for v in s.values {
        let text = String(v)
        sv += " " + String(repeating: " ", count: max(0, 10 - text.count)) + text
      }
      sv += ": "
      for id in s.locationIDs { sv += "\(id) " }
      line(sv)
      let header = "                "
      if !s.labels.isEmpty {
        line(header + s.labels.map { "\($0.key):[\($0.value.joined(separator: " "))]" }.sorted().joined(separator: " "))
      }
      if !s.numLabels.isEmpty {
        let parts = s.numLabels.map { key, values -> String in
          let units = s.numUnits[key] ?? []
          if units.count == values.count {
            return "\(key):[\(zip(values, units).map { "\($0) \($1)" }.joined(separator: " "))]"
          }
          return "\(key):[\(values.map(String.init).joined(separator: " "))]"
        }
        line(header + parts.sorted().joined(separator: " "))
      }
    }
    line("Locations")
    let index = ProfileIndex(self)
    for l in locations {
      var head = leftPad(String(l.id), 6) + ": " + hex(l.address) + " "
      if l.mappingID != 0 { head += "M=\(l.mappingID) " }
      if l.isFolded { head += "[F] " }
      if l.lines.isEmpty { line(head) }
      for ln in l.lines {
        var text = "??"
        if let fi = index.function[ln.functionID] {
          let f = functions[fi]
          text = "\(f.name) \(f.filename):\(ln.line):\(ln.column) s=\(f.startLine)"
          if f.name != f.systemName { text += "(\(f.systemName))" }
        }
        line(head + text)
        head = "             "
      }
    }
    line("Mappings")
    for m in mappings {
      var bits = ""
      if m.hasFunctions { bits += "[FN]" }
      if m.hasFilenames { bits += "[FL]" }
      if m.hasLineNumbers { bits += "[LN]" }
      if m.hasInlineFrames { bits += "[IN]" }
      line("\(m.id): \(hex(m.start))/\(hex(m.limit))/\(hex(m.offset)) \(m.file) \(m.buildID) \(bits)")
    }
    return out
  }
}

private func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }

private func leftPad(_ s: String, _ width: Int) -> String {
  s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
}
