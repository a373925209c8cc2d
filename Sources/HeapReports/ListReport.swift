import Foundation
import HeapProfile

/// The `list` report (pprof's `list REGEX`): for every function whose name matches, its
/// source lines with the flat and cum values of each line. Flat is what stacks ending at
/// that line hold; cum, what stacks passing through it hold (counted once per stack).
///
/// Layout, as pprof prints it:
/// ```
/// Total: 12.48MB
/// ROUTINE ======================== CacheLeakDemo.ResponseCache.store(_:for:) in /src/ResponseCache.swift
///          0    96.56kB (flat, cum)  0.77% of Total
///          .          .     10:  func store(_ object: HeavyObject, for key: String) {
///          .    96.56kB     11:    entries[key] = object
/// ```
/// Lines from the function's first line (when the debug information gives it, else five
/// lines above the first line with a value) to five lines below the last one are shown. A source file that cannot be read gets one
/// line saying so, and the lines with values are listed without their text.
public enum ListReport {
  /// One listed function.
  public struct Routine: Sendable, Equatable {
    /// The function's name.
    public var function: String
    /// Its source file as the profile names it.
    public var file: String
    /// Flat and cum of the whole function.
    public var flat: Int64
    public var cum: Int64
    /// The lines shown: number, flat, cum, and the text (nil when unreadable).
    public var lines: [(number: Int, flat: Int64, cum: Int64, text: String?)]
    /// Why the source is missing, if it is.
    public var missingSource: String?

    public static func == (a: Routine, b: Routine) -> Bool {
      a.function == b.function && a.file == b.file && a.flat == b.flat && a.cum == b.cum
        && a.lines.map { "\($0.number) \($0.flat) \($0.cum) \($0.text ?? "-")" }
          == b.lines.map { "\($0.number) \($0.flat) \($0.cum) \($0.text ?? "-")" }
    }
  }

  /// Context lines around the lines with values.
  static let context = 5

  /// The routines of `profile` (symbolized, pruned, filtered) matching `regex`, most cum
  /// first. `readSource` returns a file's lines (tests and the web UI pass their own).
  /// - Throws: ``ReportError`` for a bad regex or when nothing matches.
  public static func routines(
    _ profile: Profile, regex: String, options: ReportOptions,
    readSource: (String) -> [String]? = ListReport.readLines
  ) throws -> [Routine] {
    let matcher: NSRegularExpression
    do { matcher = try NSRegularExpression(pattern: regex) } catch {
      throw ReportError("invalid regular expression \"\(regex)\"; check its brackets, parentheses and escapes")
    }
    let ctx = ReportContext(profile, options: options, kind: .traces)
    var functions: [UInt64: Function] = [:]
    for f in profile.functions { functions[f.id] = f }
    var locations: [UInt64: Location] = [:]
    for l in profile.locations { locations[l.id] = l }
    struct Key: Hashable {
      var function: String
      var file: String
    }
    var perLine: [Key: [Int: (flat: Int64, cum: Int64)]] = [:]
    var totals: [Key: (flat: Int64, cum: Int64)] = [:]
    var startLines: [Key: Int] = [:]
    var matches: [String: Bool] = [:]
    func matching(_ name: String) -> Bool {
      if let known = matches[name] { return known }
      let m = matcher.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil
      matches[name] = m
      return m
    }
    for (si, sample) in profile.samples.enumerated() {
      let v = ctx.input.values[si]
      if v == 0 { continue }
      var seenLines = Set<String>()
      var seenFunctions = Set<Key>()
      var leaf = true
      for id in sample.locationIDs {
        guard let loc = locations[id] else { continue }
        for line in loc.lines {
          defer { leaf = false }
          guard let f = functions[line.functionID], !f.name.isEmpty, matching(f.name) else { continue }
          let key = Key(function: f.name, file: f.filename)
          if f.startLine > 0 { startLines[key] = Int(f.startLine) }
          let n = Int(line.line)
          if seenLines.insert("\(f.name)\u{0}\(f.filename)\u{0}\(n)").inserted {
            perLine[key, default: [:]][n, default: (0, 0)].cum += v
          }
          if leaf { perLine[key, default: [:]][n, default: (0, 0)].flat += v }
          if seenFunctions.insert(key).inserted { totals[key, default: (0, 0)].cum += v }
          if leaf { totals[key, default: (0, 0)].flat += v }
        }
      }
    }
    guard !perLine.isEmpty else {
      throw ReportError("no matches found for regexp: \(regex); `heapprof top` lists the function names it can match")
    }
    var result: [Routine] = []
    for (key, lines) in perLine {
      let numbers = lines.keys.filter { $0 > 0 }.sorted()
      var routine = Routine(
        function: key.function, file: key.file, flat: totals[key]?.flat ?? 0, cum: totals[key]?.cum ?? 0, lines: [],
        missingSource: nil)
      let source = key.file.isEmpty ? nil : readSource(key.file)
      if source == nil {
        routine.missingSource =
          key.file.isEmpty
          ? "the profile names no source file for this function"
          : "cannot read \(key.file); lines with values are listed without their text"
      }
      if let first = numbers.first, let last = numbers.last, let source {
        let from = max(1, startLines[key].map { min($0, first) } ?? (first - context))
        let to = min(source.count, last + context)
        if from <= to {
          for n in from...to { routine.lines.append((n, lines[n]?.flat ?? 0, lines[n]?.cum ?? 0, source[n - 1])) }
        }
      } else {
        for n in numbers { routine.lines.append((n, lines[n]?.flat ?? 0, lines[n]?.cum ?? 0, nil)) }
      }
      result.append(routine)
    }
    return result.sorted { ($0.cum, $1.function, $1.file) > ($1.cum, $0.function, $0.file) }
  }

  /// Renders the report as pprof's `list` text.
  public static func render(
    _ profile: Profile, regex: String, options: ReportOptions,
    readSource: (String) -> [String]? = ListReport.readLines
  ) throws -> String {
    let routines = try routines(profile, regex: regex, options: options, readSource: readSource)
    var ctx = ReportContext(profile, options: options, kind: .traces)
    ctx.outputUnit = options.unit == "minimum" ? "auto" : options.unit
    var out = "Total: \(ctx.format(ctx.total))\n"
    for r in routines {
      out += "ROUTINE ======================== \(r.function) in \(r.file.isEmpty ? "<unknown>" : r.file)\n"
      out +=
        pad(ctx.format(r.flat), 10) + " " + pad(ctx.format(r.cum), 10) + " (flat, cum) "
        + Measurement.percentage(r.cum, of: ctx.total) + " of Total\n"
      if let missing = r.missingSource { out += "  (\(missing))\n" }
      for l in r.lines {
        out +=
          pad(l.flat == 0 ? "." : ctx.format(l.flat), 10) + " " + pad(l.cum == 0 ? "." : ctx.format(l.cum), 10) + " "
        out += pad(String(l.number), 8) + ":" + (l.text.map { " " + $0 } ?? "") + "\n"
      }
    }
    return out
  }

  /// The lines of a text file, or nil when it cannot be read.
  public static func readLines(_ path: String) -> [String]? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    var lines = String(decoding: data, as: UTF8.self).components(separatedBy: "\n")
    if lines.last == "" { lines.removeLast() }
    return lines
  }
}
