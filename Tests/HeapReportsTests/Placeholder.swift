import XCTest

final class HeapReportsTestsPlaceholder: XCTestCase {}
