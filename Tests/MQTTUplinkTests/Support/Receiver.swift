import CountBins
import Foundation
import TestSupport
import Testing

@testable import MQTTUplink

/// The city's side: a subscriber with a persistent session (QoS 1) on everything under `passant/#`,
/// made with the same libmosquitto wrapper. It decodes every bin it receives and can say whether each
/// expected bin arrived, with equal values, and how often.
final class Receiver: Sendable {
    let client: MosquittoClient
    private let events: ConnectionEvents

    init(port: Int, pattern: String = "passant/#", clientID: String = "city-receiver", caFile: String? = nil)
        throws
    {
        events = ConnectionEvents(
            endpoint: "127.0.0.1:\(port)", birth: nil, subscriptions: [pattern], logger: nil)
        client = try MosquittoClient(clientID: clientID, cleanSession: false, events: events)
        if let caFile {
            try client.setTLS(caFile: caFile, caPath: nil, certFile: nil, keyFile: nil, verify: true)
        }
        try client.start(host: "127.0.0.1", port: port, keepalive: 30)
    }

    func waitUntilConnected() async throws {
        let connected = await events.wait(until: .now + .seconds(10)) { $0.connected ? true : nil }
        if connected == nil { throw TestFailure("the receiver did not connect within 10 s") }
    }

    func waitUntilDisconnected() async throws {
        let gone = await events.wait(until: .now + .seconds(10)) { $0.connected ? nil : true }
        if gone == nil { throw TestFailure("the receiver did not see the broker go within 10 s") }
    }

    func stop() { client.stop() }

    var messages: [ReceivedMessage] { events.read { $0.messages } }

    /// Every bin received, in arrival order.
    func bins() throws -> [CountBin] {
        try messages.filter { $0.topic.hasSuffix("/bins") }.flatMap { try decodeBins($0.payload) }
    }

    /// The last message on `topic`, waiting up to `seconds` for one to match `predicate`.
    func last(
        on topic: String, within seconds: Double = 10,
        where predicate: (ReceivedMessage) -> Bool = { _ in true }
    )
        async throws -> ReceivedMessage
    {
        let found = await events.wait(until: .now + .seconds(seconds)) { state in
            state.messages.last(where: { $0.topic == topic }).flatMap { predicate($0) ? $0 : nil }
        }
        guard let found else {
            let seen = messages.filter { $0.topic == topic }.map(\.text)
            throw TestFailure("no matching message on \(topic) within \(seconds) s; seen: \(seen)")
        }
        return found
    }

    /// Waits until a bin with every key in `keys` arrived.
    func waitForBins(_ keys: Set<BinKey>, within seconds: Double) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let received = Set(try bins().map(\.key))
            if keys.isSubset(of: received) { return }
            if Date() > deadline {
                throw TestFailure(
                    "\(keys.subtracting(received).count) of \(keys.count) bins did not arrive within \(seconds) s"
                )
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Checks that every expected bin arrived with equal values and nothing else arrived; returns
    /// how many arrivals were repeats of a key (QoS 1 may repeat a message around a broker restart;
    /// the receiver drops those by key).
    @discardableResult
    func verify(_ expected: [CountBin], sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        let received = try bins()
        let byKey = Dictionary(grouping: received, by: \.key)
        let expectedByKey = Dictionary(uniqueKeysWithValues: expected.map { ($0.key, $0) })
        let missing = Set(expectedByKey.keys).subtracting(byKey.keys)
        let unexpected = Set(byKey.keys).subtracting(expectedByKey.keys)
        #expect(missing.isEmpty, "\(missing.count) bins never arrived", sourceLocation: sourceLocation)
        #expect(
            unexpected.isEmpty, "\(unexpected.count) bins arrived that were not sent",
            sourceLocation: sourceLocation)
        for (key, arrivals) in byKey {
            guard let bin = expectedByKey[key] else { continue }
            for arrival in arrivals where arrival != bin {
                Issue.record(
                    "\(key.description) arrived as \(arrival), sent as \(bin)", sourceLocation: sourceLocation
                )
            }
        }
        return received.count - byKey.count
    }
}

/// The payload as a receiver reads it. JSONDecoder, not JSONSerialization: the latter (on Linux)
/// does not read every double back exactly.
private struct BinsMessage: Decodable {
    struct Bin: Decodable {
        var key: String
        var node: String
        var sensor: String
        var start: String
        var end: String
        var seconds: Int
        var a_to_b: Int
        var b_to_a: Int
        var counts: [String: Int]
        var coverage: Double
        var flags: [String]
        var fast_movers: [String: Int]?
    }
    var schema: Int
    var site: String
    var bins: [Bin]
}

/// Reads the uplink's JSON back into bins, checking the redundant fields agree.
func decodeBins(_ payload: [UInt8]) throws -> [CountBin] {
    let message = try JSONDecoder().decode(BinsMessage.self, from: Data(payload))
    guard message.schema == 1 else { throw TestFailure("schema \(message.schema)") }
    return try message.bins.map { entry in
        guard let startMillis = UTCTime.parseMillis(entry.start),
            let endMillis = UTCTime.parseMillis(entry.end),
            let length = BinLength(rawValue: entry.seconds)
        else { throw TestFailure("bad times in \(entry)") }
        var flags = BinFlags()
        for name in entry.flags {
            guard let flag = BinFlags.names.first(where: { $0.1 == name })?.0 else {
                throw TestFailure("unknown flag \(name)")
            }
            flags.insert(flag)
        }
        let key = BinKey(node: entry.node, sensor: entry.sensor, start: startMillis / 1000, length: length)
        guard key.description == entry.key, endMillis / 1000 == key.end else {
            throw TestFailure("key \(entry.key) or end \(entry.end) disagrees with the other fields")
        }
        guard entry.counts.values.sorted() == [entry.a_to_b, entry.b_to_a].sorted() else {
            throw TestFailure("counts under the labels disagree with a_to_b/b_to_a in \(entry)")
        }
        var fastMovers: FastMovers?
        if let fast = entry.fast_movers {
            guard let aToB = fast["a_to_b"], let bToA = fast["b_to_a"], fast.count == 2 else {
                throw TestFailure("fast_movers is not {a_to_b, b_to_a} in \(entry)")
            }
            fastMovers = FastMovers(aToB: aToB, bToA: bToA)
        }
        return CountBin(
            key: key, aToB: entry.a_to_b, bToA: entry.b_to_a, coverage: entry.coverage, flags: flags,
            fastMovers: fastMovers)
    }
}
