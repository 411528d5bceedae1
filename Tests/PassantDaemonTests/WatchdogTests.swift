import Foundation
import Logging
import Synchronization
import Testing

@testable import PassantDaemon

#if canImport(Glibc)
    import Glibc
#endif

/// A datagram socket standing in for systemd's notify socket.
private final class NotifySocket {
    let path: String
    private let fd: Int32

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString).sock").path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try #require(fd >= 0 && bound == 0, "cannot bind \(path)")
    }

    /// Every message received within `seconds`, or until `done` says enough. Polls without blocking: the supervisor under test runs
    /// on the same (small) cooperative thread pool.
    func messages(within seconds: Double, until done: ([String]) -> Bool = { _ in false }) async throws -> [String] {
        var received: [String] = []
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline && !done(received) {
            let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count > 0 {
                received.append(String(decoding: buffer[0..<count], as: UTF8.self))
            } else {
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        return received
    }

    deinit {
        close(fd)
        unlink(path)
    }
}

/// Keeps the messages logged at `critical`.
private struct CriticalLog: LogHandler {
    let lines: Lines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        if event.level == .critical { lines.append("\(event.message)") }
    }
}

private final class Lines: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    func append(_ line: String) { lines.withLock { $0.append(line) } }
}

@Suite("watchdog")
struct WatchdogTests {
    /// The supervisor feeds systemd's watchdog (WATCHDOG_USEC 0.2 s: every 0.1 s) while the sensor loop
    /// turns, withholds it while the loop is stuck, and feeds it again once the loop turns again.
    @Test func aHungSensorLoopWithholdsTheWatchdogSoSystemdRestartsPassantd() async throws {
        let notify = try NotifySocket()
        let board = StatusBoard()
        board.register("door", port: "/dev/ttyUSB0")
        let captured = Lines()
        let logger = Logger(label: "test") { _ in CriticalLog(lines: captured) }
        let supervisor = Supervisor(
            board: board, notifier: SystemdNotifier(environment: ["NOTIFY_SOCKET": notify.path]),
            watchdogMicroseconds: 200_000, logger: logger)
        let running = Task { try await supervisor.run() }
        defer { running.cancel() }

        // Generous time limits: the machine running the tests may be busy.
        let watchdogs: ([String]) -> Int = { $0.filter { $0 == "WATCHDOG=1" }.count }
        board.update("door") { $0.heartbeat = monotonicSeconds() }
        let turning = try await notify.messages(within: 10) { watchdogs($0) >= 2 }
        #expect(watchdogs(turning) >= 2, "\(turning)")

        // The loop's last turn was 11 s ago: hung. Once the supervisor has said so, nothing feeds the watchdog.
        board.update("door") { $0.heartbeat = monotonicSeconds() - 11 }
        let deadline = Date().addingTimeInterval(10)
        while !captured.all.contains(where: { $0.contains("sensor loop hung: door") }) && Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(captured.all.contains { $0.contains("sensor loop hung: door") }, "\(captured.all)")
        _ = try await notify.messages(within: 0.05)
        let hung = try await notify.messages(within: 0.8)
        #expect(!hung.contains("WATCHDOG=1"), "the watchdog was fed while the loop hung: \(hung)")

        board.update("door") { $0.heartbeat = monotonicSeconds() }
        let recovered = try await notify.messages(within: 10) { watchdogs($0) >= 1 }
        #expect(recovered.contains("WATCHDOG=1"), "\(recovered)")

        running.cancel()
        let stopping = try await notify.messages(within: 10) { $0.contains("STOPPING=1") }
        #expect(stopping.contains("STOPPING=1"), "\(stopping)")
    }

    @Test func aLoopThatHasNotStartedYetIsNotHung() async throws {
        let notify = try NotifySocket()
        let board = StatusBoard()
        board.register("door", port: "/dev/ttyUSB0")  // heartbeat 0: still opening its port
        let supervisor = Supervisor(
            board: board, notifier: SystemdNotifier(environment: ["NOTIFY_SOCKET": notify.path]),
            watchdogMicroseconds: 200_000, logger: Logger(label: "test"))
        let running = Task { try await supervisor.run() }
        defer { running.cancel() }
        #expect(try await notify.messages(within: 10) { $0.contains("WATCHDOG=1") }.contains("WATCHDOG=1"))
    }
}
