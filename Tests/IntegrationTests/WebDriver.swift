import Foundation
import HeapProfTestSupport
import XCTest

/// A small client of the W3C WebDriver protocol, driving the real Chromium through
/// Debian's `chromedriver`: start a headless browser, open pages, run scripts in them,
/// read the browser's console and take screenshots. Each session has its own driver
/// process on a free port; `quit()` ends both.
final class WebDriver {
  private let driver: BackgroundProcess
  private let port: Int
  private var session = ""

  /// Starts chromedriver and a headless Chromium (`extraArguments` are added to its
  /// command line, e.g. to switch the network off).
  init(extraArguments: [String] = [], width: Int = 1400, height: Int = 1000) throws {
    guard let chromedriver = which("chromedriver"), let chromium = which("chromium") else {
      throw RuntimeHarnessError(
        description: "chromium and chromium-driver are not installed (tools/install-deps installs them)")
    }
    let port = try Self.freePort()
    driver = try BackgroundProcess(chromedriver, ["--port=\(port)"])
    self.port = port
    let deadline = Date().addingTimeInterval(20)
    while (try? request("GET", "/status")) == nil {
      guard Date() < deadline else {
        kill(driver.pid, SIGTERM)
        throw RuntimeHarnessError(description: "chromedriver did not start: \(driver.stderr)")
      }
      usleep(100_000)
    }
    let args =
      [
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
        "--window-size=\(width),\(height)", "--force-device-scale-factor=1",
      ] + extraArguments
    let caps: [String: Any] = [
      "capabilities": [
        "alwaysMatch": [
          "browserName": "chrome",
          "goog:chromeOptions": ["binary": chromium, "args": args],
          "goog:loggingPrefs": ["browser": "ALL"],
        ] as [String: Any]
      ]
    ]
    let created = try request("POST", "/session", caps)
    guard let value = created["value"] as? [String: Any], let id = value["sessionId"] as? String else {
      kill(driver.pid, SIGTERM)
      throw RuntimeHarnessError(description: "chromedriver made no session: \(created)")
    }
    session = id
  }

  /// Opens `url` and waits until the page's app says it has drawn (`body[data-ready]`)
  /// every profile of its series (none still being read).
  func open(_ url: String, waitForReady: Bool = true) throws {
    _ = try request("POST", "/session/\(session)/url", ["url": url])
    if waitForReady {
      try waitUntil(
        "return document.body && document.body.dataset.ready !== undefined && window.HP && HP.meta && !HP.meta.loading",
        timeout: 60)
    }
  }

  /// Runs `script` (a function body; `arguments` are `args`) in the page; returns its value.
  @discardableResult
  func run(_ script: String, _ args: [Any] = []) throws -> Any? {
    let r = try request("POST", "/session/\(session)/execute/sync", ["script": script, "args": args])
    if let v = r["value"] as? [String: Any], let error = v["error"] as? String {
      throw RuntimeHarnessError(description: "script failed (\(error)): \(v["message"] ?? "")\n\(script)")
    }
    return r["value"] ?? nil
  }

  /// Waits until `script` returns true (at most `timeout` seconds).
  func waitUntil(_ script: String, timeout: Double = 20, file: StaticString = #filePath, line: UInt = #line) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if (try? run(script)) as? Bool == true { return }
      usleep(50_000)
    }
    throw RuntimeHarnessError(description: "timed out waiting for: \(script)")
  }

  /// The browser console's messages since the last call (level, text).
  func consoleMessages() throws -> [(level: String, message: String)] {
    let r = try request("POST", "/session/\(session)/se/log", ["type": "browser"])
    return (r["value"] as? [[String: Any]] ?? []).map {
      (($0["level"] as? String) ?? "", ($0["message"] as? String) ?? "")
    }
  }

  /// A PNG of the window.
  func screenshot() throws -> Data {
    let r = try request("GET", "/session/\(session)/screenshot")
    guard let b64 = r["value"] as? String, let data = Data(base64Encoded: b64) else {
      throw RuntimeHarnessError(description: "no screenshot")
    }
    return data
  }

  /// Ends the browser and the driver.
  func quit() {
    if !session.isEmpty { _ = try? request("DELETE", "/session/\(session)") }
    kill(driver.pid, SIGTERM)
    _ = driver.wait()
  }

  // MARK: - HTTP

  // FoundationNetworking's URLSession fails on chromedriver's answers here ("Failed
  // writing header"), so the client speaks HTTP/1.1 over a socket itself.
  private func request(_ method: String, _ path: String, _ body: [String: Any]? = nil) throws -> [String: Any] {
    let payload = try body.map { try JSONSerialization.data(withJSONObject: $0) }
    let r = try httpExchange(port: port, method: method, path: path, host: "127.0.0.1:\(port)", body: payload)
    return (try JSONSerialization.jsonObject(with: Data(r.body.utf8))) as? [String: Any] ?? [:]
  }

  /// A TCP port nobody listens on now.
  static func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
    }
    guard bound else { throw RuntimeHarnessError(description: "no free port") }
    return Int(UInt16(bigEndian: addr.sin_port))
  }
}

/// One raw HTTP/1.1 GET over TCP (any Host header, any path as it is written), for the
/// server's security tests. Returns the status code and the body.
func rawHTTP(port: Int, path: String, host: String) throws -> (status: Int, body: String) {
  try httpExchange(port: port, method: "GET", path: path, host: host, body: nil)
}

/// One HTTP/1.1 request with `Connection: close`: the status and the body (chunked or not).
func httpExchange(port: Int, method: String, path: String, host: String, body: Data?) throws -> (
  status: Int, body: String
) {
  let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
  guard fd >= 0 else { throw RuntimeHarnessError(description: "socket failed") }
  defer { close(fd) }
  var addr = sockaddr_in()
  addr.sin_family = sa_family_t(AF_INET)
  addr.sin_addr.s_addr = inet_addr("127.0.0.1")
  addr.sin_port = UInt16(port).bigEndian
  let connected = withUnsafePointer(to: &addr) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
      connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
    }
  }
  guard connected else { throw RuntimeHarnessError(description: "cannot connect to port \(port)") }
  var timeout = timeval(tv_sec: 120, tv_usec: 0)
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
  var request = Data("\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n".utf8)
  if let body {
    request.append(Data("Content-Type: application/json\r\nContent-Length: \(body.count)\r\n".utf8))
  }
  request.append(Data("\r\n".utf8))
  if let body { request.append(body) }
  try request.withUnsafeBytes { raw in
    var sent = 0
    while sent < raw.count {
      let n = send(fd, raw.baseAddress! + sent, raw.count - sent, 0)
      guard n > 0 else { throw RuntimeHarnessError(description: "send failed") }
      sent += n
    }
  }
  // Read the head, then exactly the body its headers announce (a server may keep the
  // connection open despite `Connection: close`).
  var data = Data()
  var buffer = [UInt8](repeating: 0, count: 65536)
  func more() -> Bool {
    let n = recv(fd, &buffer, buffer.count, 0)
    if n <= 0 { return false }
    data.append(buffer, count: n)
    return true
  }
  while data.range(of: Data("\r\n\r\n".utf8)) == nil { if !more() { break } }
  guard let split = data.range(of: Data("\r\n\r\n".utf8)) else {
    throw RuntimeHarnessError(description: "no HTTP answer: \(String(decoding: data.prefix(200), as: UTF8.self))")
  }
  let headText = String(decoding: data[..<split.lowerBound], as: UTF8.self).lowercased()
  if let line = headText.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
    let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
  {
    while data.count - split.upperBound < length { if !more() { break } }
  } else if headText.contains("transfer-encoding: chunked") {
    while data.range(of: Data("\r\n0\r\n\r\n".utf8), in: split.upperBound..<data.endIndex) == nil
      && !(data.count - split.upperBound >= 5
        && data[split.upperBound..<(split.upperBound + 5)] == Data("0\r\n\r\n".utf8))
    {
      if !more() { break }
    }
  } else {
    while more() {}
  }
  let head = String(decoding: data[..<split.lowerBound], as: UTF8.self)
  var payload = Data(data[split.upperBound...])
  let parts = (head.split(separator: "\r\n").first ?? "").split(separator: " ")
  guard parts.count >= 2, let status = Int(parts[1]) else {
    throw RuntimeHarnessError(description: "no HTTP status in \(head)")
  }
  if head.lowercased().contains("transfer-encoding: chunked") {
    var out = Data()
    var rest = payload[...]
    while let lineEnd = rest.range(of: Data("\r\n".utf8)) {
      let size = Int(String(decoding: rest[..<lineEnd.lowerBound], as: UTF8.self), radix: 16) ?? 0
      if size == 0 { break }
      let start = lineEnd.upperBound
      out.append(rest[start..<(start + size)])
      rest = rest[(start + size + 2)...]
    }
    payload = out
  }
  return (status, String(decoding: payload, as: UTF8.self))
}
