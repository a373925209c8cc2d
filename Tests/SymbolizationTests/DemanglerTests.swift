import HeapProfile
import XCTest

@testable import Symbolization

/// Display names of real symbols: Swift ones from `nm` of the toolchain's
/// libswiftCore.so (Swift 6.3.1), C++ ones from `nm -D` of Debian 12's libstdc++.so.6.
final class DemanglerTests: XCTestCase {
  func testSwiftDisplayNames() {
    let table: [(String, String)] = [
      // Plain method with labels.
      (
        "$ss17_NativeDictionaryV20_copyOrMoveAndResize8capacity12moveElementsySi_SbtF",
        "Swift._NativeDictionary._copyOrMoveAndResize(capacity:moveElements:)"
      ),
      // Generic specialization: type arguments on the generic type.
      (
        "$ss17_NativeDictionaryV20_copyOrMoveAndResize8capacity12moveElementsySi_SbtFSS_SiTg5",
        "Swift._NativeDictionary<Swift.String, Swift.Int>._copyOrMoveAndResize(capacity:moveElements:)"
      ),
      (
        "$ss17_NativeDictionaryV16_unsafeInsertNew3key5valueyxn_q_ntFs11AnyHashableV_AGTg5",
        "Swift._NativeDictionary<Swift.AnyHashable, Swift.AnyHashable>._unsafeInsertNew(key:value:)"
      ),
      // Merged + generic specialization.
      (
        "$ss17_NativeDictionaryV4copyyyFSO_SiTg5Tm",
        "Swift._NativeDictionary<Swift.ObjectIdentifier, Swift.Int>.copy()"
      ),
      // Unlabeled parameter, tuple return type.
      (
        "$ss17_NativeDictionaryV4findys10_HashTableV6BucketV6bucket_Sb5foundtxF",
        "Swift._NativeDictionary.find(_:)"
      ),
      (
        "$ss17_NativeDictionaryV12mutatingFind_8isUniques10_HashTableV6BucketV6bucket_Sb5foundtx_SbtF",
        "Swift._NativeDictionary.mutatingFind(_:isUnique:)"
      ),
      // Accessors.
      ("$ss17_NativeDictionaryV5countSivg", "Swift._NativeDictionary.count.getter"),
      (
        "$ss17_NativeDictionaryV8IteratorV8iterators10_HashTableVACVvM",
        "Swift._NativeDictionary.Iterator.iterator.modify"
      ),
      ("$sSD4KeysVyxSD5IndexVyxq__GcigTm", "Swift.Dictionary.Keys.subscript.getter"),
      // Function signature specialization dropped; generic signature of the method dropped.
      (
        "$ss17_NativeDictionaryV5merge_8isUnique16uniquingKeysWithyqd__n_Sbq_q__q_tKXEtKSTRd__x_q_t7ElementRtd__lFTf4gnnn_n",
        "Swift._NativeDictionary.merge(_:isUnique:uniquingKeysWith:)"
      ),
      // Closure keeps its number and its context.
      (
        "$ss17_NativeDictionaryV6filteryAByxq_GSbx3key_q_5valuet_tKXEKFADs13_UnsafeBitsetVKXEfU_",
        "closure #1 in Swift._NativeDictionary.filter(_:)"
      ),
      // Generic partial specialization is noise.
      ("$ss17_NativeDictionaryV4copyyyFAByxSiSgGSHRzADRs_r0_lIetMl_Tp5", "Swift._NativeDictionary.copy()"),
      // Initializer.
      (
        "$sSD8_VariantV6nativeAByxq__Gs17_NativeDictionaryVyxq_Gn_tcfC",
        "Swift.Dictionary._Variant.init(native:)"
      ),
      // Protocol witness keeps its meaning, conformance type without placeholders.
      (
        "$sSD5IndexVyxq__GSHsSH9hashValueSivgTW",
        "protocol witness for Swift.Hashable.hashValue.getter in conformance Swift.Dictionary.Index"
      ),
      (
        "$sSD4KeysV8IteratorVyxq___GStsSt4next7ElementQzSgyFTW",
        "protocol witness for Swift.IteratorProtocol.next() in conformance Swift.Dictionary.Keys.Iterator"
      ),
      // Coroutine continuation suffix dropped.
      ("$sSDyx3key_q_5valuetSD5IndexVyxq__Gcir.resume.0", "Swift.Dictionary.subscript.read"),
      // Specialized closure: arguments go to the generic context.
      (
        "$ss6MirrorV_17unlabeledChildren12displayStyle22ancestorRepresentationABx_q_AB07DisplayE0OSgAB08AncestorG0OtcSlR_r0_lufcSSSg5label_yp5valuet7ElementQy_cfU_Su_s15EmptyCollectionVyytGTG5",
        "closure #1 in Swift.Mirror<Swift.UInt, Swift.EmptyCollection<()>>.init(_:unlabeledChildren:displayStyle:ancestorRepresentation:)"
      ),
      // Static operator witness.
      (
        "$sSus18AdditiveArithmeticssAAP1soiyxx_xtFZTW",
        "protocol witness for Swift.AdditiveArithmetic.- infix(_:_:) in conformance Swift.UInt"
      ),
      // An operator with "<" is not a generic argument list.
      (
        "$sSD5IndexVyxq__GSLsSL2leoiySbx_xtFZTW",
        "protocol witness for Swift.Comparable.<= infix(_:_:) in conformance Swift.Dictionary.Index"
      ),
      // Partial apply forwarder dropped; closure and defer blocks keep their context.
      (
        "$sSD20uniqueKeysWithValuesSDyxq_Gqd__n_tcSTRd__x_q_t7ElementRtd__lufcq_q__q_tKXEfU_TA",
        "closure #1 in Swift.Dictionary.init(uniqueKeysWithValues:)"
      ),
      (
        "$sSa36__abi_withUnsafeMutableBufferPointeryqd__qd__SryxGzKXEKlF6$deferL_yyr__lF",
        "$defer #1 in Swift.Array.__abi_withUnsafeMutableBufferPointer(_:)"
      ),
      (
        "$ss12StaticStringV08_builtinB7Literal17utf8CodeUnitCount7isASCIIABBp_BwBi1_tcfC",
        "Swift.StaticString.init(_builtinStringLiteral:utf8CodeUnitCount:isASCII:)"
      ),
    ]
    for (symbol, expected) in table {
      XCTAssertEqual(Demangler.displayName(symbol), expected, "for \(symbol)")
    }
  }

  func testSwiftFullDemangling() {
    XCTAssertEqual(
      Demangler.demangle("$ss17_NativeDictionaryV20_copyOrMoveAndResize8capacity12moveElementsySi_SbtFSS_SiTg5"),
      "generic specialization <Swift.String, Swift.Int> of Swift._NativeDictionary._copyOrMoveAndResize(capacity: Swift.Int, moveElements: Swift.Bool) -> ()"
    )
    XCTAssertEqual(Demangler.demangle("$sSD"), "Swift.Dictionary")
    XCTAssertNil(Demangler.demangle("malloc"))
    XCTAssertNil(Demangler.demangle("$snotreallymangled"))
    XCTAssertEqual(Demangler.displayName("malloc"), "malloc")
    XCTAssertEqual(Demangler.displayName("__libc_start_main@@GLIBC_2.34"), "__libc_start_main")
    XCTAssertEqual(Demangler.displayName("@plt"), "@plt")
    XCTAssertEqual(Demangler.displayName("CacheLeakDemo.Cache.store(_:value:)"), "CacheLeakDemo.Cache.store(_:value:)")
  }

  func testCPlusPlusDisplayNames() {
    let table: [(String, String)] = [
      ("_Znwm", "operator new"),
      ("_ZdlPv", "operator delete"),
      (
        "_ZNKSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE12find_last_ofEPKcm",
        "std::__cxx11::basic_string::find_last_of"
      ),
      (
        "_ZN9__gnu_cxx18stdio_sync_filebufIcSt11char_traitsIcEED1Ev",
        "__gnu_cxx::stdio_sync_filebuf::~stdio_sync_filebuf"
      ),
      ("_ZNSt8__detail15_List_node_base7_M_hookEPS0_", "std::__detail::_List_node_base::_M_hook"),
      (
        "_ZNKSt8__detail20_Prime_rehash_policy14_M_need_rehashEmmm",
        "std::__detail::_Prime_rehash_policy::_M_need_rehash"
      ),
      // Function template: return type dropped.
      ("_ZSt9use_facetINSt7__cxx117collateIcEEERKT_RKSt6locale", "std::use_facet"),
      // Operator template.
      ("_ZStlsISt11char_traitsIcEERSt13basic_ostreamIcT_ES5_PKc", "std::operator<<"),
      // An operator whose template arguments follow it directly (was `>`).
      ("_ZStplIcSt11char_traitsIcESaIcEENSt7__cxx1112basic_stringIT_T0_T1_EERKS8_PKS5_", "std::operator+"),
      ("_ZNSt6locale5facetD0Ev", "std::locale::facet::~facet"),
      // As `nm -D` prints it, with the symbol version.
      ("_ZNSt6locale5facetD0Ev@@GLIBCXX_3.4", "std::locale::facet::~facet"),
    ]
    for (symbol, expected) in table {
      XCTAssertEqual(Demangler.displayName(symbol), expected, "for \(symbol)")
    }
    // Names as DWARF gives them for inlined frames (no parameter list).
    for (name, expected) in [
      ("std::operator+<char, std::char_traits<char>, std::allocator<char> >", "std::operator+"),
      ("std::operator< <char>", "std::operator<"), ("std::operator<< <std::char_traits<char> >", "std::operator<<"),
      ("operator()", "operator()"), ("std::vector<int>::operator[]", "std::vector::operator[]"),
    ] {
      XCTAssertEqual(CPlusPlusNameSimplifier.simplify(name), expected, "for \(name)")
    }
    XCTAssertEqual(
      Demangler.demangle("_ZSt9use_facetINSt7__cxx117collateIcEEERKT_RKSt6locale"),
      "std::__cxx11::collate<char> const& std::use_facet<std::__cxx11::collate<char> >(std::locale const&)")
  }

  func testDemangleNamesInAnyProfile() {
    let profile = Profile(functions: [
      Function(id: 1, name: "$ss17_NativeDictionaryV5countSivg"),
      Function(id: 2, name: "_Znwm", systemName: "_Znwm"),
      Function(id: 3, name: "", systemName: "$sSD4KeysVyxSD5IndexVyxq__GcigTm"),
      Function(id: 4, name: "main", systemName: "main"),
      Function(id: 5, name: "runtime.mallocgc"),
    ])
    let out = demangleNames(profile)
    XCTAssertEqual(
      out.functions,
      [
        Function(id: 1, name: "Swift._NativeDictionary.count.getter", systemName: "$ss17_NativeDictionaryV5countSivg"),
        Function(id: 2, name: "operator new", systemName: "_Znwm"),
        Function(id: 3, name: "Swift.Dictionary.Keys.subscript.getter", systemName: "$sSD4KeysVyxSD5IndexVyxq__GcigTm"),
        Function(id: 4, name: "main", systemName: "main"),
        Function(id: 5, name: "runtime.mallocgc"),
      ])
  }
}
