import Foundation
import HeapProfTestSupport
import XCTest

/// `heapprof web`, `heapprof html` and `--live` in the real browser (Chromium through
/// WebDriver), on real snapshots of the demo: what the page draws must be what the CLI
/// reports. Screenshots of the main views are written to .build/screenshots (look at
/// them; `tools/screenshots` copies them into docs/ for the README).
final class WebUITests: XCTestCase {
  /// Three snapshots of `cache-leak --mode leak` (and of `--mode fixed`), made once.
  nonisolated(unsafe) static var leak: [String]?
  nonisolated(unsafe) static var fixed: [String]?

  static func series(_ mode: String) throws -> [String] {
    if mode == "leak", let leak { return leak }
    if mode == "fixed", let fixed { return fixed }
    let s = try DemoSeries.serveAndSnapshot(mode, "web-\(mode)")
    if mode == "leak" { leak = s } else { fixed = s }
    return s
  }

  static var screenshots: URL { packageRoot().appendingPathComponent(".build/screenshots") }

  private func save(_ browser: WebDriver, _ name: String) throws {
    try FileManager.default.createDirectory(at: Self.screenshots, withIntermediateDirectories: true)
    try browser.screenshot().write(to: Self.screenshots.appendingPathComponent(name + ".png"))
  }

  /// Starts `heapprof web ARGS` and returns it with its URL.
  private func serve(_ args: [String]) throws -> (BackgroundProcess, String) {
    let web = try Products.heapprofInBackground(["web", "--no-browser"] + args)
    let url = try web.waitFor("^heapprof: serving (http://127\\.0\\.0\\.1:[0-9]+/)$")
    return (web, url)
  }

  private func stop(_ p: BackgroundProcess) {
    kill(p.pid, SIGINT)
    _ = p.wait()
  }

  /// Bytes of one row of `heapprof top --cum --unit B` (the cum column) for `name`.
  private func cliCum(_ name: String, _ args: [String]) throws -> Int64 {
    let r = try Products.heapprof(["top", "--cum", "--unit", "B", "--nodecount", "0"] + args)
    XCTAssertEqual(r.status, 0, r.stderr)
    for line in r.stdout.split(separator: "\n")
    where line.hasSuffix("  " + name) || line.hasSuffix("  " + name + " (inline)") {
      let cols = line.split(separator: " ", omittingEmptySubsequences: true)
      return try XCTUnwrap(Int64(cols[3].dropLast()), String(line))
    }
    throw RuntimeHarnessError(description: "no row \(name) in\n\(r.stdout)")
  }

  /// `Showing nodes accounting for …, …% of TOTAL total` of `heapprof top --unit B`.
  private func cliTotal(_ args: [String]) throws -> Int64 {
    let r = try Products.heapprof(["top", "--unit", "B"] + args)
    let line = try XCTUnwrap(
      r.stdout.split(separator: "\n").first { $0.hasPrefix("Showing nodes accounting for") }, r.stdout + r.stderr)
    let words = line.split(separator: " ")
    let total = try XCTUnwrap(words.firstIndex(of: "total")).advanced(by: -1)
    return try XCTUnwrap(Int64(words[total].dropLast()), String(line))
  }

  /// The flame graph's frames now drawn.
  private func frames(_ b: WebDriver) throws -> [[String: Any]] {
    try XCTUnwrap(try b.run("return HP.flame.frames()") as? [[String: Any]])
  }

  /// Checks the page's flame graph: the widest frame under the request handler is the
  /// leaking path, kept alive by the dictionary, with the CLI's cum value; clicking it zooms.
  private func checkLeakFlame(_ b: WebDriver, newest: String) throws {
    var all = try frames(b)
    let handler = try XCTUnwrap(
      all.first { ($0["name"] as? String) == "CacheLeakDemo.Service.handleRequest(_:)" },
      "\(all.map { $0["name"] ?? "" })")
    let depth = try XCTUnwrap(handler["depth"] as? Int)
    let start = try XCTUnwrap(handler["index"] as? Int)
    let under = all.filter { ($0["depth"] as? Int) == depth + 1 && ($0["index"] as? Int ?? 0) > start }
    let widest = try XCTUnwrap(under.max { ($0["width"] as? Int ?? 0) < ($1["width"] as? Int ?? 0) })
    let name = try XCTUnwrap(widest["name"] as? String)
    XCTAssertTrue(name.hasPrefix("CacheLeakDemo.HeavyObject."), "the leaking path: \(name)")
    XCTAssertEqual(
      widest["keptBy"] as? String, "Dictionary<String, HeavyObject> in CacheLeakDemo.ResponseCache.store(_:for:)",
      "the picture names the map that keeps it")
    XCTAssertEqual(
      Int64(widest["value"] as? Int ?? -1), try cliCum(name, [newest]), "the value is heapprof top --cum's")
    // Click it: it fills the width.
    let index = try XCTUnwrap(widest["index"] as? Int)
    try b.run("HP.flame.zoomTo(arguments[0])", [index])
    all = try frames(b)
    let zoomed = try XCTUnwrap(all.first { ($0["index"] as? Int) == index })
    let width = try XCTUnwrap(b.run("return HP.flame.canvas.clientWidth") as? Int)
    XCTAssertEqual(zoomed["pw"] as? Double ?? 0, Double(width), accuracy: 1, "the zoomed frame spans the full width")
    try b.run("HP.flame.zoomTo(0)")
  }

  func testLeakSeriesInTheBrowser() throws {
    let snaps = try Self.series("leak")
    let (web, url) = try serve(snaps)
    defer { stop(web) }
    let b = try WebDriver()
    defer { b.quit() }
    try b.open(url)
    XCTAssertEqual(try b.run("return location.pathname") as? String, "/ui/flamegraph")
    try checkLeakFlame(b, newest: snaps[2])
    try b.waitUntil("return document.querySelector('polyline.suspect') !== null")
    try save(b, "flamegraph")

    // Only the server was asked for anything; nothing went wrong in the console.
    let hosts = try XCTUnwrap(
      b.run("return performance.getEntriesByType('resource').map(e => new URL(e.name).host)") as? [String])
    let origin = String(url.dropFirst("http://".count).dropLast())
    XCTAssertFalse(hosts.isEmpty)
    XCTAssertEqual(Set(hosts), [origin])
    let severe = try b.consoleMessages().filter { $0.level == "SEVERE" }
    XCTAssertTrue(severe.isEmpty, "console errors: \(severe)")

    // Search for `store` highlights the map code and owner frames and sums them.
    try b.run(
      "const s = document.querySelector('[data-testid=search]'); s.value = 'store'; s.dispatchEvent(new Event('input'))"
    )
    let matched = try frames(b).filter { $0["matched"] as? Bool == true }
    XCTAssertTrue(
      matched.contains {
        ($0["name"] as? String) == "CacheLeakDemo.ResponseCache.store(_:for:)" && ($0["kind"] as? Int) == 3
      })
    XCTAssertTrue(
      try (b.run("return document.querySelector('[data-testid=found]').textContent") as? String ?? "").contains(
        "frames match"))
    XCTAssertTrue(
      try (b.run("return location.search") as? String ?? "").contains("q=store"), "the search is in the URL")

    // The timeline: three points, rising for the suspect.
    let points = try XCTUnwrap(
      b.run("return document.querySelector('polyline.suspect').getAttribute('points')") as? String)
    let ys = points.split(separator: " ").map { Double($0.split(separator: ",")[1]) ?? 0 }
    XCTAssertEqual(ys.count, 3)
    XCTAssertTrue(ys[0] > ys[1] && ys[1] > ys[2], "rising (SVG y grows downwards): \(ys)")

    // alloc_space: the total is heapprof top --sample-index alloc_space's.
    try b.run(
      "const s = document.querySelector('[data-testid=sample-index]'); s.value = 'alloc_space'; s.dispatchEvent(new Event('change'))"
    )
    try b.waitUntil(
      "return location.search.includes('si=alloc_space') && HP.flame && HP.flame.data.type === 'alloc_space'")
    XCTAssertEqual(
      Int64(try XCTUnwrap(b.run("return HP.flame.data.total") as? Int)),
      try cliTotal(["--sample-index", "alloc_space", snaps[2]]))

    // The diff of snapshot 1 → 3: the suspect's growth is its widest positive frame.
    try b.open(url + "ui/diff?b=0&p=2")
    let diff = try frames(b).filter { ($0["depth"] as? Int ?? 0) > 0 && ($0["value"] as? Int ?? 0) > 0 }
    let handlerDiff = try XCTUnwrap(diff.first { ($0["name"] as? String) == "CacheLeakDemo.Service.handleRequest(_:)" })
    let below = diff.filter { ($0["depth"] as? Int) == (handlerDiff["depth"] as? Int ?? 0) + 1 }
    let grew = try XCTUnwrap(below.max { ($0["value"] as? Int ?? 0) < ($1["value"] as? Int ?? 0) })
    XCTAssertEqual(
      grew["keptBy"] as? String, "Dictionary<String, HeavyObject> in CacheLeakDemo.ResponseCache.store(_:for:)")
    try save(b, "diff")

    // The maps tab shows the finding; the growth tab names the suspect.
    try b.open(url + "ui/maps")
    XCTAssertTrue(try (b.run("return document.body.innerText") as? String ?? "").contains("grows and never shrinks"))
    // The cache's table line is the CLI's (capacity from the table's size, entries from the
    // HeavyObjects made on its insert path).
    let cliMaps = try Products.heapprof(["maps", snaps[2]]).stdout
    let tableLine = try XCTUnwrap(cliMaps.split(separator: "\n").first { $0.hasPrefix("  table:    ") })
    XCTAssertEqual(
      try b.run("return document.querySelector('[data-testid=maps-table]').textContent") as? String,
      String(tableLine.dropFirst("  table:    ".count)))
    try save(b, "maps")
    try b.open(url + "ui/growth")
    XCTAssertEqual(
      try b.run("return document.querySelector('[data-testid=growth-verdict]').textContent") as? String,
      "1 leak suspect: Dictionary<String, HeavyObject> in CacheLeakDemo.ResponseCache.store(_:for:)")
    try save(b, "growth")
    // A link reproduces a view: the top table, sorted by flat, on an explicit snapshot.
    try b.open(url + "ui/top?p=1&si=inuse_objects")
    XCTAssertEqual(
      try b.run("return document.querySelector('[data-testid=sample-index]').value") as? String, "inuse_objects")
    XCTAssertEqual(try b.run("return document.querySelector('[data-testid=snapshot]').value") as? String, "1")
    XCTAssertGreaterThan(
      try XCTUnwrap(b.run("return document.querySelectorAll('[data-testid=top] tbody tr').length") as? Int), 10)
  }

  func testFixedCacheHasAFlatTimelineAndNoSuspect() throws {
    let snaps = try Self.series("fixed")
    let (web, url) = try serve(snaps)
    defer { stop(web) }
    let b = try WebDriver()
    defer { b.quit() }
    try b.open(url + "ui/growth")
    XCTAssertEqual(
      try b.run("return document.querySelector('[data-testid=growth-verdict]').textContent") as? String,
      "No leak suspect: nothing grew in every interval.")
    XCTAssertEqual(try b.run("return document.querySelectorAll('polyline.suspect').length") as? Int, 0)
  }

  func testHtmlReportOfflineFromFile() throws {
    let snaps = try Self.series("leak")
    let dir = try RuntimeHarness.temporaryDirectory("html")
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("leak.html").path
    let r = try Products.heapprof(["html"] + snaps + ["-o", file])
    XCTAssertEqual(r.status, 0, r.stderr)
    let text = try String(contentsOfFile: file, encoding: .utf8)
    XCTAssertNil(text.range(of: "https?://", options: .regularExpression), "no URL in the report")
    XCTAssertTrue(
      text.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'sha256-"))
    // The network is off: a proxy that does not exist and no name resolves.
    let b = try WebDriver(extraArguments: [
      "--proxy-server=http://127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
    ])
    defer { b.quit() }
    try b.open("file://" + file)
    try checkLeakFlame(b, newest: snaps[2])
    let points = try XCTUnwrap(
      b.run("return document.querySelector('polyline.suspect').getAttribute('points')") as? String)
    XCTAssertEqual(points.split(separator: " ").count, 3)
    let requests = try XCTUnwrap(b.run("return performance.getEntriesByType('resource').length") as? Int)
    XCTAssertEqual(requests, 0, "the report asks for nothing")
    let severe = try b.consoleMessages().filter { $0.level == "SEVERE" }
    XCTAssertTrue(severe.isEmpty, "console errors (a CSP violation would be one): \(severe)")
    try save(b, "report")
  }

  func testLiveSeriesGrowsWithoutAReload() throws {
    let dir = try RuntimeHarness.temporaryDirectory("live")
    defer { try? FileManager.default.removeItem(at: dir) }
    let recorder = try Products.heapprofInBackground([
      "record", "-o", dir.appendingPathComponent("live").path, "--", try Products.path("cache-leak", release: true),
      "--serve", "25", "--rate", "300",
    ])
    _ = try recorder.waitFor("^cache-leak pid ")
    defer {
      kill(recorder.pid, SIGTERM)
      _ = recorder.wait()
    }
    let (web, url) = try serve(["--live", String(recorder.pid), "--every", "1"])
    defer { stop(web) }
    let b = try WebDriver()
    defer { b.quit() }
    try b.open(url)
    try b.run("window.loadedOnce = true")
    // The page redraws the timeline at every live snapshot: its points are read in the same
    // script that sees it (a second script could find it replaced, or not yet drawn).
    try b.waitUntil(
      "const p = document.querySelector('polyline.line'); "
        + "if (HP.meta.snapshots.length >= 3 && p) { window.livePoints = p.getAttribute('points'); return true; } "
        + "return false;",
      timeout: 30)
    XCTAssertEqual(try b.run("return window.loadedOnce") as? Bool, true, "no reload")
    let points = try XCTUnwrap(b.run("return window.livePoints") as? String)
    XCTAssertGreaterThanOrEqual(points.split(separator: " ").count, 3)
  }

  func testGoToolPprofReadsTheHeapEndpoint() throws {
    let snaps = try Self.series("leak")
    let (web, url) = try serve(snaps)
    defer { stop(web) }
    let go = try GoPprof()
    defer { go.remove() }
    let out = try go.run(["-top", "-unit=B", url + "debug/pprof/heap"])
    let line = try XCTUnwrap(out.split(separator: "\n").first { $0.hasPrefix("Showing nodes accounting for") }, out)
    let words = line.split(separator: " ")
    let total = try XCTUnwrap(words.firstIndex(of: "total")).advanced(by: -1)
    XCTAssertEqual(Int64(words[total].dropLast()), try cliTotal([snaps[2]]))
  }

  func testServerRefusesWhatItMustAndSurvivesBadQueries() throws {
    let snaps = try Self.series("leak")
    let (web, url) = try serve([snaps[0]])
    defer { stop(web) }
    let port = Int(url.split(separator: ":").last!.dropLast())!
    let host = "127.0.0.1:\(port)"
    XCTAssertEqual(try rawHTTP(port: port, path: "/api/meta", host: host).status, 200)
    XCTAssertEqual(try rawHTTP(port: port, path: "/api/meta", host: "localhost:\(port)").status, 200)
    XCTAssertEqual(try rawHTTP(port: port, path: "/api/meta", host: "evil.example").status, 403)
    XCTAssertEqual(try rawHTTP(port: port, path: "/api/meta", host: "evil.example:\(port)").status, 403)
    XCTAssertEqual(try rawHTTP(port: port, path: "/../../etc/passwd", host: host).status, 404)
    XCTAssertEqual(try rawHTTP(port: port, path: "/static/../../../etc/passwd", host: host).status, 404)
    XCTAssertEqual(try rawHTTP(port: port, path: "/api/flame?p=7", host: host).status, 404)
    let bad = try rawHTTP(port: port, path: "/api/flame?f=%28", host: host)
    XCTAssertEqual(bad.status, 400)
    XCTAssertEqual(bad.body, "focus=( is not a valid regular expression\n")
    // 1,000 malformed queries: each answered, none fatal.
    var rng = SystemRandomNumberGenerator()
    let alphabet = Array("%()[]*+?\\{}|^$&=#;:/.,0123456789abcdefsiphgnvbre-_~\u{7f}")
    let keys = ["si", "f", "i", "h", "s", "g", "p", "b", "inv", "re", "n", "zz"]
    for _ in 0..<1000 {
      var query = ""
      for _ in 0..<Int.random(in: 1...4, using: &rng) {
        let value = String((0..<Int.random(in: 0...12, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
        query +=
          "\(keys.randomElement(using: &rng)!)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")&"
      }
      let view = ["flame", "top", "peek", "source", "maps", "meta"].randomElement(using: &rng)!
      let r = try rawHTTP(port: port, path: "/api/\(view)?\(query)", host: host)
      XCTAssertTrue([200, 400, 404].contains(r.status), "\(view)?\(query): \(r.status) \(r.body)")
    }
    XCTAssertEqual(try rawHTTP(port: port, path: "/api/meta", host: host).status, 200, "still serving")
  }
}
