// The IR2 counter node: two debounced beams, PCNT sentences out, commands in.

import PCNT

/// The gateway link as a `PCNTByteSink`: the shared encoder writes each sentence straight to the UART,
/// so sending needs no buffer and no heap.
struct GatewayLink: PCNTByteSink {
    mutating func append(_ byte: UInt8) { board_uart_write(byte) }
}

/// Everything the node does, one pass of the main loop at a time. All times are node ticks (ms since
/// boot, wrapping at 2³²).
struct Node {
    static let keepaliveAfterMillis: UInt32 = 1_000
    static let statusEveryMillis: UInt32 = 10_000
    /// A beam interrupted without a break for this long is reported stuck in `S`.
    static let stuckAfterMillis: UInt32 = 30_000
    /// Below this supply `S` carries the low-supply flag.
    static let lowSupplyMillivolts: UInt32 = 4_500

    var parameters = Parameters()
    private var link = GatewayLink()
    private var seq: UInt16 = 0
    private var lastSent: UInt32 = 0
    private var nextStatus: UInt32 = Node.statusEveryMillis
    private var uptimeMillis: UInt64 = 0
    private var lastTick: UInt32 = 0
    private var beamA = BeamDebouncer()
    private var beamB = BeamDebouncer()
    private var levels: UInt32 = 0
    private let watchdogReset: Bool

    /// Heap allocations made while booting, and while decoding and answering commands; everything
    /// else is the steady state, which must not allocate (`Q allocs` reports it).
    private var bootAllocations: UInt32 = 0
    private var commandAllocations: UInt32 = 0

    init() {
        watchdogReset = board_was_watchdog_reset() != 0
        var record = Parameters.Record()
        let loaded = withUnsafeMutableBytes(of: &record) { buffer in
            board_store_load(buffer.baseAddress, UInt32(buffer.count))
        }
        if loaded != 0, let stored = Parameters(record: record) { parameters = stored }
    }

    /// Says `HELLO` (seq 0, the tick at boot) and notes what booting allocated.
    mutating func boot() {
        lastTick = board_ticks()
        sendHello(at: lastTick)
        bootAllocations = board_heap_allocations()
    }

    /// One pass: commands received, beam changes sampled up to now, keepalive and status when due.
    /// The command decoder is the caller's, so that answering (which changes the node) never overlaps
    /// with decoding.
    mutating func service(commands: inout CommandDecoder) {
        receiveCommands(&commands)
        let now = board_ticks()
        uptimeMillis += UInt64(now &- lastTick)
        lastTick = now
        takeInputChanges(until: now)
        sendEdges(upTo: now)
        if Int32(bitPattern: now &- nextStatus) >= 0 {
            send(.status(status()), at: now)
            nextStatus &+= Node.statusEveryMillis
        } else if now &- lastSent >= Node.keepaliveAfterMillis {
            send(.keepalive, at: now)
        }
    }

    // MARK: - Beams

    private mutating func takeInputChanges(until now: UInt32) {
        var tick: UInt32 = 0
        var sampled: UInt32 = 0
        while board_next_input_change(now, &tick, &sampled) != 0 {
            sendEdges(upTo: tick)
            let changed = sampled ^ levels
            levels = sampled
            let debounce = parameters.debounceMillis
            if changed & 1 != 0,
                let edge = beamA.feed(time: tick, interrupted: sampled & 1 != 0, debounce: debounce)
            {
                send(.beam(.a, interrupted: beamA.stable), at: edge)
            }
            if changed & 2 != 0,
                let edge = beamB.feed(time: tick, interrupted: sampled & 2 != 0, debounce: debounce)
            {
                send(.beam(.b, interrupted: beamB.stable), at: edge)
            }
        }
    }

    /// Sends the edges confirmed by `time`, earlier one first.
    private mutating func sendEdges(upTo time: UInt32) {
        let debounce = parameters.debounceMillis
        let a = beamA.confirm(upTo: time, debounce: debounce)
        let b = beamB.confirm(upTo: time, debounce: debounce)
        if let a, let b, Int32(bitPattern: b &- a) < 0 {
            send(.beam(.b, interrupted: beamB.stable), at: b)
            send(.beam(.a, interrupted: beamA.stable), at: a)
            return
        }
        if let a { send(.beam(.a, interrupted: beamA.stable), at: a) }
        if let b { send(.beam(.b, interrupted: beamB.stable), at: b) }
    }

    // MARK: - Sentences

    private mutating func send(_ message: NodeMessage, at tick: UInt32) {
        NodeSentence(seq: seq, tick: tick, message: message).write(to: &link)
        seq &+= 1
        lastSent = tick
    }

    private mutating func sendHello(at tick: UInt32) {
        send(
            .hello(Hello(nodeID: parameters.nodeID, firmware: Parameters.firmware, kind: .ir2)), at: tick)
    }

    private func status() -> NodeStatus {
        var flags: NodeStatus.Flags = []
        if beamA.stable && lastTick &- beamA.stableSince >= Node.stuckAfterMillis {
            flags.insert(.beamAStuck)
        }
        if beamB.stable && lastTick &- beamB.stableSince >= Node.stuckAfterMillis {
            flags.insert(.beamBStuck)
        }
        let supply = board_supply_mv()
        if supply < Node.lowSupplyMillivolts { flags.insert(.lowSupply) }
        if watchdogReset { flags.insert(.watchdogReset) }
        return NodeStatus(
            uptimeSeconds: UInt32(truncatingIfNeeded: uptimeMillis / 1000),
            temperatureDeciCelsius: board_temperature_dc(), supplyMillivolts: supply, flags: flags)
    }

    // MARK: - Commands

    private mutating func receiveCommands(_ decoder: inout CommandDecoder) {
        while true {
            let received = board_uart_read()
            guard received >= 0 else { return }
            let before = board_heap_allocations()
            decoder.decode(CollectionOfOne(UInt8(truncatingIfNeeded: received))) { command in
                answer(command, allocationsBefore: before)
            }
            commandAllocations &+= board_heap_allocations() &- before
        }
    }

    private mutating func answer(_ command: Command, allocationsBefore: UInt32) {
        let request = command.request
        switch command {
        case .query(_, let key):
            if let value = diagnostic(key, allocationsBefore: allocationsBefore) ?? parameters.value(key) {
                respond(request, ok: true, key: key, value: value)
            } else {
                respond(request, ok: false, key: key, value: Parameters.Refusal.unknownKey.reason)
            }
        case .set(_, let key, let value):
            if diagnostic(key, allocationsBefore: allocationsBefore) != nil {
                respond(request, ok: false, key: key, value: Parameters.Refusal.readOnly.reason)
                return
            }
            do throws(Parameters.Refusal) {
                try parameters.set(key, value)
                respond(request, ok: true, key: key, value: parameters.value(key) ?? value)
            } catch {
                respond(request, ok: false, key: key, value: error.reason)
            }
        case .write:
            var record = parameters.record
            let saved = withUnsafeBytes(of: &record) { buffer in
                board_store_save(buffer.baseAddress, UInt32(buffer.count))
            }
            if saved != 0 {
                respond(request, ok: true, key: "saved", value: "1")
            } else {
                respond(request, ok: false, key: "saved", value: "store-failed")
            }
        case .hello:
            respond(request, ok: true, key: "hello", value: "1")
            sendHello(at: board_ticks())
        case .reboot:
            respond(request, ok: true, key: "reboot", value: "1")
            board_reset()
        }
    }

    private mutating func respond(_ request: UInt16, ok: Bool, key: String, value: String) {
        send(.response(Response(request: request, ok: ok, key: key, value: value)), at: board_ticks())
    }

    /// Read-only diagnostics of this firmware, beside PCNT's parameters (Hardware/firmware/README.md):
    /// `allocs` heap allocations in the steady state since boot (must stay 0), `heap` all allocations
    /// and those live now (`total/live`), `inputs` beam inputs applied late and changes lost
    /// (`late/overruns`), `board` the board's name.
    private func diagnostic(_ key: String, allocationsBefore: UInt32) -> String? {
        if key.is("allocs") {
            return Parameters.decimal(allocationsBefore &- bootAllocations &- commandAllocations)
        }
        if key.is("heap") {
            return Parameters.decimal(board_heap_allocations()) + "/" + Parameters.decimal(board_heap_live())
        }
        if key.is("inputs") {
            return Parameters.decimal(board_late_inputs()) + "/" + Parameters.decimal(board_input_overruns())
        }
        if key.is("board") { return String(cString: board_name()) }
        return nil
    }
}
