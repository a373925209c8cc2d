import ArgumentParser
import Foundation
import HeapProfile
import HeapWeb

/// Loads the profiles of `web` and `html` one by one (a series keeps them apart).
private func loadSeries(_ paths: [String], symbolization: SymbolizationOptionGroup, live: Bool) throws -> WebSeries {
  let loader = ProfileLoader(symbolization: symbolization)
  var profiles: [Profile] = []
  for (i, path) in paths.enumerated() {
    if paths.count > 3 { printError("heapprof: reading profile \(i + 1) of \(paths.count): \(path)") }
    profiles.append(try loader.load([path]))
  }
  do {
    return try WebSeries(profiles: profiles, sources: paths.map(DumpFiles.display), live: live)
  } catch let e as ProfileError {
    throw CLIError(e.description)
  }
}

/// `heapprof web`.
struct WebCommand: HeapprofCommand {
  static let configuration = CommandConfiguration(
    commandName: "web",
    abstract: "Look at profiles in the browser: flame graph, top, graph, source, maps, growth and diff.",
    discussion: """
      Serves a local web UI (like `go tool pprof -http`) until Ctrl-C. Several snapshots of one \
      process are a series: the page shows a timeline of in-use memory with the leak \
      suspects, any snapshot's flame graph, and the diff of any two. Profiles of different \
      processes are merged, as pprof merges them. Every view's state is in its URL (pprof's \
      parameter names: si, f, i, h, s, g), so a link shows the same view.

      With --live PID the server takes a snapshot of a running, recorded process every \
      --every seconds and the open page follows. The server also answers \
      GET /debug/pprof/heap (the newest snapshot as pprof protobuf), so \
      `go tool pprof http://127.0.0.1:PORT/debug/pprof/heap` and Go-style scrapers work.

      The server listens on 127.0.0.1 unless --http names another address: anyone who can \
      reach that address can read the profiles.

      Examples:
        heapprof web cache-leak.4242.*.heap
        heapprof web --http 127.0.0.1:8080 --no-browser app.heap
        heapprof web --live 4242 --every 5
      """)

  @Option(
    name: .customLong("http"),
    help: ArgumentHelp("Address to serve on (default 127.0.0.1 and a free port).", valueName: "host:port"))
  var address: String?

  @Flag(help: "Do not open a browser.")
  var noBrowser = false

  @Option(
    help: ArgumentHelp("Take a snapshot of this recorded process every --every seconds and show it.", valueName: "pid"))
  var live: Int32?

  @Option(help: ArgumentHelp("Seconds between live snapshots.", valueName: "seconds"))
  var every: Double = 5

  @OptionGroup var symbolization: SymbolizationOptionGroup

  @Argument(help: "Profiles to show (snapshots of one process, oldest first, or profiles to merge).")
  var profiles: [String] = []

  func validate() throws {
    if profiles.isEmpty && live == nil {
      throw ValidationError("name profiles to show, or a process to follow with --live PID")
    }
    guard every >= 0.2 else { throw ValidationError("--every must be at least 0.2 seconds") }
    if let address { _ = try Self.split(address) }
  }

  /// `HOST:PORT`, `:PORT`, `PORT` or `[V6]:PORT` → (host, port).
  static func split(_ address: String) throws -> (String, Int) {
    var host = "127.0.0.1"
    var portText = address
    if let colon = address.lastIndex(of: ":") {
      let h = String(address[..<colon])
      if !h.isEmpty { host = h.hasPrefix("[") && h.hasSuffix("]") ? String(h.dropFirst().dropLast()) : h }
      portText = String(address[address.index(after: colon)...])
    }
    guard let port = Int(portText), (0...65535).contains(port) else {
      throw ValidationError("--http \(address): expected HOST:PORT, e.g. 127.0.0.1:8080 (port 0: any free port)")
    }
    return (host, port)
  }

  func execute() throws {
    let (host, port) = try address.map(Self.split) ?? ("127.0.0.1", 0)
    var paths = profiles
    var target: RecordedProcess?
    if let live {
      guard System.processExists(live) else { throw CLIError("no process with pid \(live)") }
      target = try SnapshotCommand.recordedTarget(live)
      if paths.isEmpty, let t = target { paths = [try Self.snapshot(t)] }
    }
    // The newest profile first: the page shows it while the others are read.
    let loader = ProfileLoader(symbolization: symbolization)
    let newest = try loader.load([paths[paths.count - 1]])
    let series = WebSeries(
      first: newest, source: DumpFiles.display(paths[paths.count - 1]), live: live != nil, pending: paths.count - 1)
    let server = WebServer(series: series, renderDot: Self.dotRenderer())
    let bound: Int
    do { bound = try server.start(host: host, port: port) } catch {
      throw CLIError("cannot serve on \(host):\(port): \(error)")
    }
    if !["127.0.0.1", "::1", "localhost"].contains(host) {
      printError(
        "heapprof: warning: serving on \(host), not on the loopback address: anyone who can reach it can read these profiles"
      )
    }
    let shownHost = host.contains(":") ? "[\(host)]" : host
    let url = "http://\(shownHost == "0.0.0.0" ? "127.0.0.1" : shownHost):\(bound)/"
    print("heapprof: serving \(url)")
    fflush(stdout)
    let rest = Array(paths.dropLast())
    let follow = { if let target { Self.follow(target, every: every, series: series, symbolization: symbolization) } }
    Thread {
      // The other profiles, then the growth analysis of the whole series, ahead of time;
      // once the page has its first view (or a browser has not come in 3 s).
      if !rest.isEmpty { series.waitForFirstView(timeout: 3) }
      var profiles: [Profile] = []
      for (i, path) in rest.enumerated() {
        if rest.count > 3 { printError("heapprof: reading profile \(i + 1) of \(rest.count): \(path)") }
        do { profiles.append(try loader.load([path])) } catch {
          printError("heapprof: \(error); the page shows the profiles that could be read")
          profiles.removeAll()
          break
        }
      }
      let all = profiles.count == rest.count ? profiles + [newest] : [newest]
      let sources = profiles.count == rest.count ? paths : [paths[paths.count - 1]]
      do { try series.complete(profiles: all, sources: sources.map(DumpFiles.display)) } catch {
        printError("heapprof: \(error)")
        try? series.complete(profiles: [newest], sources: [DumpFiles.display(paths[paths.count - 1])])
      }
      _ = series.growth
      follow()
    }.start()
    if !noBrowser, let opener = System.which("xdg-open") {
      _ = try? System.run(opener, [url], input: Data())
    }
    try server.wait()
  }

  /// Takes one snapshot of `target` and returns its path.
  static func snapshot(_ target: RecordedProcess, timeout: Double = 10) throws -> String {
    let before = Set(DumpFiles.list(prefix: target.prefix, pid: target.pid))
    guard target.signal != 0 else { throw CLIError("process \(target.pid) takes no dump signal (HEAPPROF_SIGNAL=0)") }
    try System.kill(target.pid, target.signal)
    let deadline = System.now() + timeout
    while System.now() < deadline {
      if let path = DumpFiles.list(prefix: target.prefix, pid: target.pid).first(where: { !before.contains($0) }) {
        return path
      }
      guard System.processExists(target.pid) else { throw CLIError("process \(target.pid) exited") }
      System.sleep(seconds: 0.02)
    }
    throw CLIError("process \(target.pid) wrote no dump within \(timeout) s")
  }

  /// Snapshots `target` every `every` seconds into `series` until it exits.
  static func follow(
    _ target: RecordedProcess, every: Double, series: WebSeries, symbolization: SymbolizationOptionGroup
  ) {
    let thread = Thread {
      let loader = ProfileLoader(symbolization: symbolization)
      while System.processExists(target.pid) {
        System.sleep(seconds: every)
        do {
          let path = try snapshot(target)
          series.append(try loader.load([path]), source: DumpFiles.display(path))
        } catch {
          printError("heapprof: live snapshot of \(target.pid): \(error)")
          if !System.processExists(target.pid) { break }
        }
      }
      printError("heapprof: process \(target.pid) has ended; the page keeps its \(series.snapshots.count) snapshots")
    }
    thread.start()
  }

  /// Renders DOT as SVG with Graphviz, or nil when `dot` is not installed.
  static func dotRenderer() -> ((String) throws -> Data)? {
    guard let dot = System.which("dot") else { return nil }
    return { text in
      let r = try System.run(dot, ["-Tsvg"], input: Data(text.utf8))
      guard r.status == 0 else { throw CLIError("dot exited with status \(r.status): \(r.stderr.prefix(200))") }
      return r.stdout
    }
  }
}

/// `heapprof html`.
struct HtmlCommand: HeapprofCommand {
  static let configuration = CommandConfiguration(
    commandName: "html",
    abstract: "Write the flame graph, timeline, maps and growth findings as one self-contained HTML file.",
    discussion: """
      The file holds everything it shows (scripts, style and data inline, allowed by their \
      hashes in its Content-Security-Policy): it opens from disk, offline, and makes no \
      request of any kind. It shows the flame graph of every snapshot (the newest one also \
      of allocated space and caller-rooted), the timeline of a series, the map findings and \
      the growth findings; `heapprof web` has the other views.

      Example: heapprof html cache-leak.4242.*.heap -o leak.html
      """)
  @OptionGroup var symbolization: SymbolizationOptionGroup
  @Option(name: .short, help: ArgumentHelp("The .html file to write.", valueName: "file")) var output: String
  @Argument(help: "Profiles (snapshots of one process, oldest first, or profiles to merge).") var profiles: [String]

  func execute() throws {
    try OutputFile.refuseInputs(output, inputs: profiles)
    let series = try loadSeries(profiles, symbolization: symbolization, live: false)
    let name = URL(fileURLWithPath: profiles[0]).lastPathComponent
    let page = try HTMLReport.render(
      series, title: "heapprof: \(name)\(profiles.count > 1 ? " and \(profiles.count - 1) more" : "")")
    try OutputFile.write(Data(page.utf8), to: output, inputs: profiles)
    printError("heapprof: wrote \(output) (\(page.utf8.count / 1024) KiB)")
  }
}
