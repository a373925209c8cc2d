import Foundation
import HeapProfile
import Symbolization
import XCTest

final class AllocatorFramesTests: XCTestCase {
  /// Matches like pprof's Prune: the whole name before the first "(".
  private func drops(_ name: String) throws -> Bool {
    let re = try NSRegularExpression(pattern: "^(" + AllocatorFrames.dropFramesRegex + ")$")
    let simple = name.firstIndex(of: "(").map { String(name[..<$0]) } ?? name
    return re.firstMatch(in: simple, range: NSRange(simple.startIndex..., in: simple)) != nil
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

  /// Every plain name HeapProfile's readers drop is dropped here too.
  func testCoversTheReadersList() throws {
    let all = HeapAllocatorFrames.pprofHeap + HeapAllocatorFrames.swiftRuntime + HeapAllocatorFrames.otherC
    let plain = all.filter { $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" } }
    XCTAssertGreaterThan(plain.count, 30)
    for name in plain { XCTAssertTrue(try drops(name), name) }
  }

  func testSymbolizeSetsThePatterns() {
    var p = Profile(dropFrames: HeapAllocatorFrames.dropFrames, keepFrames: HeapAllocatorFrames.keepFrames)
    var s = LocalSymbolizer().symbolize(p).profile
    XCTAssertEqual(s.dropFrames, AllocatorFrames.dropFramesRegex)
    XCTAssertEqual(s.keepFrames, AllocatorFrames.keepFramesRegex)
    p.dropFrames = "MyPool::grab"
    p.keepFrames = ""
    s = LocalSymbolizer().symbolize(p).profile
    XCTAssertEqual(s.dropFrames, AllocatorFrames.dropFramesRegex + "|MyPool::grab")
    XCTAssertEqual(s.keepFrames, AllocatorFrames.keepFramesRegex)
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
