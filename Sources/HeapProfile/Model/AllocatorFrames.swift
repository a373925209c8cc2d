import Foundation

/// The one table of allocator frames: frames that belong to an allocator rather than to
/// the program. Reports drop them (and everything toward the leaf) so that each stack
/// starts at the code that asked for memory (pprof's `drop_frames`), and the leak
/// analysis strips them from the leaf end of its paths. Every reader sets
/// `Profile.dropFrames`/`keepFrames` from here and nothing else defines the list.
///
/// Each entry is a regular expression matched against a whole function name whose
/// parameter list has been removed, i.e. `^(ENTRY)$` on the text before the first `(`
/// (pprof's `Prune` rule, which `go tool pprof` applies to a profile's `drop_frames`).
/// Entries use only syntax that RE2, Go's `regexp` and `NSRegularExpression` share.
public enum AllocatorFrames {
  /// pprof's own list for heap profiles (`allocRxStr` in pprof's
  /// `profile/legacy_profile.go`): POSIX, tcmalloc, macOS zone, Go runtime and C++
  /// allocation routines, in pprof's order.
  public static let pprofHeap: [String] = [
    "calloc", "cfree", "malloc", "free", "memalign", "do_memalign", "(__)?posix_memalign",
    "pvalloc", "valloc", "realloc",
    "tcmalloc::.*", "tc_calloc", "tc_cfree", "tc_malloc", "tc_free", "tc_memalign",
    "tc_posix_memalign", "tc_pvalloc", "tc_valloc", "tc_realloc", "tc_new", "tc_delete",
    "tc_newarray", "tc_deletearray", "tc_new_nothrow", "tc_newarray_nothrow",
    "malloc_zone_malloc", "malloc_zone_calloc", "malloc_zone_valloc", "malloc_zone_realloc",
    "malloc_zone_memalign", "malloc_zone_free",
    #"runtime\..*"#,
    "BaseArena::.*", "(::)?do_malloc_no_errno", "(::)?do_malloc_pages", "(::)?do_malloc",
    "DoSampledAllocation", "MallocedMemBlock::MallocedMemBlock", "_M_allocate",
    #"__builtin_(vec_)?delete"#, #"__builtin_(vec_)?new"#, "__gnu_cxx::new_allocator::allocate",
    "__libc_malloc", "__malloc_alloc_template::allocate", "allocate", "cpp_alloc",
    #"operator new(\[\])?"#, "simple_alloc::allocate",
  ]

  /// libc entry points pprof's list lacks (C11, BSD, glibc's internal names).
  public static let libc: [String] = [
    "aligned_alloc", "reallocarray", "__libc_(calloc|realloc|free|memalign|valloc|pvalloc)",
  ]

  /// jemalloc, the macOS zone allocator's remaining names, and frames inside an allocator
  /// library that has no symbol for them (its internals in a stripped libjemalloc or
  /// libtcmalloc), which the symbolizer names `MODULE+0xOFFSET`.
  public static let allocatorLibraries: [String] = [
    "je_.*",
    #"lib(jemalloc|tcmalloc|tcmalloc_minimal|tcmalloc_debug|tcmalloc_and_profiler|mimalloc)\.so[.0-9]*\+0x[0-9a-f]+"#,
  ]

  /// C++ `operator delete` and allocator plumbing beyond pprof's list (not the containers
  /// that call it).
  public static let cplusplus: [String] = [
    #"operator delete(\[\])?"#,
    "(std::__new_allocator|__gnu_cxx::new_allocator|std::allocator|std::allocator_traits)::allocate",
  ]

  /// The Swift runtime's allocation entry points (C and C++ spellings), which pprof does
  /// not know: every Swift object, box and coroutine frame reaches `malloc` through them.
  public static let swiftRuntime: [String] = [
    "(swift::)?_?swift_slowAlloc(Typed)?.*", "(swift::)?_?swift_allocObject_?",
    "(swift::)?swift_alloc(Box|EmptyBox|Error|Pod)", "(swift::)?swift_coroFrameAlloc",
    "swift::HeapObject::.*", "(swift::)?swift_task_alloc.*", "swift_bufferAllocate", "swift::.*Allocat.*",
  ]

  /// heapprof's own runtime and the libunwind calls it makes to capture stacks.
  public static let profiler: [String] = [
    "heapprof_.*", "hp_.*", "unw_.*", "_UL?[A-Za-z0-9]+_.*", "_Unwind_.*", "__libunwind_.*",
  ]

  /// pprof's `keep_frames` for heap profiles (`allocSkipRxStr`): Go runtime frames that
  /// may sit in the middle of a stack (panics, reflection calls).
  public static let pprofHeapKeep: [String] = [#"runtime\.panic"#, #"runtime\.reflectcall"#, #"runtime\.call[0-9]*"#]

  /// The `drop_frames` regex: every list above joined with `|`, pprof's first.
  public static let dropFramesRegex: String =
    (pprofHeap + libc + allocatorLibraries + cplusplus + swiftRuntime + profiler).joined(separator: "|")

  /// The `keep_frames` regex.
  public static let keepFramesRegex: String = pprofHeapKeep.joined(separator: "|")

  private static let dropMatcher = try? NSRegularExpression(pattern: "^(" + dropFramesRegex + ")$")
  private static let keepMatcher = try? NSRegularExpression(pattern: "^(" + keepFramesRegex + ")$")

  /// Whether `functionName` (a display name, possibly with its parameter list) is an
  /// allocator frame by pprof's rule: ``dropFramesRegex`` matches the whole name before
  /// its parameter list and ``keepFramesRegex`` does not.
  public static func isAllocator(_ functionName: String) -> Bool {
    let simple = Profile.simplifiedFunctionName(functionName)
    let range = NSRange(simple.startIndex..., in: simple)
    guard dropMatcher?.firstMatch(in: simple, range: range) != nil else { return false }
    return keepMatcher?.firstMatch(in: simple, range: range) == nil
  }

  /// `ours` joined with `existing` unless `existing` is empty or already `ours`: a profile
  /// read from protobuf may carry its producer's own patterns (Go's), which stay in force.
  public static func combine(_ ours: String, with existing: String) -> String {
    if existing.isEmpty || existing == ours { return ours }
    return ours + "|" + existing
  }
}
