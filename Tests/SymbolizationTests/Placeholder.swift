import XCTest

final class SymbolizationTestsPlaceholder: XCTestCase {}
