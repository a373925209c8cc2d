/// Allocator entry points that heap reports drop from the leaf end of each stack, so that
/// the cost lands on the code that asked for memory (pprof's `drop_frames`).
///
/// Each entry is a regular expression matched against a whole function name with its
/// parameter list removed (pprof's rule: `^(A|B|...)$`).
public enum HeapAllocatorFrames {
  /// pprof's built-in list for heap profiles (`allocRxStr` in pprof's
  /// `profile/legacy_profile.go`): POSIX, tcmalloc, macOS zone, Go runtime and C++
  /// allocation routines.
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

  /// pprof's `keep_frames` for heap profiles (`allocSkipRxStr`): Go runtime frames that may
  /// sit in the middle of a stack.
  public static let pprofHeapKeep: [String] = [#"runtime\.panic"#, #"runtime\.reflectcall"#, #"runtime\.call[0-9]*"#]

  /// The Swift runtime's allocation entry points, which pprof does not know: every Swift
  /// object, box and coroutine frame reaches `malloc` through them.
  public static let swiftRuntime: [String] = [
    "swift_slowAlloc", "swift_slowAllocTyped", "swift_allocObject", "_swift_allocObject_",
    "swift_allocBox", "swift_allocEmptyBox", "swift_bufferAllocate", "swift_coroFrameAlloc",
    "swift_task_alloc", "swift::swift_slowAlloc.*", "swift::.*Allocat.*",
  ]

  /// Further C allocation functions that heapprof's runtime wraps and pprof's list lacks.
  public static let otherC: [String] = ["aligned_alloc", "reallocarray", "__libc_calloc", "__libc_realloc", "__libc_memalign"]

  /// The `drop_frames` regex heapprof sets on heap profiles read from text: pprof's list,
  /// then ``swiftRuntime`` and ``otherC``, joined with `|`.
  public static let dropFrames: String = (pprofHeap + swiftRuntime + otherC).joined(separator: "|")

  /// The `keep_frames` regex heapprof sets on heap profiles read from text.
  public static let keepFrames: String = pprofHeapKeep.joined(separator: "|")
}
