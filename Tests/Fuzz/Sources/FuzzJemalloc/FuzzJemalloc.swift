import HeapProfile

/// libFuzzer entry: jemalloc `heap_v2/` profiles (the header is prepended when missing,
/// so that every execution reaches JemallocHeapParser).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJemalloc(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  var bytes = Array(UnsafeBufferPointer(start: data, count: size))
  let header = Array("heap_v2/".utf8)
  if !bytes.starts(with: header) { bytes = header + bytes }
  _ = try? ProfileReader.parse(bytes, source: "<fuzz>")
  return 0
}

/// SwiftPM links executables with `main` aliased to `<Module>_main`; this is that
/// function, and it hands over to libFuzzer's driver.
@_cdecl("FuzzJemalloc_main")
public func fuzzJemallocMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
  var count = argc
  var vector = argv
  return LLVMFuzzerRunDriver(&count, &vector, { fuzzJemalloc($0, $1) })
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
  _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
  _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
