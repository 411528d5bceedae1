// The figures of issue 3 for SensorThings: a 30-day backlog of one-minute bins for one sensor
// (43,200 bins) drained through a DeliveryService from a SQLite store. Run with PASSANT_BENCH=1;
// it prints the figures and asserts only that every bin arrived once.

import CountBins
import Foundation
import GRDB
import SensorThingsUplink
import Store
import Testing
import TestSupport
import Uplinks

@Suite(
    "SensorThings drain figures",
    .enabled(
        if: ProcessInfo.processInfo.environment["PASSANT_BENCH"] != nil, "set PASSANT_BENCH=1 to measure"),
    .enabled(if: Repository.serverTestsEnabled, Comment(rawValue: Repository.skipMessage)))
struct DrainFigures {
    @Test func drainOfThirtyDaysOfOneMinuteBins() async throws {
        let server = try await SensorThingsServer.start()
        defer { server.remove() }
        let proxy = try LossyProxy(upstreamPort: server.port)
        defer { proxy.close() }
        let bins = makeBins(sensor: "door", from: day - 30 * 86_400, count: 43_200)
        let store = try BinStore(path: server.directory + "/passant.db")
        try store.save(bins)

        let uplink = try makeUplink(url: proxy.url)
        let timed = TimedUplink(uplink)
        let service = DeliveryService(
            uplink: timed, store: store, holdSeconds: 0, logger: testLogger(), now: { (day + 86_400) * 1000 })
        let started = ContinuousClock.now
        let running = Task { try await service.run() }
        let drained = try await waitUntil(seconds: 3600) {
            try store.pending(uplink: "sensorthings", limit: 1, endingBefore: .max).isEmpty
        }
        let seconds = (ContinuousClock.now - started).seconds
        let traffic = await uplink.traffic
        running.cancel()
        _ = await running.result
        #expect(drained)

        // Checked in the server's own database: the API reads ~5 ms per row.
        let database = try DatabaseQueue(path: server.databasePath)
        let (rows, keys, total) = try await database.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*), COUNT(DISTINCT json_extract(parameters, '$.passant_key')), SUM(result)
                    FROM sensorthings_v1_1_django_backend_observation
                    """)!
            return (row[0] as Int, row[1] as Int, row[2] as Double)
        }
        #expect(rows == 86_400)
        #expect(keys == 86_400)
        #expect(total == Double(bins.reduce(0) { $0 + $1.aToB + $1.bToA }))

        let peak =
            (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? "?"
        print(
            """
            SensorThings drain of 43,200 one-minute bins (one sensor, \(traffic.requests) requests, \(uplink.maxBatch) bins per request):
              \(String(format: "%.1f", seconds)) s, \(String(format: "%.0f", Double(bins.count) / seconds)) bins/s
              \(String(format: "%.1f", Double(proxy.bytesFromClient) / Double(bins.count))) bytes per bin on the wire (client to server, HTTP included; uplink's own count \(String(format: "%.1f", Double(traffic.bytesSent) / Double(bins.count))))
              \(String(format: "%.0f", 100 * traffic.secondsWaiting / seconds)) % of the time waiting for the server (\(String(format: "%.1f", traffic.secondsWaiting)) s)
              \(String(format: "%.1f", timed.seconds)) s inside the uplink's deliver(), the rest in the store and the delivery loop
              \(traffic.rowsSent) rows sent, \(traffic.rowsStored) stored, \(traffic.rowsReadBack) read back
              test process peak memory \(peak.split(separator: " ", omittingEmptySubsequences: true).dropFirst().joined(separator: " "))
            """)
    }
}

/// Measures the time spent in `deliver`, to tell the uplink's share from the store's.
final class TimedUplink: Uplink, @unchecked Sendable {
    let inner: SensorThingsUplink
    private let lock = NSLock()
    private var total = 0.0
    init(_ inner: SensorThingsUplink) { self.inner = inner }
    var name: String { inner.name }
    var maxBatch: Int { inner.maxBatch }
    var seconds: Double { lock.withLock { total } }
    func prepare() async throws(UplinkError) { try await inner.prepare() }
    func deliver(_ bins: [CountBin]) async throws(UplinkError) -> [BinKey] {
        let started = ContinuousClock.now
        defer { lock.withLock { total += (ContinuousClock.now - started).seconds } }
        return try await inner.deliver(bins)
    }
    func deliver(gaps: [DroppedRange]) async throws(UplinkError) -> [DroppedRange] {
        try await inner.deliver(gaps: gaps)
    }
    func shutdown() async { await inner.shutdown() }
}

extension Duration {
    fileprivate var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
