import Foundation
import HeapProfile

/// Which frames, beyond the allocator's own, the leak analysis treats as allocation
/// plumbing: a program's own allocation wrappers (`zmalloc`, `sqlite3Malloc`,
/// `_PyMem_RawMalloc`), found in the profile, plus what the user says with pprof's
/// `drop_frames`/`keep_frames` spelling.
public struct FramePolicy: Sendable {
  /// Frames to treat as allocation plumbing whatever the detection says (matched against
  /// the whole name before its parameter list, as pprof's `drop_frames`).
  public var dropFrames: NSRegularExpression?
  /// Frames never to treat as allocation wrappers (pprof's `keep_frames`).
  public var keepFrames: NSRegularExpression?
  /// Whether to look for the program's own allocation wrappers at all.
  public var detectWrappers: Bool
  /// Full demangling of a linker symbol, for the container types that C++ display names
  /// leave out (`std::_Hashtable::_M_allocate_buckets` names no key or value type; its
  /// mangled system name does). Nil: types come from display names only.
  public var demangle: (@Sendable (String) -> String?)?

  /// The demangler every new policy starts with. The analysis depends on HeapProfile only
  /// and cannot link the demangler (Symbolization's `Demangler.demangle`): the programs
  /// that have both set it once at start-up, before any analysis runs.
  nonisolated(unsafe) public static var defaultDemangle: (@Sendable (String) -> String?)?

  /// The default: detect wrappers, no overrides.
  public init(
    dropFrames: NSRegularExpression? = nil, keepFrames: NSRegularExpression? = nil, detectWrappers: Bool = true
  ) {
    self.dropFrames = dropFrames
    self.keepFrames = keepFrames
    self.detectWrappers = detectWrappers
    self.demangle = FramePolicy.defaultDemangle
  }

  /// Compiles pprof-style patterns: each must match a whole function name (before its
  /// parameter list). Throws a message naming the option and the pattern when it does
  /// not compile.
  public init(dropFrames: String?, keepFrames: String?) throws {
    func compile(_ pattern: String?, _ option: String) throws -> NSRegularExpression? {
      guard let pattern, !pattern.isEmpty else { return nil }
      do { return try NSRegularExpression(pattern: "^(" + pattern + ")$") } catch {
        throw FramePolicyError(message: "\(option): '\(pattern)' is not a regular expression")
      }
    }
    self.init(
      dropFrames: try compile(dropFrames, "--drop-frames"), keepFrames: try compile(keepFrames, "--keep-frames"))
  }

  /// Whether `frame` matches `regex` by pprof's rule (whole name before the parameter list).
  static func matches(_ regex: NSRegularExpression?, _ frame: String) -> Bool {
    guard let regex else { return false }
    let simple = Profile.simplifiedFunctionName(frame)
    return regex.firstMatch(in: simple, range: NSRange(simple.startIndex..., in: simple)) != nil
  }
}

/// A pattern given to ``FramePolicy`` that does not compile.
public struct FramePolicyError: Error, CustomStringConvertible {
  public var message: String
  public var description: String { message }
}

/// Finds a program's own allocation wrappers in its stacks.
///
/// C servers rarely call `malloc` directly: redis calls `zmalloc`, SQLite `sqlite3Malloc`,
/// CPython `PyMem_Malloc`. Left alone, every finding would be named after the wrapper and
/// unrelated leaks would look alike. A wrapper is recognised by its shape in the profile,
/// not by its name: a program frame that
/// - sits right above the allocator (or another wrapper) in every stack it is in — it
///   allocates on every path and calls nothing else that allocates, and
/// - is reached from at least ``minCallers`` distinct callers — a utility, not a
///   function that makes one kind of object for one caller.
/// The search repeats so that layered wrappers (`_sdsnewlen` over `zmalloc_usable`) are
/// peeled one at a time, at most ``maxLayers`` deep.
public enum AllocationWrappers {
  /// Distinct callers a wrapper is reached from.
  public static let minCallers = 3
  /// Layers of wrappers peeled at most.
  public static let maxLayers = 3

  /// The names of the wrapper frames among `stacks` (leaf first), given each name's facts.
  /// Library frames are never wrappers (the reports already look past them); entry points
  /// and map implementation frames neither.
  public static func detect(
    in stacks: [[String]], facts: (String) -> FrameFacts, policy: FramePolicy = .init()
  ) -> Set<String> {
    var wrappers = Set<String>()
    var known: [String: Bool] = [:]
    func isPlumbing(_ frame: String) -> Bool {
      if let k = known[frame] { return k }
      let k = facts(frame).isAllocator || FramePolicy.matches(policy.dropFrames, frame)
      known[frame] = k
      return k
    }
    if let drop = policy.dropFrames {
      for stack in stacks { for f in stack where FramePolicy.matches(drop, f) { wrappers.insert(f) } }
    }
    guard policy.detectWrappers else { return wrappers }
    for _ in 0..<maxLayers {
      var callers: [String: Set<String>] = [:]
      var interior = Set<String>()
      for stack in stacks {
        guard let k = stack.firstIndex(where: { !isPlumbing($0) && !wrappers.contains($0) }) else { continue }
        // k == 0: the profile's producer already cut its allocator frames (Go's protobuf).
        if k + 1 < stack.count { callers[stack[k], default: []].insert(stack[k + 1]) }
        for f in stack[(k + 1)...] { interior.insert(f) }
      }
      var found = false
      for (frame, from) in callers where from.count >= minCallers && !interior.contains(frame) {
        let f = facts(frame)
        guard !f.isLibrary, !f.isEntryPoint, f.mapKind == nil, !FramePolicy.matches(policy.keepFrames, frame) else {
          continue
        }
        wrappers.insert(frame)
        found = true
      }
      if !found { break }
    }
    return wrappers
  }
}
