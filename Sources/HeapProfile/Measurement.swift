import Foundation

/// Units, scaling and number formatting exactly as pprof's `internal/measurement` prints
/// them: memory in B/kB/MB/GB/TB/PB (powers of 1024), `%.2f` with a trailing `.00` removed,
/// and pprof's percentage rules.
public enum Measurement {
  struct Unit {
    let name: String
    let aliases: [String]
    let factor: Double
  }

  struct UnitType {
    let defaultUnit: Unit
    let units: [Unit]

    func sniff(_ unit: String) -> Unit? {
      var u = unit.lowercased()
      if u.count > 2, u.hasSuffix("s") { u.removeLast() }
      return units.first { $0.aliases.contains(u) }
    }

    func autoScale(_ value: Double) -> (Double, String)? {
      var f = 0.0
      var name = ""
      for u in units where u.factor >= f && value / u.factor >= 1.0 {
        f = u.factor
        name = u.name
      }
      return f == 0 ? nil : (value / f, name)
    }

    func convert(_ value: Int64, from: String, to: String) -> (Double, String)? {
      guard let fromUnit = sniff(from) else { return nil }
      let v = Double(value) * fromUnit.factor
      if to == "minimum" || to == "auto" {
        if let r = autoScale(v) { return r }
        return (v / defaultUnit.factor, defaultUnit.name)
      }
      guard let toUnit = sniff(to) else { return (v / defaultUnit.factor, defaultUnit.name) }
      return (v / toUnit.factor, toUnit.name)
    }
  }

  static let unitTypes: [UnitType] = {
    let byte = Unit(name: "B", aliases: ["b", "byte"], factor: 1)
    let memory = UnitType(
      defaultUnit: byte,
      units: [
        byte,
        Unit(name: "kB", aliases: ["kb", "kbyte", "kilobyte"], factor: 1024),
        Unit(name: "MB", aliases: ["mb", "mbyte", "megabyte"], factor: 1024 * 1024),
        Unit(name: "GB", aliases: ["gb", "gbyte", "gigabyte"], factor: 1024 * 1024 * 1024),
        Unit(name: "TB", aliases: ["tb", "tbyte", "terabyte"], factor: 1024 * 1024 * 1024 * 1024),
        Unit(name: "PB", aliases: ["pb", "pbyte", "petabyte"], factor: 1024 * 1024 * 1024 * 1024 * 1024),
      ])
    let time = UnitType(
      defaultUnit: Unit(name: "s", aliases: [], factor: 1e9),
      units: [
        Unit(name: "ns", aliases: ["ns", "nanosecond"], factor: 1),
        Unit(name: "us", aliases: ["μs", "us", "microsecond"], factor: 1e3),
        Unit(name: "ms", aliases: ["ms", "millisecond"], factor: 1e6),
        Unit(name: "s", aliases: ["s", "sec", "second"], factor: 1e9),
        Unit(name: "hrs", aliases: ["hour", "hr"], factor: 3600e9),
      ])
    return [memory, time]
  }()

  /// Converts `value` measured in `fromUnit` into `toUnit` and returns the scaled value and
  /// the unit to print after it (empty for plain counts).
  ///
  /// - Parameters:
  ///   - value: The raw value, e.g. a number of bytes.
  ///   - fromUnit: The sample unit, e.g. `bytes` or `count`.
  ///   - toUnit: A unit name (`kB`, `MB`...), or `minimum`/`auto` to pick the largest unit
  ///     in which the value is at least 1.
  /// - Returns: The scaled value and its unit label.
  public static func scale(_ value: Int64, from fromUnit: String, to toUnit: String) -> (Double, String) {
    if value < 0 && value != Int64.min {
      let (v, u) = scale(-value, from: fromUnit, to: toUnit)
      return (-v, u)
    }
    for ut in unitTypes {
      if let r = ut.convert(value, from: fromUnit, to: toUnit) { return r }
    }
    switch toUnit {
    case "count", "sample", "unit", "minimum", "auto": return (Double(value), "")
    default: return (Double(value), toUnit)
    }
  }

  /// The label pprof prints for `value`: scaled, `%.2f` without a trailing `.00`, and the
  /// unit appended (`62.50MB`, `1000kB`, `0`).
  ///
  /// - Parameters:
  ///   - value: The raw value.
  ///   - fromUnit: Its unit.
  ///   - toUnit: The output unit (`minimum` and `auto` pick one per value).
  /// - Returns: The formatted value.
  public static func scaledLabel(_ value: Int64, from fromUnit: String, to toUnit: String) -> String {
    let (v, u) = scale(value, from: fromUnit, to: toUnit)
    var s = String(format: "%.2f", v)
    if s.hasSuffix(".00") { s.removeLast(3) }
    if s == "0" || s == "-0" { return "0" }
    return s + u
  }

  /// `scaledLabel(value, from: unit, to: "auto")`.
  ///
  /// - Parameters:
  ///   - value: The raw value.
  ///   - unit: Its unit.
  /// - Returns: The formatted value in the unit that suits it.
  public static func label(_ value: Int64, unit: String) -> String {
    scaledLabel(value, from: unit, to: "auto")
  }

  /// `value` as a percentage of `total`, six characters wide as pprof prints it: `  100%`
  /// within 99.95..100.05, `%5.2f%%` from 1 up, `%5.2g%%` below (`    0%`, ` 0.99%`,
  /// `0.0071%`). The sign of `value` is ignored.
  ///
  /// - Parameters:
  ///   - value: The part.
  ///   - total: The whole; 0 gives `    0%`.
  /// - Returns: The formatted percentage.
  public static func percentage(_ value: Int64, of total: Int64) -> String {
    var ratio = 0.0
    if total != 0 { ratio = abs(Double(value) / Double(total)) * 100 }
    if ratio >= 99.95 && ratio <= 100.05 { return "  100%" }
    if ratio >= 1.0 { return String(format: "%5.2f%%", ratio) }
    return String(format: "%5.2g%%", ratio)
  }
}
