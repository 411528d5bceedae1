// The real firmware image, running in QEMU, as a test sees it: the gateway UART as PCNT sentences
// (decoded by the gateway's own `PCNTDecoder`), and the beam inputs driven through the QEMU board's
// test port (Hardware/firmware/Board/qemu-mps2-an386.c).

import Foundation
import PCNT
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
    enum Clock {
        /// The node's tick follows the host's clock: for tests that answer what the node says.
        case realTime
        /// `-icount` without sleeping: the tick advances with the instructions run and jumps over idle
        /// time, so the node runs many times faster than real time and the same inputs give the same
        /// bytes. For tests whose inputs are all scheduled up front.
        case fast
    }

    private let pid: pid_t
    private let directory: TemporaryDirectory
    private let link: Int32
    private let testPort: Int32
    private let lock = NSLock()
    private var decoder = PCNTDecoder()
    private var sentences: [NodeSentence] = []
    private var closed = false

    init(clock: Clock) throws {
        let image = try Firmware.image.get()
        directory = try TemporaryDirectory("qemu-node")
        let linkPath = directory.file("uart0")
        let testPortPath = directory.file("uart1")
        var arguments = ["qemu-system-arm", "-M", "mps2-an386", "-nographic", "-monitor", "none"]
        if clock == .fast { arguments += ["-icount", "shift=3,sleep=off"] }
        arguments += [
            "-kernel", image,
            "-chardev", "socket,id=link,path=\(linkPath),server=on,wait=on", "-serial", "chardev:link",
            "-chardev", "socket,id=port,path=\(testPortPath),server=on,wait=on", "-serial", "chardev:port",
        ]
        pid = try Self.spawn(arguments)
        // QEMU waits for both connections before the node boots, so nothing it says is lost.
        link = try Self.connect(linkPath, pid: pid)
        testPort = try Self.connect(testPortPath, pid: pid)
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
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        shutdown(link, Int32(SHUT_RDWR))
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

    /// Starts QEMU with a clean signal mask and default handlers: a test runner's threads block signals
    /// that QEMU's own timers and shutdown rely on, and Foundation's `Process` passes the mask on.
    private static func spawn(_ arguments: [String]) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in 0...2 {
            posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, arguments[0], &actions, &attributes, &argv, environ)
        guard result == 0 else { throw TestFailure("cannot start \(arguments[0]): error \(result)") }
        return pid
    }

    private static func connect(_ path: String, pid: pid_t) throws -> Int32 {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == 0 else {
                throw TestFailure("qemu-system-arm exited at start")
            }
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (index, byte) in path.utf8.enumerated() where index < raw.count - 1 { raw[index] = byte }
            }
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            if connected == 0 { return fd }
            close(fd)
            usleep(20_000)
        }
        throw TestFailure("QEMU did not open \(path)")
    }
}
