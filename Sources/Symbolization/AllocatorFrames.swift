/// AllocatorFrames names the frames that belong to allocators rather than to the program:
/// reports drop them (and everything toward the leaf) so that each stack starts at the
/// code that asked for memory.
///
/// The pattern is meant to be matched against a whole function name whose parameter
/// list has been removed, i.e. as `^(PATTERN)$` on the text before the first `(` (pprof's
/// `Prune` rule, which `go tool pprof` applies to a profile's `drop_frames`). It uses only
/// syntax that RE2, Go's `regexp`, `NSRegularExpression` and Swift `Regex` share.
public enum AllocatorFrames {
  /// libc and POSIX entry points (pprof's list, plus the C11 and BSD additions).
  static let libc = [
    "malloc", "free", "calloc", "cfree", "realloc", "reallocarray", "memalign", "do_memalign",
    "(__)?posix_memalign", "aligned_alloc", "valloc", "pvalloc",
    "__libc_(malloc|calloc|realloc|free|memalign|valloc|pvalloc)",
  ]

  /// tcmalloc, jemalloc and the macOS zone allocator.
  static let allocators = [
    "tcmalloc::.*", "tc_(malloc|free|calloc|cfree|realloc|memalign|posix_memalign|valloc|pvalloc)",
    "tc_(new|delete|newarray|deletearray)(_nothrow)?",
    "je_.*", "malloc_zone_(malloc|calloc|valloc|realloc|memalign|free)",
    // Frames inside an allocator library that has no symbol for them (its internals in
    // a stripped libjemalloc/libtcmalloc), named MODULE+0xOFFSET by the symbolizer.
    "lib(jemalloc|tcmalloc|tcmalloc_minimal|tcmalloc_debug|tcmalloc_and_profiler|mimalloc)\\.so[.0-9]*\\+0x[0-9a-f]+",
  ]

  /// C++ operator new/delete and allocator plumbing (not the containers that call it).
  static let cplusplus = [
    "operator new(\\[\\])?", "operator delete(\\[\\])?",
    "__builtin_(vec_)?(new|delete)", "_M_allocate", "allocate", "cpp_alloc",
    "(std::__new_allocator|__gnu_cxx::new_allocator|std::allocator|std::allocator_traits)::allocate",
    "__malloc_alloc_template::allocate", "simple_alloc::allocate", "BaseArena::.*",
    "(::)?do_malloc(_no_errno|_pages)?", "DoSampledAllocation", "MallocedMemBlock::MallocedMemBlock",
  ]

  /// The Swift runtime's allocation entry points, C and C++ spellings.
  static let swiftRuntime = [
    "(swift::)?_?swift_slowAlloc(Typed)?", "(swift::)?_?swift_allocObject_?",
    "(swift::)?swift_alloc(Box|EmptyBox|Error|Pod)", "(swift::)?swift_coroFrameAlloc",
    "swift::HeapObject::.*", "(swift::)?swift_task_alloc.*", "swift_bufferAllocate", "swift::.*Allocat.*",
  ]

  /// The Go runtime (pprof drops it; ``keepFramesRegex`` keeps its panic/reflect frames).
  static let goRuntime = ["runtime\\..*"]

  /// heapprof's own runtime and the libunwind calls it makes to capture stacks.
  static let profiler = [
    "heapprof_.*", "hp_.*", "unw_.*", "_UL?[A-Za-z0-9]+_.*", "_Unwind_.*", "__libunwind_.*",
  ]

  /// Frames that are allocator frames: libc, tcmalloc/jemalloc, C++ operator new,
  /// the Swift runtime (`swift_slowAlloc`, `swift_allocObject`, `swift_allocBox`,
  /// `swift_coroFrameAlloc`, …), the Go runtime, heapprof's runtime (`heapprof_*`,
  /// `hp_*`) and libunwind. ``LocalSymbolizer`` sets `Profile.dropFrames` to it (joined
  /// with any other pattern the profile already carried).
  public static let dropFramesRegex: String =
    (libc + allocators + cplusplus + swiftRuntime + goRuntime + profiler).joined(separator: "|")

  /// Frames kept even though ``dropFramesRegex`` matches them: Go runtime frames in the
  /// middle of a stack (panics, reflection calls), as pprof keeps them.
  ///
  /// Both patterns cover `HeapAllocatorFrames` (what HeapProfile's text readers set).
  public static let keepFramesRegex: String =
    ["runtime\\.panic", "runtime\\.reflectcall", "runtime\\.call[0-9]*"].joined(separator: "|")

  /// `ours` joined with `existing` unless `existing` is empty, equal, or one of the
  /// patterns heapprof's own readers set (which `ours` covers).
  static func combine(_ ours: String, with existing: String, readerDefault: String) -> String {
    if existing.isEmpty || existing == ours || existing == readerDefault { return ours }
    return ours + "|" + existing
  }
}
