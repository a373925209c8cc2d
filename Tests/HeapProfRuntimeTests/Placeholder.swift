import XCTest

final class HeapProfRuntimeTestsPlaceholder: XCTestCase {}
