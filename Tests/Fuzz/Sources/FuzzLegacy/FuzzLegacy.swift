import HeapProfile

/// libFuzzer entry: legacy text heap profiles (heapprof, gperftools, Go `heap/`).
/// Inputs that do not start with the legacy header get it prepended, so that every
/// execution reaches LegacyHeapParser. Any crash, hang or trap is a bug; a thrown
/// ProfileError is the expected answer to bad input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLegacy(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  var bytes = Array(UnsafeBufferPointer(start: data, count: size))
  let header = Array("heap profile:".utf8)
  if !bytes.starts(with: header) { bytes = header + bytes }
  _ = try? ProfileReader.parse(bytes, source: "<fuzz>")
  return 0
}

/// SwiftPM links executables with `main` aliased to `<Module>_main`; this is that
/// function, and it hands over to libFuzzer's driver.
@_cdecl("FuzzLegacy_main")
public func fuzzLegacyMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
  var count = argc
  var vector = argv
  return LLVMFuzzerRunDriver(&count, &vector, { fuzzLegacy($0, $1) })
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
  _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
  _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
