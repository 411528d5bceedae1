import CountBins
import Foundation
import Logging
import PassantConfig
import SensorThingsUplink
import Store
import Testing
import Uplinks

/// 2026-11-27T00:00:00Z.
let day: Int64 = 1_795_737_600

/// `count` one-minute bins of one sensor from `start`, with varied counts, coverage and flags.
func makeBins(sensor: String, node: String = "gw-1", from start: Int64 = day, count: Int) -> [CountBin] {
    (0..<count).map { index in
        CountBin(
            key: BinKey(node: node, sensor: sensor, start: start + Int64(index) * 60, length: .oneMinute),
            aToB: (index * 7) % 23, bToA: (index * 5) % 17, coverage: index % 10 == 3 ? 0.75 : 1,
            flags: index % 13 == 5 ? [.linkDown, .dataLost] : [])
    }
}

func testLogger(_ label: String = "sensorthings-test") -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = ProcessInfo.processInfo.environment["PASSANT_TEST_LOG"] != nil ? .debug : .critical
    return logger
}

func makeUplink(
    url: String, sensors: [String] = ["door"], batchRows: Int = 10_000, timeoutSeconds: Double = 30,
    name: String = "sensorthings", tls: SensorThingsConfiguration.TLS = .init(),
    protocols: [String: SensorProtocol] = [:]
) throws -> SensorThingsUplink {
    let configuration = SensorThingsConfiguration(
        name: name, url: url,
        thing: .init(name: "Marktplatz", longitude: 8.5417, latitude: 47.3769), phenomenonTime: .start,
        batchRows: batchRows, timeoutSeconds: timeoutSeconds, tls: tls)
    return try SensorThingsUplink(
        configuration: configuration, site: "marktplatz", node: "gw-1",
        sensors: sensors.map {
            SensorThingsUplink.Sensor(
                name: $0, labels: DirectionLabels(aToB: "inbound", bToA: "outbound"),
                protocol: protocols[$0] ?? .pcnt)
        },
        environment: [:], logger: testLogger())
}

/// Checks at the server that it holds exactly the rows of `bins` (two per bin, four with fast
/// movers) and of `gaps` (one per gap record), each once, with their values, and nothing else.
func expectExactlyOnce(
    _ bins: [CountBin], gaps: [DroppedRange] = [], at server: SensorThingsServer,
    sourceLocation: SourceLocation = #_sourceLocation
)
    async throws
{
    let observations = try await server.observations()
    let byKey = Dictionary(grouping: observations, by: \.key)
    #expect(
        observations.count == bins.reduce(0) { $0 + ($1.fastMovers == nil ? 2 : 4) } + gaps.count,
        "rows at the server", sourceLocation: sourceLocation)
    var problems: [String] = []
    for gap in gaps {
        let copies = byKey[gap.key] ?? []
        if copies.count != 1 {
            problems.append("\(gap.key): \(copies.count) copies")
        } else if copies[0].result != Double(gap.bins)
            || UTCTime.parseMillis(copies[0].phenomenonTime) != gap.start * 1000
            || UTCTime.parseMillis(copies[0].resultTime) != gap.end * 1000
        {
            problems.append("\(gap.key): \(copies[0]) differs from the gap \(gap)")
        }
    }
    for bin in bins {
        var series = [("a_to_b", bin.aToB), ("b_to_a", bin.bToA)]
        if let fast = bin.fastMovers { series += [("fast_a_to_b", fast.aToB), ("fast_b_to_a", fast.bToA)] }
        for (direction, count) in series {
            let key = bin.key.description + "/" + direction
            let copies = byKey[key] ?? []
            if copies.count != 1 {
                problems.append("\(key): \(copies.count) copies")
                continue
            }
            let row = copies[0]
            if row.result != Double(count) || row.coverage != bin.coverage || row.flags != bin.flags.names
                || UTCTime.parseMillis(row.phenomenonTime) != bin.key.start * 1000
                || UTCTime.parseMillis(row.resultTime) != bin.key.end * 1000
            {
                problems.append("\(key): \(row) differs from the bin \(bin)")
            }
        }
    }
    #expect(
        problems.isEmpty, "\(problems.prefix(10).joined(separator: "\n"))", sourceLocation: sourceLocation)
}

/// Waits until `condition` holds, checking every 100 ms, for at most `seconds`.
func waitUntil(seconds: Double, _ condition: () throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        try await Task.sleep(for: .milliseconds(100))
    }
    return try condition()
}

/// Runs a delivery service for `uplink` from `store` until nothing is pending there (bins, and gap
/// records too with `gaps`) or `seconds` have passed, then stops it. Returns whether everything went,
/// and the service's last error, to say why not.
func deliverAll(
    _ uplink: SensorThingsUplink, from store: BinStore, withinSeconds seconds: Double = 60, gaps: Bool = false
) async throws -> (drained: Bool, lastError: String) {
    let service = DeliveryService(
        uplink: uplink, store: store, holdSeconds: 0, logger: testLogger(), now: { (day + 86_400) * 1000 })
    let running = Task { try await service.run() }
    let drained = try await waitUntil(seconds: seconds) {
        try store.pending(uplink: uplink.name, limit: 1, endingBefore: .max).isEmpty
            && (!gaps || store.pendingGaps(uplink: uplink.name, limit: 1).isEmpty)
    }
    running.cancel()
    _ = await running.result
    return (drained, service.status.snapshot.lastError ?? "none")
}
