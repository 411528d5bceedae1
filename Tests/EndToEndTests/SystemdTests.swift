import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A datagram socket standing in for systemd's notify socket.
private final class NotifySocket {
    let path: String
    private let fd: Int32

    init(directory: URL) throws {
        path = directory.appendingPathComponent("notify.sock").path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw EndToEndError("socket: \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else { throw EndToEndError("bind \(path): \(errno)") }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Every message received within `seconds`.
    func messages(within seconds: Double, until done: (String) -> Bool) -> [String] {
        var received: [String] = []
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count > 0 {
                let message = String(decoding: buffer[0..<count], as: UTF8.self)
                received.append(message)
                if done(message) { break }
            }
        }
        return received
    }

    deinit { close(fd) }
}

@Suite("systemd")
struct SystemdTests {
    @Test func passantdSaysReadyFeedsTheWatchdogSaysStoppingAndLogsForJournald() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let notify = try NotifySocket(directory: directory)
        let config = directory.appendingPathComponent("passant.yaml")
        try """
        site: x
        store: {path: \(directory.path)/p.db}
        sensors:
          - {name: door, port: /dev/serial/by-id/usb-absent}
        """.write(to: config, atomically: true, encoding: .utf8)
        let daemon = try Program(
            "passantd", ["--config", config.path],
            environment: [
                "NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "2000000", "JOURNAL_STREAM": "8:1234",
            ])
        let start = notify.messages(within: 10) { $0.contains("WATCHDOG=1") }
        #expect(start.first?.hasPrefix("READY=1") == true, "\(start)")
        #expect(start.contains("WATCHDOG=1"))
        daemon.signal(SIGTERM)
        let end = notify.messages(within: 10) { $0.contains("STOPPING=1") }
        #expect(end.contains("STOPPING=1"), "\(end)")
        #expect(try await daemon.exit(within: 20) == 0)
        // journald reads the priority from a <N> prefix: 6 info, 4 warning.
        let lines = daemon.stderr.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("<6>passantd: passantd ") })
        #expect(lines.contains { $0.hasPrefix("<4>passantd: cannot open /dev/serial/by-id/usb-absent") })
        #expect(lines.allSatisfy { $0.first == "<" })
    }
}
