import CountBins
import Foundation
import Store
import Testing
import TestSupport
import Uplinks

@testable import MQTTUplink

/// The drain figure the issue asks for: a 30-day backlog of one-minute bins for one sensor (43,200
/// bins) delivered to a real Mosquitto on loopback through the delivery service and a file store.
/// A measurement, not a test: it runs only with `PASSANT_BENCH=1` and prints the figures.
///
///     PASSANT_BENCH=1 swift test -c release --filter MQTTDrainBenchmark
@Suite("MQTTDrainBenchmark", .enabled(if: ProcessInfo.processInfo.environment["PASSANT_BENCH"] == "1"))
struct MQTTDrainBenchmark {
    @Test func drainAMonthOfOneMinuteBins() async throws {
        let broker = try Broker()
        try await broker.start()
        let receiver = try Receiver(port: broker.port)
        try await receiver.waitUntilConnected()
        let directory = try TemporaryDirectory("bench")
        let bins = makeBins(count: 43_200)
        let store = try makeStore(bins, in: directory)
        let uplink = try makeUplink(port: broker.port)
        let memoryBefore = peakResidentKilobytes()

        let clock = ContinuousClock()
        let start = clock.now
        try await withDelivery(uplink, store: store) {
            try await waitUntilDelivered(store, within: 120)
        }
        let drained = clock.now - start
        try await receiver.waitForBins(Set(bins.map(\.key)), within: 30)
        let received = clock.now - start
        #expect(try receiver.verify(bins) == 0)

        let statistics = uplink.statistics
        let seconds = Double(drained.components.seconds) + Double(drained.components.attoseconds) / 1e18
        // Per message: fixed header and length (5), topic length and topic (2 + 27), message id (2),
        // and the 4-byte PUBACK coming back.
        let overhead: Int = statistics.messages * (5 + 2 + 27 + 2 + 4)
        let wireEstimate: Double = Double(statistics.payloadBytes + overhead) / Double(statistics.bins)
        print(
            """
            MQTT drain: \(bins.count) bins in \(String(format: "%.2f", seconds)) s \
            (\(Int(Double(bins.count) / seconds)) bins/s; all at the receiver after \(received)); \
            \(statistics.messages) messages; payload \(statistics.payloadBytes / statistics.bins) bytes/bin, \
            on the wire about \(Int(wireEstimate)) bytes/bin; \
            peak RSS \(memoryBefore / 1024) MiB before, \(peakResidentKilobytes() / 1024) MiB after \
            (the whole test process, receiver included)
            """)
        receiver.stop()

        // The shares: encoding alone, and the store's read-and-mark loop alone (an uplink that
        // confirms everything at once).
        let encodeStart = clock.now
        var encodedBytes = 0
        for start in stride(from: 0, to: bins.count, by: 100) {
            encodedBytes +=
                BinMessage.encode(
                    bins[start..<min(start + 100, bins.count)], site: "marktplatz", labels: .init()
                ).count
        }
        let encoding = clock.now - encodeStart

        // The uplink alone: deliver() in batches of maxBatch, as the delivery service calls it,
        // without the store.
        let receiver2 = try Receiver(port: broker.port, clientID: "bench-receiver-2")
        try await receiver2.waitUntilConnected()
        let direct = try makeUplink(port: broker.port)
        try await direct.prepare()
        let directStart = clock.now
        var confirmed = 0
        for start in stride(from: 0, to: bins.count, by: direct.maxBatch) {
            confirmed += try await direct.deliver(
                Array(bins[start..<min(start + direct.maxBatch, bins.count)])
            ).count
        }
        let uplinkAlone = clock.now - directStart
        #expect(confirmed == bins.count)
        await direct.shutdown()
        try await receiver2.waitForBins(Set(bins.map(\.key)), within: 30)
        receiver2.stop()
        print("  uplink alone (deliver() to PUBACK, no store): \(uplinkAlone) for \(bins.count) bins")
        let storeOnly = try TemporaryDirectory("bench-store")
        let store2 = try makeStore(bins, in: storeOnly)
        let storeStart = clock.now
        try await withDelivery(ConfirmingUplink(), store: store2) {
            try await waitUntilDelivered(store2, uplink: "null", within: 120)
        }
        print(
            "  shares: encoding \(encoding) (\(encodedBytes) bytes); store read+mark with a null uplink \(clock.now - storeStart)"
        )
    }
}

/// Confirms every bin at once: measures the delivery service and the store alone.
struct ConfirmingUplink: Uplink {
    var name: String { "null" }
    var maxBatch: Int { 1000 }
    func prepare() async throws(UplinkError) {}
    func deliver(_ bins: [CountBin]) async throws(UplinkError) -> [BinKey] { bins.map(\.key) }
    func deliver(gaps: [DroppedRange]) async throws(UplinkError) -> [DroppedRange] { gaps }
    func shutdown() async {}
}

/// `VmHWM` from /proc/self/status: the process's peak resident memory.
func peakResidentKilobytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
    else { return 0 }
    return Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") ?? 0
}
