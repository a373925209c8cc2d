import Foundation
import HeapProfRuntime
import XCTest

/// Poisson byte sampling and its libm-free logarithm.
final class SamplerTests: XCTestCase {
  func testLogMatchesLibm() {
    for x in [1e-300, 1e-9, 0.1, 0.5, 0.7071, 1, 1.5, 2, 10, 12345.678, 1e200] {
      XCTAssertEqual(hp_log(x), Foundation.log(x), accuracy: abs(Foundation.log(x)) * 1e-12 + 1e-15, "log(\(x))")
    }
  }

  func testRateZeroSamplesEverything() {
    var s = hp_sampler()
    hp_sampler_init(&s, 0, 1)
    XCTAssertEqual((0..<1000).map { hp_sampler_take(&s, UInt64($0)) }.reduce(0, +), 1000)
  }

  func testSameSeedSameDecisionsAndOtherSeedsOthers() {
    func decisions(_ seed: UInt64) -> [Int32] {
      var s = hp_sampler()
      hp_sampler_init(&s, 4096, seed)
      return (0..<10_000).map { _ in Int32(hp_sampler_take(&s, 100)) }
    }
    let a = decisions(42), b = decisions(42), c = decisions(43)
    XCTAssertEqual(a, b)
    XCTAssertNotEqual(a, c, "another seed, other decisions")
    // 100-byte allocations at a 4096-byte mean are taken with p = 1 - e^(-100/4096) ≈ 2.4%:
    // about 241 of 10,000 (a sampler that never or always takes fails here).
    let taken = a.reduce(0, +)
    XCTAssertTrue((170...320).contains(taken), "\(taken) taken")
  }

  func testGapsAreExponentialWithTheRequestedMean() {
    var s = hp_sampler()
    hp_sampler_init(&s, 10_000, 7)
    let n = 200_000
    let gaps = (0..<n).map { _ in Double(hp_sampler_next_gap(&s)) }
    let mean = gaps.reduce(0, +) / Double(n)
    XCTAssertEqual(mean, 10_000, accuracy: 10_000 * 0.01)
    // P(gap > mean) = 1/e for an exponential distribution.
    let above = Double(gaps.filter { $0 > 10_000 }.count) / Double(n)
    XCTAssertEqual(above, exp(-1), accuracy: 0.005)
  }

  func testAllocationsAreTakenWithProbabilityOneMinusExpMinusSizeOverRate() {
    for size in [512, 4096, 32768] as [UInt64] {
      var s = hp_sampler()
      hp_sampler_init(&s, 4096, 12345)
      let n = 100_000
      let taken = (0..<n).map { _ in Int(hp_sampler_take(&s, size)) }.reduce(0, +)
      let expected = 1 - exp(-Double(size) / 4096)
      XCTAssertEqual(Double(taken) / Double(n), expected, accuracy: 0.01, "size \(size)")
    }
  }
}
