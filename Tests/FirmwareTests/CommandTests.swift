// Firmware in the loop: every command and its error answers, persistence, reboots.

import PCNT
import Testing

@Suite("Firmware in QEMU: commands", .serialized, .enabled(if: Firmware.enabled, Firmware.skipMessage))
struct CommandTests {
    @Test func everyParameterCanBeReadWithItsDefault() async throws {
        let node = try QEMUNode(clock: .fast)
        defer { node.stop() }
        let expected = [
            ("debounce_ms", "20"), ("rate_hz", "50"), ("emit", "2"), ("node_id", "node-1"),
            ("fw", "passant-fw-0.1.0"), ("kind", "IR2"), ("board", "qemu-mps2-an386"),
        ]
        for (index, (key, value)) in expected.enumerated() {
            let answer = try await node.ask(.query(request: UInt16(100 + index), key: key))
            #expect(answer == Response(request: UInt16(100 + index), ok: true, key: key, value: value))
        }
        #expect(
            try await node.ask(.query(request: 7, key: "colour"))
                == Response(request: 7, ok: false, key: "colour", value: "unknown-key"))
    }

    @Test func settingChecksKeysAndRangesAndAnswersEveryRefusal() async throws {
        let node = try QEMUNode(clock: .fast)
        defer { node.stop() }
        let cases: [(key: String, value: String, ok: Bool, answer: String)] = [
            ("debounce_ms", "30", true, "30"), ("debounce_ms", "0", true, "0"),
            ("debounce_ms", "200", true, "200"),
            ("debounce_ms", "201", false, "out-of-range"), ("debounce_ms", "abc", false, "out-of-range"),
            ("debounce_ms", "020", false, "out-of-range"), ("debounce_ms", "-1", false, "out-of-range"),
            ("rate_hz", "0", false, "out-of-range"), ("rate_hz", "250", true, "250"),
            ("rate_hz", "251", false, "out-of-range"),
            ("emit", "3", true, "3"), ("emit", "4", false, "out-of-range"),
            ("node_id", "door-7", true, "door-7"), ("node_id", "door_7", false, "out-of-range"),
            ("node_id", String(repeating: "x", count: 33), false, "out-of-range"),
            ("fw", "9.9", false, "read-only"), ("kind", "TOF2", false, "read-only"),
            ("allocs", "0", false, "read-only"), ("colour", "red", false, "unknown-key"),
        ]
        for (index, item) in cases.enumerated() {
            let request = UInt16(200 + index)
            let answer = try await node.ask(.set(request: request, key: item.key, value: item.value))
            #expect(answer == Response(request: request, ok: item.ok, key: item.key, value: item.answer))
        }
        // Refusals changed nothing.
        #expect(try await node.ask(.query(request: 1, key: "debounce_ms")).value == "200")
        #expect(try await node.ask(.query(request: 2, key: "emit")).value == "3")
        #expect(try await node.ask(.query(request: 3, key: "node_id")).value == "door-7")
    }

    @Test func aDamagedCommandIsIgnoredAndTheNextOneAnswered() async throws {
        let node = try QEMUNode(clock: .fast)
        defer { node.stop() }
        var damaged = Command.query(request: 1, key: "emit").encoded
        damaged[3] ^= 0x01  // bad CRC
        try node.send(raw: damaged + Array("noise\r\n$Q,2,em".utf8))
        #expect(try await node.ask(.query(request: 3, key: "emit")).value == "2")
        #expect(
            !node.received.contains {
                if case .response(let r) = $0.message { r.request != 3 } else { false }
            })
    }

    @Test func helloResendsTheIdentityWithTheNextSeqAndIsNoReboot() async throws {
        let node = try QEMUNode(clock: .fast)
        defer { node.stop() }
        _ = try await node.ask(.set(request: 1, key: "node_id", value: "door-7"))
        let from = node.received.count
        try node.send(.hello(request: 2))
        let (index, response, _) = try await node.response(to: 2, from: from)
        #expect(response == Response(request: 2, ok: true, key: "hello", value: "1"))
        let (_, hello) = try await node.waitFor(from: index, within: 10, "HELLO") {
            if case .hello = $0.message { true } else { false }
        }
        let all = node.received
        #expect(hello.seq == all[index].seq &+ 1)
        #expect(
            hello.message
                == .hello(
                    Hello(protocolVersion: 1, nodeID: "door-7", firmware: "passant-fw-0.1.0", kind: .ir2)))
    }

    @Test func rebootAnswersFirstThenBootsWithSeqZeroAndKeepsOnlyWrittenParameters() async throws {
        let node = try QEMUNode(clock: .fast)
        defer { node.stop() }
        _ = try await node.ask(.set(request: 1, key: "node_id", value: "door-7"))
        _ = try await node.ask(.set(request: 2, key: "debounce_ms", value: "50"))
        #expect(
            try await node.ask(.write(request: 3)) == Response(request: 3, ok: true, key: "saved", value: "1")
        )
        _ = try await node.ask(.set(request: 4, key: "emit", value: "0"))  // not written
        try await node.waitFor(within: 30, "a sentence after 12 s") { $0.tick >= 12_000 }

        let from = node.received.count
        try node.send(.reboot(request: 5))
        let (index, response, _) = try await node.response(to: 5, from: from)
        #expect(response == Response(request: 5, ok: true, key: "reboot", value: "1"))
        let (helloIndex, hello) = try await node.waitFor(from: index + 1, within: 10, "HELLO after X") {
            if case .hello = $0.message { true } else { false }
        }
        #expect(helloIndex == index + 1)
        #expect(hello.seq == 0)
        #expect(hello.tick <= 5)
        #expect(
            hello.message
                == .hello(
                    Hello(protocolVersion: 1, nodeID: "door-7", firmware: "passant-fw-0.1.0", kind: .ir2)))
        #expect(try await node.ask(.query(request: 6, key: "debounce_ms")).value == "50")
        #expect(try await node.ask(.query(request: 7, key: "emit")).value == "2")
        // A requested reboot is not a watchdog reset.
        let (_, status) = try await node.waitFor(from: helloIndex, within: 30, "S after the reboot") {
            if case .status = $0.message { true } else { false }
        }
        guard case .status(let report) = status.message else { return }
        #expect(status.tick == 10_000 && report.uptimeSeconds == 10)
        #expect(!report.flags.contains(.watchdogReset))
    }

    @Test func aHungNodeIsResetByItsWatchdogAndSaysSoInEveryStatus() async throws {
        let node = try QEMUNode(clock: .fast)
        defer { node.stop() }
        try await node.waitFor(within: 30, "a sentence after 3 s") { $0.tick >= 3_000 }
        try node.hang()
        let (helloIndex, hello) = try await node.waitFor(from: 1, within: 30, "HELLO after the watchdog") {
            if case .hello = $0.message { true } else { false }
        }
        #expect(hello.seq == 0)
        #expect(hello.tick <= 5)
        let all = node.received
        // The watchdog needed two timeouts of a second after the last pass of the main loop.
        #expect(all[helloIndex - 1].tick >= 3_000)
        let (_, status) = try await node.waitFor(from: helloIndex, within: 30, "S after the watchdog reset") {
            if case .status = $0.message { true } else { false }
        }
        guard case .status(let report) = status.message else { return }
        #expect(report.flags.contains(.watchdogReset))
    }

    @Test func commandsAreAnsweredInRealTimeToo() async throws {
        // The node's tick follows the host clock here: what a gateway on a real serial line sees.
        let node = try QEMUNode(clock: .realTime)
        defer { node.stop() }
        _ = try await node.waitFor(within: 10, "HELLO") {
            if case .hello = $0.message { true } else { false }
        }
        let started = node.received.last?.tick ?? 0
        let answer = try await node.ask(.query(request: 9, key: "debounce_ms"), within: 5)
        #expect(answer == Response(request: 9, ok: true, key: "debounce_ms", value: "20"))
        try node.drive([
            BeamLevels(tick: started + 1_500, a: true, b: false),
            BeamLevels(tick: started + 1_700, a: false, b: false),
        ])
        try await node.waitFor(within: 10, "B clear") { $0.message == .beam(.a, interrupted: false) }
        let ticks = node.received.compactMap { if case .beam = $0.message { $0.tick } else { nil } }
        #expect(ticks == [started + 1_520, started + 1_720])
    }
}
