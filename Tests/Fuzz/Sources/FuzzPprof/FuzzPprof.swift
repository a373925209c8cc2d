import HeapProfile

/// libFuzzer entry: pprof protobuf. Inputs that would be sniffed as text or gzip get a
/// zero byte prepended (an empty field 0 tag, which the decoder must reject or skip), so
/// that every execution reaches PprofDecoder.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPprof(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  var bytes = Array(UnsafeBufferPointer(start: data, count: size))
  if bytes.starts(with: Array("heap".utf8)) || bytes.starts(with: [0x1f, 0x8b]) { bytes.insert(0x0a, at: 0) }
  _ = try? ProfileReader.parse(bytes, source: "<fuzz>")
  return 0
}

/// SwiftPM links executables with `main` aliased to `<Module>_main`; this is that
/// function, and it hands over to libFuzzer's driver.
@_cdecl("FuzzPprof_main")
public func fuzzPprofMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
  var count = argc
  var vector = argv
  return LLVMFuzzerRunDriver(&count, &vector, { fuzzPprof($0, $1) })
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
  _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
  _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
