import Foundation

/// Parses sizes such as `4096`, `512K`, `512KiB`, `64kB`, `1M`, `2GiB` (all powers of
/// 1024, as pprof prints them) into bytes.
enum ByteSize {
  static func parse(_ text: String) -> Int64? {
    let t = text.trimmingCharacters(in: .whitespaces)
    let digits = t.prefix { $0.isNumber || $0 == "." }
    guard !digits.isEmpty, let value = Double(digits), value >= 0 else { return nil }
    let unit = t.dropFirst(digits.count).lowercased()
    let multiplier: Double
    switch unit {
    case "", "b": multiplier = 1
    case "k", "kb", "kib": multiplier = 1024
    case "m", "mb", "mib": multiplier = 1024 * 1024
    case "g", "gb", "gib": multiplier = 1024 * 1024 * 1024
    default: return nil
    }
    let bytes = value * multiplier
    guard bytes < 9.2e18 else { return nil }
    return Int64(bytes.rounded())
  }
}
