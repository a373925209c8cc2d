import Foundation
import HeapProfile
import Symbolization

/// Reads profiles and makes them ready for a report: read (any format) → merge → subtract
/// `--base` → symbolize and demangle. Warnings (a missing library, a changed binary) go to
/// stderr once each; errors name the file.
struct ProfileLoader {
  var symbolization: SymbolizationOptionGroup

  /// Reads, merges and symbolizes `paths`; subtracts `base` when given.
  func load(_ paths: [String], base: String? = nil) throws -> Profile {
    var profiles: [Profile] = []
    for path in paths { profiles.append(try read(path)) }
    // Merging even one profile folds duplicate stacks and zero samples, as pprof does.
    var profile = try Profile.merge(profiles)
    if let base {
      let baseProfile = try read(base)
      if let mine = Self.programName(profile), let theirs = Self.programName(baseProfile), mine != theirs {
        printError(
          "heapprof: warning: --base \(base) is a profile of \(theirs), but \(paths[0]) is of \(mine): "
            + "the difference mixes two programs")
      }
      profile = try profile.subtracting(base: baseProfile)
    }
    // A binary copied next to the profile is found there when its recorded path is gone.
    let dirs = paths.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path }
    return symbolize(profile, fallbackPaths: Array(NSOrderedSet(array: dirs)) as? [String] ?? dirs)
  }

  /// The program a profile is of: heapprof's `program=` metadata, else its main mapping's
  /// file (by base name, so that a program copied elsewhere is still the same program).
  static func programName(_ profile: Profile) -> String? {
    if let program = profile.attributes["program"], !program.isEmpty {
      return URL(fileURLWithPath: program).lastPathComponent
    }
    guard let file = profile.mappings.first?.file, !file.isEmpty, !file.hasPrefix("[") else { return nil }
    return URL(fileURLWithPath: file).lastPathComponent
  }

  /// Reads one file; a directory or a missing file gets a clear error.
  func read(_ path: String) throws -> Profile {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
      throw CLIError("\(path): no such file")
    }
    if isDir.boolValue { throw CLIError("\(path): is a directory, not a profile") }
    return try ProfileReader.read(path: path)
  }

  /// Symbolizes addresses that have no names yet and demangles names that are mangled.
  func symbolize(_ profile: Profile, fallbackPaths: [String] = []) -> Profile {
    let options = SymbolizerOptions(
      binaryPath: symbolization.binary, searchPaths: symbolization.searchPath, fallbackPaths: fallbackPaths)
    let result = LocalSymbolizer(options: options).symbolize(profile)
    for warning in result.warnings where SymbolizationWarnings.first(warning) {
      printError("heapprof: warning: \(warning)")
    }
    return result.profile
  }
}

/// The symbolization warnings already printed: a series of snapshots of one program would
/// otherwise say the same thing once per snapshot (the counts in it aside).
enum SymbolizationWarnings {
  private static let lock = NSLock()
  nonisolated(unsafe) private static var seen: Set<String> = []

  /// Whether `warning` (ignoring its numbers) is new; remembers it.
  static func first(_ warning: String) -> Bool {
    let key = String(warning.unicodeScalars.filter { !CharacterSet.decimalDigits.contains($0) }.map(Character.init))
    lock.lock()
    defer { lock.unlock() }
    return seen.insert(key).inserted
  }
}
