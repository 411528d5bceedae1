// The delivery service's own rules, with in-process receivers that record what they were offered
// (the real receivers — Mosquitto, a SensorThings server — are exercised in their uplinks' tests).

import CountBins
import Logging
import Store
import Synchronization
import Testing

@testable import Uplinks

/// 2026-11-27T00:00:00Z.
private let day: Int64 = 1_795_737_600

private func bins(_ count: Int, from minute: Int = 0) -> [CountBin] {
    (minute..<(minute + count)).map { index in
        CountBin(
            key: BinKey(node: "gw", sensor: "door", start: day + Int64(index) * 60, length: .oneMinute),
            aToB: index % 7, bToA: index % 5, coverage: 1, flags: [])
    }
}

/// A receiver that confirms what it is offered, or fails while `failing` is set, and records every call.
private final class RecordingUplink: Uplink, Sendable {
    let name: String
    let maxBatch: Int
    private let state = Mutex(State())

    struct State {
        var failing = false
        var offers: [[BinKey]] = []
        var gapOffers: [[DroppedRange]] = []
        var attempts = 0
    }

    init(name: String, maxBatch: Int = 10, failing: Bool = false) {
        self.name = name
        self.maxBatch = maxBatch
        state.withLock { $0.failing = failing }
    }

    var recorded: State { state.withLock { $0 } }

    func prepare() async throws(UplinkError) {
        let failing = state.withLock { state in
            state.attempts += 1
            return state.failing
        }
        if failing { throw UplinkError(.transient, "\(name) is down") }
    }

    func deliver(_ bins: [CountBin]) async throws(UplinkError) -> [BinKey] {
        let failing = state.withLock { state in
            state.offers.append(bins.map(\.key))
            return state.failing
        }
        if failing { throw UplinkError(.transient, "\(name) is down") }
        return bins.map(\.key)
    }

    func deliver(gaps: [DroppedRange]) async throws(UplinkError) -> [DroppedRange] {
        state.withLock { $0.gapOffers.append(gaps) }
        return gaps
    }

    func shutdown() async {}
}

private let logger: Logger = {
    var logger = Logger(label: "delivery-test")
    logger.logLevel = .critical
    return logger
}()

/// Runs a delivery service per uplink until `condition` holds (or 20 s pass), then stops them.
private func deliver(
    _ uplinks: [RecordingUplink], store: BinStore, now: Int64 = (day + 86_400) * 1000, holdSeconds: Int64 = 0,
    until condition: @escaping () throws -> Bool
) async throws -> Bool {
    let tasks = uplinks.map { uplink in
        let service = DeliveryService(
            uplink: uplink, store: store, holdSeconds: holdSeconds, logger: logger, now: { now })
        return Task { try await service.run() }
    }
    let deadline = ContinuousClock.now + .seconds(20)
    var met = false
    while ContinuousClock.now < deadline {
        if try condition() {
            met = true
            break
        }
        try await Task.sleep(for: .milliseconds(20))
    }
    for task in tasks { task.cancel() }
    for task in tasks { _ = await task.result }
    return met
}

@Suite("Delivery service")
struct DeliveryServiceTests {
    @Test func binsGoOldestFirstInBatchesAndAreMarkedDelivered() async throws {
        let store = try BinStore.inMemory(uplinks: ["city"])
        let all = bins(35)
        try store.save(all.reversed())
        let uplink = RecordingUplink(name: "city", maxBatch: 10)

        let done = try await deliver([uplink], store: store) { try store.pendingCount(uplink: "city") == 0 }

        #expect(done)
        let offers = uplink.recorded.offers
        #expect(offers.map(\.count) == [10, 10, 10, 5])
        #expect(offers.flatMap { $0 } == all.map(\.key))
    }

    @Test func aGapIsOfferedBeforeTheBinsAfterIt() async throws {
        let store = try BinStore.inMemory(uplinks: ["city"])
        try store.save(bins(20))
        try store.enforce(RetentionPolicy(maxAgeSeconds: 3600), now: day + 10 * 60 + 3600, uplinks: ["city"])
        let uplink = RecordingUplink(name: "city")

        let done = try await deliver([uplink], store: store) {
            try store.pendingCount(uplink: "city") == 0 && store.pendingGaps(uplink: "city", limit: 1).isEmpty
        }

        #expect(done)
        let recorded = uplink.recorded
        #expect(recorded.gapOffers.flatMap { $0 }.map(\.bins) == [10])
        #expect(recorded.offers.flatMap { $0 } == bins(10, from: 10).map(\.key))
    }

    @Test func aFailingUplinkNeverHoldsBackAnother() async throws {
        let store = try BinStore.inMemory(uplinks: ["broker", "server"])
        try store.save(bins(50))
        let down = RecordingUplink(name: "broker", failing: true)
        let up = RecordingUplink(name: "server")

        let done = try await deliver([down, up], store: store) { try store.pendingCount(uplink: "server") == 0 }

        #expect(done)
        #expect(try store.pendingCount(uplink: "broker") == 50, "nothing is marked for a failing uplink")
        #expect(down.recorded.attempts >= 1)
    }

    @Test func binsAreHeldUntilTheirHoldTimeHasPassed() async throws {
        let store = try BinStore.inMemory(uplinks: ["city"])
        try store.save(bins(10))
        let uplink = RecordingUplink(name: "city")
        // Now is the end of minute 9 (day + 600 s). Held 65 s past its end, a bin is offered once it
        // ended by day + 535 s: minutes 0 to 7 (minute 8 ends at 540 s).
        let done = try await deliver([uplink], store: store, now: (day + 600) * 1000, holdSeconds: 65) {
            try store.pendingCount(uplink: "city") <= 2
        }

        #expect(done)
        #expect(Set(uplink.recorded.offers.flatMap { $0 }) == Set(bins(8).map(\.key)))
        #expect(try store.pendingCount(uplink: "city") == 2)
    }

    @Test func backoffDoublesWithJitterUpToFiveMinutes() {
        var backoff = Backoff()
        for attempt in 0..<12 {
            let wait = backoff.next()
            let ceiling = min(300, Double(1 << attempt))
            #expect(wait >= ceiling / 2 && wait <= ceiling, "attempt \(attempt): \(wait) s")
        }
        #expect(backoff.next(longest: true) >= 150)
        backoff.reset()
        #expect(backoff.next() <= 1)
    }
}
