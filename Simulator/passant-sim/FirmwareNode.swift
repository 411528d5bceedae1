// `passant-sim --node qemu`: the node's bytes come from the real counter-node firmware
// (Hardware/firmware) running in QEMU, instead of the simulator's own renderer. The walkway model drives
// the firmware's beam inputs through the QEMU board's test port, tick-exact, and the firmware debounces,
// numbers and sends as it would on a street. QEMU runs with `-icount` and does not sleep, so the node's
// tick is tied to the instructions it runs, not to the host: the same scenario gives the same bytes, and
// idle time passes many times faster than real time.

import PCNT
import PassantSimulator

#if canImport(Glibc)
    import Glibc
#endif

/// What the run loop needs from a node: timed chunks of bytes and the people who walked.
protocol NodeSource {
    /// The next bytes the node sends with the simulation time (ms) they leave it, or `nil` at the end.
    mutating func next() throws -> (time: Int64, bytes: [UInt8])?
    mutating func takePedestrians() -> [Pedestrian]
    /// For the summary line on stderr.
    var summary: String { get }
    /// For the ground truth's summary line.
    func statistics(discarded: Int) -> JSONValue
}

/// The firmware image in QEMU as a node source.
final class FirmwareNode: NodeSource {
    private var signals: BeamSignals
    private let end: Int64
    private let board: QEMUBoard
    private var link: Int32 { board.link }
    private var testPort: Int32 { board.testPort }

    private var pendingInput: [UInt8] = []
    private var pendingOffset = 0
    private var inputHorizon: Int64 = 0
    private var levels = 0
    private var line: [UInt8] = []
    private var decoder = PCNTDecoder()
    private var ready: [(time: Int64, bytes: [UInt8])] = []
    private var readyHead = 0
    private var lastTime: Int64 = 0
    private var finished = false

    private var sentences = 0, edges = 0, keepalives = 0, statuses = 0, hellos = 0, bytes = 0
    /// The firmware's own diagnostics, asked at the end: steady-state allocations, inputs late/lost.
    private var diagnostics: [(String, String)] = []

    /// Starts QEMU with `image`; the beams follow `signals` until `end` (ms).
    init(image: String, signals: BeamSignals, end: Int64, debounceMillis: Int64) throws {
        self.signals = signals
        self.end = end
        board = try QEMUBoard(image: image, clock: .fast)
        try SystemCalls.setNonBlocking(link, "the QEMU node's UART")
        try SystemCalls.setNonBlocking(testPort, "the QEMU node's test port")
        if debounceMillis != 20 {
            // Sent at once: the node applies it within its first milliseconds, before anyone walks.
            pendingCommands +=
                Command.set(request: 1, key: "debounce_ms", value: String(debounceMillis)).encoded
        }
    }

    private var pendingCommands: [UInt8] = []

    func takePedestrians() -> [Pedestrian] { signals.takePedestrians() }

    func next() throws -> (time: Int64, bytes: [UInt8])? {
        while readyHead == ready.count {
            ready.removeAll(keepingCapacity: true)
            readyHead = 0
            if finished { return nil }
            try pump(timeoutMillis: 100)
        }
        readyHead += 1
        return ready[readyHead - 1]
    }

    var summary: String {
        "firmware in QEMU: \(sentences) sentences (\(edges) B, \(keepalives) K, \(statuses) S, \(hellos) HELLO), "
            + "\(bytes) bytes; " + diagnostics.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
    }

    func statistics(discarded: Int) -> JSONValue {
        .object(
            [
                ("node", .string("qemu")),
                ("sentences", .integer(Int64(sentences))), ("hello", .integer(Int64(hellos))),
                ("b", .integer(Int64(edges))), ("s", .integer(Int64(statuses))),
                ("k", .integer(Int64(keepalives))), ("bytes", .integer(Int64(bytes))),
                ("unread_bytes", .integer(Int64(discarded))),
            ] + diagnostics.map { ("firmware_\($0.0)", .string($0.1)) })
    }

    // MARK: - Driving QEMU

    /// One round: more inputs written while the node takes them, whatever it said read.
    private func pump(timeoutMillis: Int32) throws {
        refillInputs()
        var fds: [(fd: Int32, events: Int16)] = [(link, Int16(POLLIN))]
        if pendingOffset < pendingInput.count { fds.append((testPort, Int16(POLLOUT))) }
        let revents = try SystemCalls.poll(fds, timeoutMillis: timeoutMillis)
        if !pendingCommands.isEmpty {
            try SystemCalls.writeAll(link, pendingCommands, "the QEMU node's UART")
            pendingCommands = []
        }
        if revents.count > 1, revents[1] & Int16(POLLOUT) != 0 {
            switch SystemCalls.write(testPort, pendingInput[pendingOffset...], socket: true) {
            case .wrote(let count): pendingOffset += count
            case .wouldBlock: break
            case .closed: throw SystemError("send", "the QEMU node's test port (QEMU has stopped)")
            }
        }
        if revents[0] != 0 { try readOutput() }
        if finished { try finish() }
    }

    /// The raw beam changes, as schedule lines `<tick>,<levels>`, written up to ten minutes of node time
    /// ahead of what the node has said: QEMU runs as fast as it can, also while a paced run waits to send,
    /// and an input written after its tick would be late. What the firmware has no room for yet waits in
    /// the socket.
    private func refillInputs() {
        if pendingOffset > 0 && pendingOffset == pendingInput.count {
            pendingInput.removeAll(keepingCapacity: true)
            pendingOffset = 0
        }
        while inputHorizon < min(end, lastTime + 600_000), pendingInput.count - pendingOffset < 1 << 16 {
            inputHorizon = min(inputHorizon + 1_000, end)
            for transition in signals.advance(to: inputHorizon) {
                let bit = transition.channel == .a ? 1 : 2
                levels = transition.interrupted ? levels | bit : levels & ~bit
                pendingInput += Array("\(transition.time),\(levels)\n".utf8)
            }
        }
    }

    private func readOutput() throws {
        var buffer = [UInt8](repeating: 0, count: 4096)
        // A bounded number of reads per round, so the inputs keep flowing while the node talks.
        for _ in 0..<16 where !finished {
            let count = buffer.withUnsafeMutableBytes { read(link, $0.baseAddress, $0.count) }
            if count == 0 { throw SystemError("read", "the QEMU node's UART (QEMU has stopped)", errno: 0) }
            if count < 0 {
                if currentErrno() == EAGAIN || currentErrno() == EINTR { return }
                throw SystemError("read", "the QEMU node's UART")
            }
            for byte in buffer[0..<count] where !finished {
                line.append(byte)
                if byte == UInt8(ascii: "\n") { takeLine() }
            }
        }
    }

    /// One line from the firmware: timed by its own tick, forwarded unchanged.
    private func takeLine() {
        var time = lastTime
        var message: NodeMessage?
        decoder.decode(line) { sentence in
            time = Int64(sentence.tick)
            message = sentence.message
        }
        if time >= end {
            finished = true
            line.removeAll()
            return
        }
        lastTime = max(lastTime, time)
        sentences += 1
        bytes += line.count
        switch message {
        case .beam: edges += 1
        case .keepalive: keepalives += 1
        case .status: statuses += 1
        case .hello: hellos += 1
        default: break
        }
        ready.append((lastTime, line))
        line.removeAll(keepingCapacity: true)
    }

    /// The run is over: ask the firmware for its diagnostics, then stop it.
    private func finish() throws {
        guard !stopped else { return }
        let keys = ["allocs", "inputs", "heap"]
        for (index, key) in keys.enumerated() {
            try SystemCalls.writeAll(
                link, Command.query(request: UInt16(60_000 + index), key: key).encoded, "the QEMU node's UART"
            )
        }
        var answers: [UInt16: String] = [:]
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = SystemCalls.monotonicNanos() + 10_000_000_000
        while answers.count < keys.count && SystemCalls.monotonicNanos() < deadline {
            _ = try SystemCalls.poll([(link, Int16(POLLIN))], timeoutMillis: 100)
            let count = buffer.withUnsafeMutableBytes { read(link, $0.baseAddress, $0.count) }
            if count <= 0 { continue }
            decoder.decode(buffer[0..<count]) { sentence in
                if case .response(let response) = sentence.message, response.ok {
                    answers[response.request] = response.value
                }
            }
        }
        diagnostics = keys.enumerated().map { ($0.element, answers[UInt16(60_000 + $0.offset)] ?? "?") }
        stop()
    }

    private func stop() {
        board.stop()
        stopped = true
    }

    private var stopped = false
}
