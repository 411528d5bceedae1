// A real SensorThings server for the tests: scripts/sensorthings/serve on a free loopback port with
// its database in a temporary directory, stopped (and restartable) at will.

import AsyncHTTPClient
import Foundation
import NIOCore
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

struct ServerError: Error, CustomStringConvertible {
    var description: String
}

/// One django-ogc-sensorthings server. `stop()` it at the end of a test.
final class SensorThingsServer: @unchecked Sendable {
    let port: Int
    let directory: String
    private var process: Process?

    var root: String { "http://127.0.0.1:\(port)/sensorthings/v1.1" }

    private init(port: Int, directory: String) {
        self.port = port
        self.directory = directory
    }

    /// Starts a server with an empty database.
    static func start() async throws -> SensorThingsServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "passant-sta-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let server = SensorThingsServer(port: try freeLoopbackPort(), directory: directory)
        try await server.restart()
        return server
    }

    /// (Re)starts the server on the same port and database.
    func restart() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Repository.root + "/scripts/sensorthings/serve")
        process.arguments = [String(port), directory]
        let logPath = directory + "/server.log"
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            if !process.isRunning { break }
            if await answers() { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        stop()
        throw ServerError(
            description:
                "the SensorThings server did not answer on port \(port); its log:\n\(text.suffix(2000))")
    }

    private func answers() async -> Bool {
        var request = HTTPClientRequest(url: root + "/")
        request.method = .GET
        guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(2)) else {
            return false
        }
        _ = try? await response.body.collect(upTo: 1 << 20)
        return response.status == .ok
    }

    /// Stops the server (SIGTERM, SIGKILL after 10 s) and waits for it.
    func stop() {
        guard let process else { return }
        self.process = nil
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Stops the server and removes its directory.
    func remove() {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: - Looking at what the server holds

    func get(_ path: String, _ query: [(String, String)] = []) async throws -> Any {
        var components = URLComponents(string: root + path)!
        components.percentEncodedQueryItems = query.map {
            URLQueryItem(
                name: $0.0.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!,
                value: $0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
        }
        var request = HTTPClientRequest(url: components.string!)
        request.method = .GET
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 64 << 20)
        guard response.status == .ok else {
            throw ServerError(description: "GET \(path): \(response.status) \(String(buffer: body))")
        }
        return try JSONSerialization.jsonObject(with: Data(body.readableBytesView))
    }

    func delete(_ path: String) async throws {
        var request = HTTPClientRequest(url: root + path)
        request.method = .DELETE
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 20)
        guard (200..<300).contains(Int(response.status.code)) else {
            throw ServerError(description: "DELETE \(path): \(response.status)")
        }
    }

    /// How many entities a collection holds.
    func count(_ collection: String) async throws -> Int {
        let reply = try await get("/\(collection)", [("$select", "id"), ("$top", "1"), ("$count", "true")])
        return ((reply as? [String: Any])?["@iot.count"] as? NSNumber)?.intValue ?? -1
    }

    /// Every Observation at the server, through the API (100 per page, ~5 ms per row: small tests only).
    func observations() async throws -> [ServerObservation] {
        var result: [ServerObservation] = []
        var skip = 0
        while true {
            let reply = try await get(
                "/Observations",
                [
                    ("$select", "id,result,phenomenonTime,resultTime,parameters"), ("$orderby", "resultTime"),
                    ("$top", "100"), ("$skip", String(skip)),
                ])
            let entities = (reply as? [String: Any])?["value"] as? [[String: Any]] ?? []
            for entity in entities {
                let parameters = entity["parameters"] as? [String: Any] ?? [:]
                result.append(
                    ServerObservation(
                        key: parameters["passant_key"] as? String ?? "",
                        result: (entity["result"] as? NSNumber)?.doubleValue ?? -1,
                        coverage: (parameters["coverage"] as? NSNumber)?.doubleValue ?? -1,
                        flags: parameters["flags"] as? [String] ?? [],
                        phenomenonTime: entity["phenomenonTime"] as? String ?? "",
                        resultTime: entity["resultTime"] as? String ?? ""))
            }
            if entities.isEmpty { break }
            skip += entities.count
        }
        return result
    }

    /// The server's database file, for checks too big for the API (the drain figures).
    var databasePath: String { directory + "/sensorthings.sqlite3" }
}

struct ServerObservation: Hashable {
    var key: String
    var result: Double
    var coverage: Double
    var flags: [String]
    var phenomenonTime: String
    var resultTime: String
}

/// `scripts/sensorthings/tls-proxy`: HTTPS on a free loopback port in front of a server, with a
/// certificate of the test CA.
final class TLSProxy: @unchecked Sendable {
    let port: Int
    private let process = Process()

    /// `cutHandshakes`: how many connections, the first ones, it resets in the middle of the handshake.
    init(upstreamPort: Int, certificates: TestCertificates, cutHandshakes: Int = 0) async throws {
        port = try freeLoopbackPort()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [
            Repository.root + "/scripts/sensorthings/tls-proxy", String(port), String(upstreamPort),
            certificates.serverCertFile, certificates.serverKeyFile, String(cutHandshakes),
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let line = output.fileHandleForReading.availableData
        guard String(decoding: line, as: UTF8.self).hasPrefix("listening") else {
            throw ServerError(description: "the TLS proxy did not start")
        }
    }

    var url: String { "https://127.0.0.1:\(port)/sensorthings/v1.1" }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
