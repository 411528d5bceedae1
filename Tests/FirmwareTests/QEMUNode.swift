// The real firmware image, running in QEMU, as a test sees it: the gateway UART as PCNT sentences
// (decoded by the gateway's own `PCNTDecoder`), and the beam inputs driven through the QEMU board's
// test port (Hardware/firmware/Board/qemu-mps2-an386.c).

import Foundation
import PCNT
import PassantSimulator
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Whether the firmware tests run here, and the image they run.
enum Firmware {
    static var enabled: Bool { Repository.firmwareTestsEnabled }
    static var skipMessage: Comment { Comment(rawValue: Repository.firmwareSkipMessage) }
    static var image: Result<String, TestFailure> { Repository.firmwareImage }
}

/// One beam input level from the test port's schedule: at `tick`, which beams are interrupted.
struct BeamLevels {
    var tick: UInt32
    var a: Bool
    var b: Bool

    var line: String { "\(tick),\((a ? 1 : 0) | (b ? 2 : 0))\n" }
}

/// A counter node: the firmware in `qemu-system-arm -M mps2-an386`.
final class QEMUNode: @unchecked Sendable {
    private let board: QEMUBoard
    private var link: Int32 { board.link }
    private var testPort: Int32 { board.testPort }
    private let lock = NSLock()
    private var decoder = PCNTDecoder()
    private var sentences: [NodeSentence] = []
    private var closed = false

    init(clock: QEMUBoard.Clock) throws {
        board = try QEMUBoard(image: try Firmware.image.get(), clock: clock)
        let thread = Thread { [self] in readLoop() }
        thread.start()
    }

    deinit { stop() }

    /// Stops QEMU (the node loses power).
    func stop() {
        let first = lock.withLock {
            defer { closed = true }
            return !closed
        }
        guard first else { return }
        board.stop()
    }

    /// Drives the beams: each entry is applied on the node at exactly its tick.
    func drive(_ levels: [BeamLevels]) throws {
        try write(testPort, Array(levels.map(\.line).joined().utf8))
    }

    /// Stops the firmware's main loop, as a hung node would: the watchdog must reset it.
    func hang() throws {
        try write(testPort, Array("!hang\n".utf8))
    }

    /// Sends a command as the gateway does.
    func send(_ command: Command) throws {
        try write(link, command.encoded)
    }

    /// Sends bytes as they are (for damaged commands).
    func send(raw bytes: [UInt8]) throws {
        try write(link, bytes)
    }

    /// Everything decoded so far.
    var received: [NodeSentence] { lock.withLock { sentences } }

    /// What the gateway's decoder turned away so far (must stay empty: the firmware speaks clean PCNT).
    var rejects: PCNTRejects { lock.withLock { decoder.rejects } }

    /// Waits for the first sentence at or after index `from` that satisfies `predicate`; returns its index.
    @discardableResult
    func waitFor(
        from: Int = 0, within seconds: Double, _ what: String, _ predicate: (NodeSentence) -> Bool
    ) async throws -> (index: Int, sentence: NodeSentence) {
        let deadline = Date().addingTimeInterval(seconds)
        var checked = from
        while true {
            let all = received
            while checked < all.count {
                if predicate(all[checked]) { return (checked, all[checked]) }
                checked += 1
            }
            guard Date() < deadline else {
                let tail = all.suffix(6).map { String(decoding: $0.encoded, as: UTF8.self) }.joined()
                throw TestFailure("no \(what) within \(seconds) s; last sentences:\n\(tail)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Waits for the answer to request `request`.
    func response(to request: UInt16, from: Int = 0, within seconds: Double = 10) async throws -> (
        index: Int, response: Response, tick: UInt32
    ) {
        let (index, sentence) = try await waitFor(from: from, within: seconds, "R for request \(request)") {
            if case .response(let response) = $0.message { return response.request == request }
            return false
        }
        guard case .response(let response) = sentence.message else { fatalError("unreachable") }
        return (index, response, sentence.tick)
    }

    /// Asks a question and waits for its answer.
    func ask(_ command: Command, within seconds: Double = 10) async throws -> Response {
        let from = received.count
        try send(command)
        return try await response(to: command.request, from: from, within: seconds).response
    }

    // MARK: - I/O

    private func readLoop() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(link, $0.baseAddress, $0.count) }
            if count <= 0 { return }
            lock.withLock {
                decoder.decode(buffer[0..<count]) { sentences.append($0) }
            }
        }
    }

    private func write(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else { throw TestFailure("writing to QEMU failed: errno \(errno)") }
            offset += written
        }
    }
}
