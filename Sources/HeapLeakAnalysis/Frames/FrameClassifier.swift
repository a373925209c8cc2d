import Foundation
import HeapProfile

/// What the leak analysis knows of one frame name.
public struct FrameFacts: Sendable, Equatable {
  /// An allocator frame (``HeapProfile/AllocatorFrames``): stripped from the leaf end.
  public var isAllocator: Bool
  /// Library or runtime code: never a map owner, folded in paths.
  public var isLibrary: Bool
  /// An entry point (`main`, `_start`, `$main`…) that every stack shares.
  public var isEntryPoint: Bool
  /// The map implementation the frame belongs to, if any.
  public var mapKind: MapKind?
  /// For a map frame, the key and value types its name carries (`String, HeavyObject`).
  public var mapTypes: String?
  /// For a map frame, what it allocates when it is the leaf-most map frame, if its name says.
  public var mapRole: MapStorageRole?
}

/// Tells the program's own frames from allocator, runtime and library frames, so that the
/// map report can name the code that owns a map and the growth report can show the path
/// that matters. Pure functions of a name: callers that ask often keep the answers
/// (``StackTable/facts(_:)``).
public enum FrameClassifier {
  /// The function a frame name is about (``HeapProfile/SymbolName/subject``): Swift's
  /// wrappers (`closure #1 in`, `protocol witness for`, `partial apply for`, `default
  /// argument 0 of`, …) and symbol versions (`@@GLIBC_2.34`) removed, so that a closure
  /// inside `Swift.Sequence.map` counts as library code and one inside the program counts
  /// as the program's.
  public static func subject(of frame: String) -> String { SymbolName(frame).subject }

  /// Library code: standard libraries and runtimes of Swift, C, C++, Go and Foundation,
  /// allocators, unsymbolized frames, and anything in a shared library (`libx.so+0x…`).
  public static func isLibrary(_ rawFrame: String) -> Bool { computeIsLibrary(subject: subject(of: rawFrame)) }

  /// The entry points that start every stack and therefore say nothing.
  public static func isEntryPoint(_ rawFrame: String) -> Bool { computeIsEntryPoint(subject: subject(of: rawFrame)) }

  /// The map kind of a frame (``MapPatterns/kind(of:)``).
  public static func mapKind(_ rawFrame: String) -> MapKind? { MapPatterns.kind(of: rawFrame) }

  /// Everything the analysis asks of one frame name. A ``StackTable`` computes it once per
  /// distinct name (profiles repeat the same few thousand names across every stack).
  public static func facts(of frame: String) -> FrameFacts {
    let kind = MapPatterns.kind(of: frame)
    let isAllocator = AllocatorFrames.isAllocator(frame)
    // The subject (wrappers and parameters stripped) is parsed once, and is usually the
    // frame itself: then what was asked of the frame is not asked again.
    let subject = subject(of: frame)
    let sameName = subject == frame
    return FrameFacts(
      isAllocator: isAllocator,
      isLibrary: (sameName ? isAllocator || kind != nil : isAllocatorOrMapCode(subject)) || isLibraryCode(subject),
      isEntryPoint: computeIsEntryPoint(subject: subject), mapKind: kind,
      mapTypes: kind == nil ? nil : MapTypes.extract(from: frame),
      mapRole: kind == nil ? nil : MapPatterns.role(of: frame))
  }

  /// `isLibrary` of a frame whose subject is `frame`.
  static func computeIsLibrary(subject frame: String) -> Bool {
    isAllocatorOrMapCode(frame) || isLibraryCode(frame)
  }

  static func isAllocatorOrMapCode(_ frame: String) -> Bool {
    AllocatorFrames.isAllocator(frame) || MapPatterns.kind(of: frame) != nil
  }

  /// Name prefixes of standard libraries and runtimes.
  private static let libraryPrefixes = [
    "Swift.", "generic specialization", "function signature specialization", "merged ",
    "outlined ", "reabstraction thunk", "swift::", "_swift", "swift_", "$s", "$S", "_T0",
    "std::", "__gnu_cxx::", "__cxxabiv1", "__cxa_", "__libc", "_dl_", "__GI_", "_start",
    "__clone", "start_thread", "runtime.", "Foundation.", "CoreFoundation.", "Dispatch.",
    "_CF", "__CF", "0x", "?",
  ]

  /// Library code by its name alone (allocators and map code aside).
  static func isLibraryCode(_ frame: String) -> Bool {
    for p in libraryPrefixes where frame.hasPrefix(p) { return true }
    if frame.containsBytes(".so+0x") || frame.containsBytes(".so.") && frame.containsBytes("+0x") { return true }
    if isGoStandardLibrary(frame) { return true }
    return false
  }

  /// `isEntryPoint` of a frame whose subject is `frame`.
  static func computeIsEntryPoint(subject frame: String) -> Bool {
    // SwiftPM renames an executable's `main` to `<Module>_main`.
    if frame.hasSuffix("_main") && !frame.contains(".") && !frame.contains("(") { return true }
    if frame.hasPrefix("runtime.goexit") { return true }
    return [
      "main", "__libc_start_main", "__libc_start_call_main", "_start", "runtime.main", "main.main",
      "start_thread", "__clone", "__clone3",
    ].contains(frame) || frame.hasSuffix(".$main()")
      || frame.hasSuffix(".main()") || frame.hasSuffix("$main")
  }

  private static let goStandardPackages: Set<Substring> = [
    "fmt", "strings", "bytes", "bufio", "compress", "encoding", "io", "os", "sync", "sort",
    "strconv", "reflect", "regexp", "math", "time", "unicode", "net", "context", "errors",
    "path", "internal", "hash", "crypto", "container", "log", "syscall", "text", "html",
    "mime", "archive", "image", "debug", "go", "embed", "flag", "expvar", "plugin", "testing",
  ]

  /// Go standard-library packages have no dot in their first path element (`fmt.`,
  /// `compress/flate.`), unlike `main.` and module paths such as `github.com/x/y.`.
  static func isGoStandardLibrary(_ frame: String) -> Bool {
    guard let dot = frame.firstIndex(of: "."), !frame.hasPrefix("main.") else { return false }
    let package = frame[..<dot]
    guard package.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "/" || $0 == "_" }) else { return false }
    let first = package.split(separator: "/").first ?? package[...]
    return goStandardPackages.contains(first)
  }
}
