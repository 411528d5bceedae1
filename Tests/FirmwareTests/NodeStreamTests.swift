// Firmware in the loop: the real node firmware in QEMU, beams driven tick-exact through the QEMU
// board's test port, everything it says read with the gateway's own decoder.

import PCNT
import TestSupport
import Testing

/// Edges of one beam, as the tests expect them.
private func edges(_ sentences: [NodeSentence]) -> [(channel: Channel, interrupted: Bool, tick: UInt32)] {
    sentences.compactMap {
        if case .beam(let channel, let interrupted) = $0.message { return (channel, interrupted, $0.tick) }
        return nil
    }
}

private func statuses(_ sentences: [NodeSentence]) -> [(tick: UInt32, status: NodeStatus)] {
    sentences.compactMap {
        if case .status(let status) = $0.message { return ($0.tick, status) }
        return nil
    }
}

@Suite("Firmware in QEMU: the stream", .serialized, .enabled(if: Firmware.enabled, Firmware.skipMessage))
struct NodeStreamTests {
    @Test func bootSaysHelloThenKeepsTheLinkAliveWithKeepalivesAndStatusEveryTenSeconds() async throws {
        let node = try QEMUNode(clock: .fast)
        defer { node.stop() }
        try await node.waitFor(within: 30, "S at 30 s") {
            if case .status = $0.message { return $0.tick >= 30_000 }
            return false
        }
        let sentences = node.received
        let first = try #require(sentences.first)
        #expect(first.seq == 0)
        #expect(first.tick <= 5)
        #expect(
            first.message
                == .hello(
                    Hello(protocolVersion: 1, nodeID: "node-1", firmware: "passant-fw-0.1.0", kind: .ir2)))
        // seq +1 for every sentence, ticks never go back, never silent for more than a second.
        for (previous, next) in zip(sentences, sentences.dropFirst()) {
            #expect(next.seq == previous.seq &+ 1)
            #expect(next.tick >= previous.tick)
            #expect(next.tick - previous.tick <= 1_000, "silent from \(previous.tick) to \(next.tick)")
        }
        // A keepalive exactly when nothing else was sent for a second.
        let keepaliveGaps = zip(sentences, sentences.dropFirst()).filter { $0.1.message == .keepalive }
            .map { $0.1.tick - $0.0.tick }
        #expect(keepaliveGaps.count >= 25)
        #expect(keepaliveGaps.allSatisfy { $0 == 1_000 }, "\(keepaliveGaps)")
        let reports = statuses(sentences)
        #expect(reports.map(\.tick) == [10_000, 20_000, 30_000])
        #expect(reports.map(\.status.uptimeSeconds) == [10, 20, 30])
        #expect(
            reports.allSatisfy {
                $0.status.flags == [] && $0.status.temperatureDeciCelsius == 250
                    && $0.status.supplyMillivolts == 5000
            })
        #expect(node.rejects == PCNTRejects())
    }

    @Test func edgesAreDebouncedAndStampedAtTheDrivenChangePlusDebounce() async throws {
        let node = try QEMUNode(clock: .fast)
        defer { node.stop() }
        try node.drive([
            // A 10 ms flash on A and a 19 ms one on B: shorter than debounce_ms (20), never reported.
            BeamLevels(tick: 1_000, a: true, b: false), BeamLevels(tick: 1_010, a: false, b: false),
            BeamLevels(tick: 1_500, a: false, b: true), BeamLevels(tick: 1_519, a: false, b: false),
            // Exactly 20 ms: reported.
            BeamLevels(tick: 2_000, a: true, b: false), BeamLevels(tick: 2_020, a: false, b: false),
            // Someone walking A→B.
            BeamLevels(tick: 3_000, a: true, b: false), BeamLevels(tick: 3_234, a: true, b: true),
            BeamLevels(tick: 3_345, a: false, b: true), BeamLevels(tick: 3_546, a: false, b: false),
            // B→A with a 5 ms flicker inside A's interruption (a swinging arm): one interruption.
            BeamLevels(tick: 5_000, a: false, b: true), BeamLevels(tick: 5_180, a: true, b: true),
            BeamLevels(tick: 5_250, a: false, b: true), BeamLevels(tick: 5_260, a: true, b: false),
            BeamLevels(tick: 5_400, a: false, b: false),
            BeamLevels(tick: 9_000, a: false, b: false),
        ])
        try await node.waitFor(within: 30, "a sentence after 6 s") { $0.tick >= 6_000 }
        let driven: [(Channel, Bool, UInt32)] = [
            (.a, true, 2_000), (.a, false, 2_020),
            (.a, true, 3_000), (.b, true, 3_234), (.a, false, 3_345), (.b, false, 3_546),
            (.b, true, 5_000), (.a, true, 5_180), (.b, false, 5_260), (.a, false, 5_400),
        ]
        let reported = edges(node.received)
        #expect(reported.count == driven.count, "\(reported)")
        for (edge, expected) in zip(reported, driven) {
            #expect(edge.channel == expected.0 && edge.interrupted == expected.1)
            // Timestamp error against the driven input: none, the edge is the change plus debounce_ms.
            #expect(edge.tick == expected.2 + 20, "\(edge) for \(expected)")
        }
        #expect(try await node.ask(.query(request: 1, key: "inputs")).value == "0/0")
    }

    @Test func aBeamInterruptedForThirtySecondsIsReportedStuckUntilItClears() async throws {
        let node = try QEMUNode(clock: .fast)
        defer { node.stop() }
        try node.drive([
            BeamLevels(tick: 1_000, a: true, b: false), BeamLevels(tick: 45_000, a: false, b: false),
            BeamLevels(tick: 60_000, a: false, b: false),
        ])
        try await node.waitFor(within: 60, "S at 50 s") {
            if case .status = $0.message { return $0.tick >= 50_000 }
            return false
        }
        let flags = statuses(node.received).map { ($0.tick, $0.status.flags) }
        // Interrupted (debounced) at 1020: 28.98 s at the S of 30 s, 38.98 s at 40 s, clear at 50 s.
        #expect(flags.map(\.0) == [10_000, 20_000, 30_000, 40_000, 50_000])
        #expect(flags.map(\.1) == [[], [], [], [.beamAStuck], []])
    }

    @Test func theSteadyStateAllocatesNothing() async throws {
        let node = try QEMUNode(clock: .fast)
        defer { node.stop() }
        // Two hundred people A→B and B→A over 100 s, with K and S in between.
        var levels: [BeamLevels] = []
        for person in 0..<200 {
            let start = UInt32(1_000 + person * 500)
            let forward = person % 2 == 0
            levels += [
                BeamLevels(tick: start, a: forward, b: !forward),
                BeamLevels(tick: start + 150, a: true, b: true),
                BeamLevels(tick: start + 260, a: !forward, b: forward),
                BeamLevels(tick: start + 400, a: false, b: false),
            ]
        }
        try node.drive(levels)
        try await node.waitFor(within: 120, "a sentence after 102 s") { $0.tick >= 102_000 }
        #expect(edges(node.received).count == 800)
        #expect(try await node.ask(.query(request: 1, key: "allocs")).value == "0")
        let heap = try await node.ask(.query(request: 2, key: "heap")).value
        let (total, live) = try counts(heap)
        // Answering commands allocates a little (their strings) and frees it again.
        let again = try counts(try await node.ask(.query(request: 3, key: "heap")).value)
        #expect(again.live == live, "heap \(heap), then \(again)")
        #expect(total > 0 && live < 32)
        #expect(try await node.ask(.query(request: 4, key: "allocs")).value == "0")
        #expect(try await node.ask(.query(request: 5, key: "inputs")).value == "0/0")
    }

    private func counts(_ text: String) throws -> (total: Int, live: Int) {
        let parts = text.split(separator: "/").compactMap { Int($0) }
        guard parts.count == 2 else { throw TestFailure("heap answer '\(text)' is not total/live") }
        return (parts[0], parts[1])
    }
}
