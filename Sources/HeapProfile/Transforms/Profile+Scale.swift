import Foundation

// MARK: - Scaling

extension Profile {
  /// The profile with every value multiplied by `ratio` and rounded to the nearest integer
  /// (halves away from zero), as pprof's `Scale`; samples that become all zero are dropped.
  /// A ratio of exactly 1 changes nothing.
  /// - Parameter ratio: The factor, e.g. `-1` to negate or `0.5` to halve.
  /// - Returns: The scaled profile.
  public func scaled(by ratio: Double) -> Profile {
    scaled(by: Array(repeating: ratio, count: sampleTypes.count))
  }

  /// The profile with the values of sample type `i` multiplied by `ratios[i]` (pprof's
  /// `ScaleN`); types whose ratio is 1 are left alone, and samples that become all zero
  /// in the scaled types are dropped. Values that would overflow saturate at the 64-bit
  /// limits.
  /// - Parameter ratios: One factor per sample type; a wrong count leaves the profile as is.
  /// - Returns: The scaled profile.
  public func scaled(by ratios: [Double]) -> Profile {
    guard ratios.count == sampleTypes.count, ratios.contains(where: { $0 != 1 }) else { return self }
    var p = self
    var kept = [Sample]()
    kept.reserveCapacity(samples.count)
    for var s in samples {
      var keep = false
      for (i, v) in s.values.enumerated() where ratios[i] != 1 {
        let x = (Double(v) * ratios[i]).rounded(.toNearestOrAwayFromZero)
        let val: Int64 =
          x.isNaN ? 0 : x >= 9.223372036854775807e18 ? .max : x <= -9.223372036854775808e18 ? .min : Int64(x)
        s.values[i] = val
        keep = keep || val != 0
      }
      if keep { kept.append(s) }
    }
    p.samples = kept
    return p
  }
}
