import HeapProfile

/// libFuzzer entry: gzip framing. Inputs get the gzip magic prepended when missing, so
/// every execution goes through Gzip.decompress (with a 16 MiB limit, so that bombs found
/// by the fuzzer stay cheap) and then the reader it sniffs.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGzip(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  var bytes = Array(UnsafeBufferPointer(start: data, count: size))
  if !bytes.starts(with: [0x1f, 0x8b]) { bytes = [0x1f, 0x8b] + bytes }
  if let inner = try? Gzip.decompress(bytes, limit: 16 << 20, source: "<fuzz>") {
    _ = try? ProfileReader.parse(inner, source: "<fuzz>")
  }
  return 0
}

/// SwiftPM links executables with `main` aliased to `<Module>_main`; this is that
/// function, and it hands over to libFuzzer's driver.
@_cdecl("FuzzGzip_main")
public func fuzzGzipMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
  var count = argc
  var vector = argv
  return LLVMFuzzerRunDriver(&count, &vector, { fuzzGzip($0, $1) })
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
  _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
  _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
