import Foundation
import HeapProfile
import XCTest

/// The one allocator-frame table: what it drops and keeps, by pprof's Prune rule.
final class AllocatorFramesTests: XCTestCase {
  /// Matches like pprof's Prune: the whole name before the first "(".
  private func drops(_ name: String) throws -> Bool {
    let re = try NSRegularExpression(pattern: "^(" + AllocatorFrames.dropFramesRegex + ")$")
    let simple = name.firstIndex(of: "(").map { String(name[..<$0]) } ?? name
    let viaRegex = re.firstMatch(in: simple, range: NSRange(simple.startIndex..., in: simple)) != nil
    XCTAssertEqual(AllocatorFrames.isAllocator(name), viaRegex, name)
    return viaRegex
  }

  func testDroppedFrames() throws {
    for name in [
      "malloc", "calloc", "realloc", "free", "posix_memalign", "__posix_memalign", "aligned_alloc",
      "operator new", "operator new[]", "operator delete", "tcmalloc::allocate_full_malloc_oom",
      "swift_slowAlloc", "swift::swift_slowAlloc", "swift_allocObject", "_swift_allocObject_",
      "swift_allocBox", "swift_allocEmptyBox", "swift_coroFrameAlloc", "swift::HeapObject::HeapObject",
      "heapprof_record_alloc", "hp_site_lookup", "unw_backtrace", "_ULx86_64_step", "_Ux86_64_getcontext",
      "runtime.mallocgc", "std::__new_allocator::allocate", "__gnu_cxx::new_allocator::allocate",
    ] {
      XCTAssertTrue(try drops(name), name)
    }
  }

  /// pprof's own list is all in (so that `go tool pprof` and heapprof prune alike), and
  /// the readers set exactly this table.
  func testIncludesPprofsListAndTheReadersSetIt() throws {
    XCTAssertTrue(AllocatorFrames.dropFramesRegex.hasPrefix(AllocatorFrames.pprofHeap.joined(separator: "|") + "|"))
    let plain = AllocatorFrames.pprofHeap.filter {
      $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" }
    }
    XCTAssertGreaterThan(plain.count, 30)
    for name in plain { XCTAssertTrue(try drops(name), name) }
    let text = "heap profile: 1: 8 [1: 8] @ heapprofile\n1: 8 [1: 8] @ 0x1001\n\nMAPPED_LIBRARIES:\n"
    let p = try ProfileReader.parse(Data(text.utf8), source: "t.heap")
    XCTAssertEqual(p.dropFrames, AllocatorFrames.dropFramesRegex)
    XCTAssertEqual(p.keepFrames, AllocatorFrames.keepFramesRegex)
  }

  func testCombineKeepsAProducersOwnPatterns() {
    XCTAssertEqual(AllocatorFrames.combine("a|b", with: ""), "a|b")
    XCTAssertEqual(AllocatorFrames.combine("a|b", with: "a|b"), "a|b")
    XCTAssertEqual(AllocatorFrames.combine("a|b", with: "MyPool::grab"), "a|b|MyPool::grab")
  }

  func testUnsymbolizedFramesOfAllocatorLibrariesAreDropped() throws {
    for name in ["libjemalloc.so.2+0x1a2b", "libtcmalloc.so.4+0xff", "libtcmalloc_minimal.so.4.5.9+0x10"] {
      XCTAssertTrue(try drops(name), name)
    }
    for name in ["libc.so.6+0x1a2b", "libmyjemalloc.so+0x10", "cache-leak+0x1a0f"] {
      XCTAssertFalse(try drops(name), name)
    }
  }

  func testKeptFrames() throws {
    for name in [
      "main", "CacheLeakDemo.Cache.store(_:value:)", "Swift._DictionaryStorage.allocate(capacity:)",
      "Swift._NativeDictionary<Swift.String, CacheLeakDemo.HeavyObject>._copyOrMoveAndResize(capacity:moveElements:)",
      "std::_Hashtable::_M_rehash", "std::__detail::_Hashtable_alloc::_M_allocate_buckets",
      "demo::Registry::add", "mallocator", "free_list_push", "CacheLeakDemo.HeavyObject.__allocating_init(payload:)",
    ] {
      XCTAssertFalse(try drops(name), name)
    }
    XCTAssertNoThrow(try NSRegularExpression(pattern: "^(" + AllocatorFrames.keepFramesRegex + ")$"))
  }
}
