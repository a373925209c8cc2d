import ArgumentParser
import HeapLeakAnalysis

/// `--drop-frames`/`--keep-frames` of the leak reports: which frames count as allocation
/// plumbing besides the allocator's own and the wrappers heapprof finds by itself.
struct FramePolicyOptionGroup: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Also treat frames matching this regex (whole function name) as allocation wrappers, as pprof's drop_frames.",
      valueName: "regex"))
  var dropFrames: String?

  @Option(
    help: ArgumentHelp(
      "Never treat frames matching this regex as allocation wrappers (pprof's keep_frames).", valueName: "regex"))
  var keepFrames: String?

  @Flag(help: "Do not look for the program's own allocation wrappers (zmalloc, sqlite3Malloc, ...).")
  var noWrapperDetection = false

  /// The policy these options describe; a pattern that does not compile is a usage error.
  func policy() throws -> FramePolicy {
    do {
      var policy = try FramePolicy(dropFrames: dropFrames, keepFrames: keepFrames)
      policy.detectWrappers = !noWrapperDetection
      return policy
    } catch let error as FramePolicyError {
      throw ValidationError(error.message)
    }
  }

  func validate() throws { _ = try policy() }
}
