import CLibCrypto
import Foundation

/// SHA-256 from OpenSSL's libcrypto, for the hashes of a report's inline script and style
/// in its Content-Security-Policy.
enum SHA256 {
  /// The digest of `bytes`, base64-encoded (CSP's `'sha256-…'` form).
  static func base64(_ bytes: [UInt8]) -> String {
    var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
    bytes.withUnsafeBufferPointer { b in _ = CLibCrypto.SHA256(b.baseAddress, b.count, &digest) }
    return Data(digest).base64EncodedString()
  }
}
