import XCTest

final class HeapProfileTestsPlaceholder: XCTestCase {}
