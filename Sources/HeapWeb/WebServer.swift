import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// `heapprof web`'s HTTP server (SwiftNIO): the page, its own scripts and styles, the
/// views as JSON, and `GET /debug/pprof/heap` for pprof clients.
///
/// Read-only and addressed by index: no request names a file. Requests whose `Host` is not
/// the bound address or `localhost` are refused (403), against DNS rebinding. A malformed
/// query is a 400 with one line; an unknown path or a snapshot out of range, a 404.
public final class WebServer: @unchecked Sendable {
  /// The views the page has, each at `/ui/NAME`.
  static let pages = ["flamegraph", "top", "peek", "source", "graph", "maps", "growth", "diff"]

  private let views: WebViews
  private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
  private var channel: Channel?
  private var allowedHosts: Set<String> = []
  private let cacheLock = NSLock()
  private var cache: [String: (Data, String)] = [:]
  private var cacheOrder: [String] = []
  private let work = DispatchQueue(label: "heapprof.web.views", qos: .userInitiated, attributes: .concurrent)

  /// A server for `series`; `renderDot` renders DOT as SVG (nil: no Graphviz).
  public init(series: WebSeries, renderDot: ((String) throws -> Data)?) {
    views = WebViews(series: series, renderDot: renderDot)
  }

  /// Binds `host:port` (port 0: a free one) and starts serving.
  /// - Returns: the bound port.
  /// - Throws: when the address cannot be bound.
  public func start(host: String, port: Int) throws -> Int {
    let bootstrap = ServerBootstrap(group: group)
      .serverChannelOption(.backlog, value: 64)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelInitializer { channel in
        channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
          channel.pipeline.addHandler(RequestHandler(server: self))
        }
      }
      .childChannelOption(.maxMessagesPerRead, value: 4)
    let channel = try bootstrap.bind(host: host, port: port).wait()
    self.channel = channel
    let bound = channel.localAddress?.port ?? port
    allowedHosts = Self.hostNames(host).reduce(into: Set<String>()) { set, name in
      set.insert("\(name):\(bound)")
      if bound == 80 { set.insert(name) }
    }
    return bound
  }

  /// The names a browser may send in `Host` for this address.
  static func hostNames(_ host: String) -> [String] {
    var names = ["localhost"]
    if host.contains(":") { names.append("[\(host)]") } else { names.append(host) }
    if host == "127.0.0.1" || host == "::1" || host == "0.0.0.0" || host == "::" {
      names += ["127.0.0.1", "[::1]"]
    }
    return names
  }

  /// Blocks until the server is closed.
  public func wait() throws {
    try channel?.closeFuture.wait()
  }

  /// Stops serving.
  public func stop() {
    try? channel?.close().wait()
    try? group.syncShutdownGracefully()
  }

  // MARK: - Responses

  /// A response: status, content type, body, extra headers.
  struct Response {
    var status: HTTPResponseStatus
    var contentType: String
    var body: Data
    var headers: [(String, String)] = []

    static func text(_ status: HTTPResponseStatus, _ message: String) -> Response {
      Response(status: status, contentType: "text/plain; charset=utf-8", body: Data((message + "\n").utf8))
    }
  }

  /// The response to `GET uri` with `Host: host`; may take long (computes views).
  func respond(method: HTTPMethod, uri: String, host: String?) -> Response {
    guard let host, allowedHosts.contains(host.lowercased()) else {
      return .text(
        .forbidden, "heapprof serves only requests addressed to \(allowedHosts.sorted().first ?? "its own address")")
    }
    guard method == .GET || method == .HEAD else {
      return .text(.methodNotAllowed, "heapprof web is read-only: GET only")
    }
    guard uri.utf8.count <= 16384 else { return .text(.uriTooLong, "the request is too long") }
    let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
    let path = String(parts[0])
    let queryText = parts.count > 1 ? String(parts[1]) : ""
    let query: WebQuery
    do { query = try WebQuery(queryText) } catch let f as WebQuery.Failure {
      return .text(HTTPResponseStatus(statusCode: f.status), f.message)
    } catch {
      return .text(.badRequest, "bad query")
    }
    switch path {
    case "/", "/ui", "/ui/":
      return Response(
        status: .found, contentType: "text/plain", body: Data(),
        headers: [("Location", "/ui/flamegraph" + (queryText.isEmpty ? "" : "?" + queryText))])
    case "/debug/pprof/heap":
      return cached("pprof", query: query, type: "application/octet-stream") { try self.views.pprofHeap() }
    default: break
    }
    if path.hasPrefix("/ui/"), Self.pages.contains(String(path.dropFirst(4))) {
      var r = Response(
        status: .ok, contentType: "text/html; charset=utf-8", body: Data(Assets.page(live: views.series.isLive).utf8))
      r.headers.append(("Content-Security-Policy", Assets.serverPolicy))
      return r
    }
    if path.hasPrefix("/static/"), let asset = Assets.file(String(path.dropFirst(8))) {
      return Response(
        status: .ok, contentType: asset.type, body: Data(asset.bytes), headers: [("Cache-Control", "no-cache")])
    }
    if path.hasPrefix("/api/") {
      let name = String(path.dropFirst(5))
      let views = self.views
      let compute: (() throws -> Data)?
      switch name {
      case "meta": compute = { try views.meta() }
      case "flame": compute = { try views.flame(query) }
      case "top": compute = { try views.top(query) }
      case "peek": compute = { try views.peek(query) }
      case "source": compute = { try views.source(query) }
      case "maps": compute = { try views.maps(query) }
      case "growth": compute = { try views.growth() }
      case "graph": compute = { try views.graph(query) }
      default: compute = nil
      }
      if let compute {
        let type = name == "graph" ? "image/svg+xml" : "application/json"
        return cached(name, query: query, type: type, compute)
      }
    }
    return .text(.notFound, "no such page: \(path.prefix(80))")
  }

  /// A view's response from the cache, or computed (failures become one-line errors).
  private func cached(_ name: String, query: WebQuery, type: String, _ compute: () throws -> Data) -> Response {
    // Views of snapshots are keyed by the snapshots' files, so that they stay cached when
    // the series grows or is completed (the first view, drawn while the other profiles
    // are read, is not computed again); the meta and growth change with the series.
    let basis = ["meta", "growth"].contains(name) ? nil : views.sources(of: query)
    let key = "\(name)|\(basis ?? "version \(views.series.version)")|\(query.key)"
    cacheLock.lock()
    if let (data, t) = cache[key] {
      cacheLock.unlock()
      return Response(status: .ok, contentType: t, body: data, headers: [("Cache-Control", "no-store")])
    }
    cacheLock.unlock()
    do {
      let data = try compute()
      cacheLock.lock()
      cache[key] = (data, type)
      cacheOrder.append(key)
      if cacheOrder.count > 64 { cache.removeValue(forKey: cacheOrder.removeFirst()) }
      cacheLock.unlock()
      if name != "meta" { views.series.noteViewServed() }
      return Response(status: .ok, contentType: type, body: data, headers: [("Cache-Control", "no-store")])
    } catch let f as WebQuery.Failure {
      return .text(HTTPResponseStatus(statusCode: f.status), f.message)
    } catch {
      return .text(.internalServerError, "\(error)")
    }
  }

  // MARK: - NIO

  private final class RequestHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let server: WebServer
    private var head: HTTPRequestHead?

    init(server: WebServer) { self.server = server }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
      switch unwrapInboundIn(data) {
      case .head(let h): head = h
      case .body: break  // GET only: a body is ignored
      case .end:
        guard let head else { return }
        self.head = nil
        let server = self.server
        let loop = context.eventLoop
        let keepAlive = head.isKeepAlive
        let ctx = NIOLoopBound(context, eventLoop: loop)
        let handler = NIOLoopBound(self, eventLoop: loop)
        server.work.async {
          let response = server.respond(method: head.method, uri: head.uri, host: head.headers.first(name: "host"))
          loop.execute {
            handler.value.write(response, head: head, keepAlive: keepAlive, context: ctx.value)
          }
        }
      }
    }

    private func write(_ r: Response, head: HTTPRequestHead, keepAlive: Bool, context: ChannelHandlerContext) {
      var headers = HTTPHeaders()
      headers.add(name: "Content-Type", value: r.contentType)
      headers.add(name: "Content-Length", value: String(r.body.count))
      headers.add(name: "X-Content-Type-Options", value: "nosniff")
      headers.add(name: "Referrer-Policy", value: "no-referrer")
      for (name, value) in r.headers { headers.add(name: name, value: value) }
      if !keepAlive { headers.add(name: "Connection", value: "close") }
      let responseHead = HTTPResponseHead(version: head.version, status: r.status, headers: headers)
      context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
      if head.method != .HEAD, !r.body.isEmpty {
        var buffer = context.channel.allocator.buffer(capacity: r.body.count)
        buffer.writeBytes(r.body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
      }
      let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
      if !keepAlive {
        let channel = context.channel
        done.whenComplete { _ in channel.close(promise: nil) }
      }
    }
  }
}
