import CountBins
import Logging
import PassantConfig
import Store
import Testing
import TestSupport
import Uplinks

@testable import MQTTUplink

/// 2026-05-04 08:00:00 UTC.
let baseTime: Int64 = 1_777_881_600

/// `count` one-minute bins per sensor from `baseTime + offset` minutes, with varied values.
func makeBins(sensors: [String] = ["door"], count: Int, fromMinute offset: Int = 0) -> [CountBin] {
    var bins: [CountBin] = []
    for minute in offset..<(offset + count) {
        for (index, sensor) in sensors.enumerated() {
            let flags: BinFlags =
                minute % 17 == 0 ? [.linkDown, .dataLost] : minute % 5 == 0 ? [.clockUnsynchronised] : []
            bins.append(
                CountBin(
                    key: BinKey(
                        node: "gw-1", sensor: sensor, start: baseTime + Int64(minute) * 60, length: .oneMinute
                    ),
                    aToB: (minute * 7 + index) % 23, bToA: (minute * 3 + index) % 19,
                    coverage: minute % 11 == 0 ? Double(minute % 60) / 60 : 1, flags: flags))
        }
    }
    return bins
}

let testLogger: Logger = {
    var logger = Logger(label: "passant.mqtt.test")
    logger.logLevel = .warning
    return logger
}()

func makeUplink(
    port: Int, tls: MQTTTLSConfiguration? = nil, username: String? = nil, password: Secret? = nil,
    ackTimeout: Int = 10, binsPerMessage: Int = 100
) throws -> MQTTUplink {
    try MQTTUplink(
        configuration: MQTTConfiguration(
            host: "127.0.0.1", port: port, username: username, password: password, tls: tls,
            ackTimeoutSeconds: ackTimeout, binsPerMessage: binsPerMessage),
        site: "marktplatz", node: "gw-1",
        labels: ["door": DirectionLabels(aToB: "inbound", bToA: "outbound")],
        environment: [:], logger: testLogger, connectTimeout: .seconds(3))
}

/// A store in a temporary file holding `bins`.
func makeStore(_ bins: [CountBin], in directory: TemporaryDirectory) throws -> BinStore {
    let store = try BinStore(path: directory.file("passant.db"))
    try store.save(bins)
    return store
}

/// Runs a delivery service for `uplink` until `body` returns, then stops it (which shuts the uplink
/// down).
func withDelivery<T>(
    _ uplink: some Uplink, store: BinStore, _ body: () async throws -> T
) async throws -> T {
    let service = DeliveryService(
        uplink: uplink, store: store, holdSeconds: 0, logger: testLogger,
        now: { 4_000_000_000_000 })
    let task = Task { try await service.run() }
    do {
        let result = try await body()
        task.cancel()
        try await task.value
        return result
    } catch {
        task.cancel()
        _ = try? await task.value
        throw error
    }
}

/// Waits until the store has nothing pending on `uplink`.
func waitUntilDelivered(_ store: BinStore, uplink: String = "mqtt", within seconds: Double) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while try !store.pending(uplink: uplink, limit: 1, endingBefore: Int64.max / 2).isEmpty {
        if ContinuousClock.now > deadline {
            let left = try store.pending(uplink: uplink, limit: 1_000_000, endingBefore: Int64.max / 2).count
            throw TestFailure("\(left) bins still pending after \(seconds) s")
        }
        try await Task.sleep(for: .milliseconds(50))
    }
}
