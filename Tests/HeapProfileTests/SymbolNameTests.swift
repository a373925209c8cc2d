import HeapProfile
import XCTest

/// The one name model on the names the symbolizer produces and the runtimes print.
final class SymbolNameTests: XCTestCase {
  private func path(_ n: SymbolName) -> [String] {
    n.components.map { $0.arguments.isEmpty ? $0.name : $0.name + "<" + $0.arguments.joined(separator: "|") + ">" }
  }

  func testSwiftDisplayNames() {
    let insert = SymbolName(
      "Swift._NativeDictionary<Swift.String, CacheLeakDemo.HeavyObject>._copyOrMoveAndResize(capacity:moveElements:)")
    XCTAssertEqual(
      path(insert), ["Swift", "_NativeDictionary<Swift.String|CacheLeakDemo.HeavyObject>", "_copyOrMoveAndResize"])
    XCTAssertEqual(insert.module, "Swift")
    XCTAssertEqual(insert.typePath.map(\.name), ["_NativeDictionary"])
    XCTAssertEqual(insert.function, "_copyOrMoveAndResize")
    XCTAssertEqual(insert.parameters, "(capacity:moveElements:)")
    XCTAssertEqual(
      insert.arguments(ofComponentNamedLike: ["Dictionary"]), ["Swift.String", "CacheLeakDemo.HeavyObject"])
    XCTAssertEqual(SymbolName.render(insert.components, parameters: insert.parameters), insert.text)

    let witness = SymbolName(
      "protocol witness for ArgumentParser.ParsableCommand.run() in conformance CacheLeakDemo.CacheLeak")
    XCTAssertEqual(witness.wrappers, ["protocol witness for "])
    XCTAssertEqual(path(witness), ["ArgumentParser", "ParsableCommand", "run"])
    XCTAssertEqual(witness.trailing, " in conformance CacheLeakDemo.CacheLeak")
    XCTAssertEqual(witness.subject, "ArgumentParser.ParsableCommand.run() in conformance CacheLeakDemo.CacheLeak")

    let closure = SymbolName("closure #1 (Swift.Int) -> () in CacheLeakDemo.main()")
    XCTAssertEqual(closure.wrappers, ["closure #1 (Swift.Int) -> () in "])
    XCTAssertEqual(closure.subject, "CacheLeakDemo.main()")
    XCTAssertEqual(SymbolName("default argument 1 of X.f(_:)").subject, "X.f(_:)")
    XCTAssertEqual(path(SymbolName("Swift.== infix(_:_:)")), ["Swift", "== infix"])
    XCTAssertEqual(
      path(SymbolName("Swift._NativeDictionary.count.getter")), ["Swift", "_NativeDictionary", "count", "getter"])
  }

  func testFullDemangledText() {
    let spec = SymbolName(
      "generic specialization <Swift.String, Swift.Array<Swift.UInt8>> of Swift._NativeDictionary.insertNew(key: A, value: B) -> ()"
    )
    XCTAssertEqual(spec.specialization, "generic specialization <Swift.String, Swift.Array<Swift.UInt8>> of ")
    XCTAssertEqual(spec.specializationArguments, ["Swift.String", "Swift.Array<Swift.UInt8>"])
    XCTAssertEqual(path(spec), ["Swift", "_NativeDictionary", "insertNew"])
    XCTAssertEqual(spec.parameters, "(key: A, value: B)")
    XCTAssertEqual(spec.trailing, " -> ()")
  }

  func testCPlusPlusAndGoAndC() {
    let map = SymbolName("std::unordered_map<std::__cxx11::basic_string<char>, int, std::hash<int> >::operator[]")
    XCTAssertEqual(map.separator, "::")
    XCTAssertEqual(
      path(map), ["std", "unordered_map<std::__cxx11::basic_string<char>|int|std::hash<int>>", "operator[]"])
    XCTAssertEqual(path(SymbolName("std::operator<<")), ["std", "operator<<"])
    XCTAssertEqual(path(SymbolName("operator new")), ["operator new"])
    XCTAssertEqual(path(SymbolName("main.(*sessionStore).remember")), ["main", "(*sessionStore)", "remember"])
    XCTAssertEqual(path(SymbolName("github.com/x/y.(*T).F")), ["github.com/x/y", "(*T)", "F"])
    XCTAssertEqual(path(SymbolName("runtime/pprof.writeHeap")), ["runtime/pprof", "writeHeap"])
    XCTAssertEqual(SymbolName("malloc@@GLIBC_2.2.5").subject, "malloc")
    XCTAssertEqual(SymbolName("libc.so.6+0x1a2b").components.count, 3, "module+offset names are not paths, but parse")
  }

  func testShortTypes() {
    XCTAssertEqual(SymbolName.shortTypeName("Swift.Array<Swift.UInt8>"), "Array<UInt8>")
    XCTAssertEqual(SymbolName.shortTypeName("std::__cxx11::basic_string<char, std::char_traits<char> >"), "std::string")
    XCTAssertEqual(
      SymbolName.droppingQualifiers("(_: CacheLeakDemo.HeavyObject, for: Swift.String) -> ns::T"),
      "(_: HeavyObject, for: String) -> T")
  }

  func testCxxContainerTypesWithoutDefaultArguments() {
    let string = "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >"
    XCTAssertEqual(SymbolName.simplifiedCxxType(string), "std::string")
    XCTAssertEqual(
      SymbolName.simplifiedCxxType(
        "std::unordered_map<\(string), std::vector<char, std::allocator<char> >, std::hash<\(string) >, "
          + "std::equal_to<\(string) >, std::allocator<std::pair<\(string) const, std::vector<char, std::allocator<char> > > > >"
      ), "std::unordered_map<std::string, std::vector<char>>")
    XCTAssertEqual(
      SymbolName.simplifiedCxxType("std::map<int, std::pair<int, long>, std::less<int> >"),
      "std::map<int, std::pair<int, long>>")
    XCTAssertEqual(
      SymbolName.topLevelArguments("UUID, Dictionary<String, Data>, (Int, Int)"),
      ["UUID", "Dictionary<String, Data>", "(Int, Int)"])
  }
}
