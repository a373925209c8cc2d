import Foundation
import HeapProfile

/// ObjectLocator finds the object file behind a mapping (`--binary`, the recorded path,
/// `--search-path` by name or build id), checks it against the recorded build id and the
/// profile's time, and keeps one open ``DWARFResolver`` per file.
final class ObjectLocator {
  /// What became of one mapping's file.
  enum Outcome {
    /// Symbolize with this resolver; `warning` (if any) says why the result may be wrong.
    case found(DWARFResolver, warning: String?)
    /// The file cannot be used; `warning` says why and what to do.
    case unusable(warning: String)
    /// A pseudo or anonymous mapping (`[vdso]`, `[heap]`, …): no file to read, no warning.
    case skipped
  }

  private let options: SymbolizerOptions
  private var opened: [String: Result<DWARFResolver, DWARFResolver.OpenError>] = [:]
  private var outcomes: [String: Outcome] = [:]

  /// Creates a locator that searches as `options` say.
  init(options: SymbolizerOptions) { self.options = options }

  /// Whether a mapping names no readable file: anonymous memory, `[vdso]`, `[heap]`,
  /// `[stack]`, `[anon:…]`, `//anon`, memfd, SysV shared memory.
  static func isPseudo(_ file: String) -> Bool {
    file.isEmpty || file.hasPrefix("[") || file.hasPrefix("//anon") || file.hasPrefix("/dev/zero")
      || file.hasPrefix("anon_inode:") || file.hasPrefix("/memfd:") || file.hasPrefix("/SYSV")
  }

  /// The basename of a mapping's file, used in `MODULE+0xOFFSET` names.
  static func moduleName(_ file: String) -> String {
    if file.isEmpty { return "[anon]" }
    let cleaned = file.hasSuffix(" (deleted)") ? String(file.dropLast(10)) : file
    return cleaned.split(separator: "/").last.map(String.init) ?? cleaned
  }

  /// The outcome for `mapping` (cached per file, build id and role).
  func locate(_ mapping: Mapping, isMain: Bool, profileTimeNanos: Int64) -> Outcome {
    let key = "\(isMain)\u{0}\(mapping.file)\u{0}\(mapping.buildID.lowercased())"
    if let cached = outcomes[key] { return cached }
    let outcome = computeOutcome(mapping, isMain: isMain, profileTimeNanos: profileTimeNanos)
    outcomes[key] = outcome
    return outcome
  }

  private func computeOutcome(_ mapping: Mapping, isMain: Bool, profileTimeNanos: Int64) -> Outcome {
    let explicitBinary = isMain ? options.binaryPath : nil
    if explicitBinary == nil, Self.isPseudo(mapping.file) { return .skipped }
    let module = Self.moduleName(mapping.file)
    let recorded = mapping.file.hasSuffix(" (deleted)") ? String(mapping.file.dropLast(10)) : mapping.file
    let wantedID = mapping.buildID.lowercased()
    let shownAs = "its frames are shown as \(module)+0xOFFSET"
    let hint = isMain ? "pass --binary PATH or --search-path DIR" : "pass --search-path DIR holding a copy"

    var candidates: [String] = []
    if let explicitBinary {
      candidates = [explicitBinary]
    } else {
      // Like pprof: the search paths first (a user who names one means it), the recorded
      // path last.
      for dir in options.searchPaths {
        candidates.append((dir as NSString).appendingPathComponent(module))
        candidates.append((dir as NSString).appendingPathComponent(recorded))
        if !wantedID.isEmpty {
          candidates.append((dir as NSString).appendingPathComponent("\(wantedID)/\(module)"))
          candidates.append((dir as NSString).appendingPathComponent(wantedID))
          if wantedID.count > 2 {
            candidates.append(
              (dir as NSString).appendingPathComponent(
                ".build-id/\(wantedID.prefix(2))/\(wantedID.dropFirst(2)).debug"))
          }
        }
      }
      candidates.append(recorded)
      for dir in options.fallbackPaths {
        candidates.append((dir as NSString).appendingPathComponent(module))
      }
    }

    var mismatch: (path: String, id: String)?
    var unreadable: String?
    for path in candidates where FileManager.default.fileExists(atPath: path) {
      switch open(path) {
      case .failure(let e):
        if unreadable == nil { unreadable = e.message }
      case .success(let r):
        if !wantedID.isEmpty, r.buildID != wantedID {
          if mismatch == nil { mismatch = (path, r.buildID.isEmpty ? "none" : r.buildID) }
          continue
        }
        var warning: String?
        if wantedID.isEmpty, profileTimeNanos > 0, let modified = modificationTimeNanos(path),
          modified > profileTimeNanos
        {
          warning =
            "\(path) was modified after the profile was taken (and the profile recorded no build id to check it), "
            + "so names and lines of \(module) may be wrong; \(hint) with the original"
        }
        return .found(r, warning: warning)
      }
    }
    if let mismatch {
      return .unusable(
        warning:
          "\(mismatch.path) is not the binary that ran (its build id is \(mismatch.id), the profile recorded "
          + "\(wantedID)): it was rebuilt or replaced; \(shownAs); \(hint) with the original")
    }
    if let unreadable {
      return .unusable(warning: "cannot read \(unreadable); \(shownAs)")
    }
    let searched = explicitBinary != nil ? "--binary \(explicitBinary!)" : recorded
    return .unusable(warning: "cannot find \(searched) (\(module)); \(shownAs); \(hint)")
  }

  private func open(_ path: String) -> Result<DWARFResolver, DWARFResolver.OpenError> {
    if let r = opened[path] { return r }
    let r: Result<DWARFResolver, DWARFResolver.OpenError>
    do { r = .success(try DWARFResolver(path: path)) } catch let e as DWARFResolver.OpenError {
      r = .failure(e)
    } catch {
      r = .failure(.init(message: "\(path): \(error)"))
    }
    opened[path] = r
    return r
  }

  private func modificationTimeNanos(_ path: String) -> Int64? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    return Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
  }
}
