// A loopback TCP proxy in front of the server that can lose replies: it forwards a
// CreateObservations request, lets the server answer in full (so the rows are stored), then closes
// the client's connection without a byte of the answer. That is the ambiguous failure: the client
// cannot know whether its rows arrived. It also counts the bytes the client sends.

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

final class LossyProxy: @unchecked Sendable {
    let port: Int
    private let upstreamPort: Int
    private let listener: Int32
    private let lock = NSLock()
    private var repliesToLose = 0
    private var lost = 0
    private var sent = 0

    init(upstreamPort: Int) throws {
        self.upstreamPort = upstreamPort
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) }
        }
        guard bound == 0, listen(listener, 64) == 0 else {
            throw ServerError(description: "proxy: cannot listen")
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    var url: String { "http://127.0.0.1:\(port)/sensorthings/v1.1" }

    /// Loses the replies to the next `count` CreateObservations requests.
    func loseReplies(_ count: Int) { lock.withLock { repliesToLose += count } }
    var repliesLost: Int { lock.withLock { lost } }
    /// Bytes the client sent through the proxy.
    var bytesFromClient: Int { lock.withLock { sent } }

    func close() {
        shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return address
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { return }
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: UInt16(upstreamPort))
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            if connected != 0 {
                Glibc.close(upstream)
                Glibc.close(client)
                continue
            }
            let connection = Connection(client: client, upstream: upstream)
            Thread { [self] in forwardRequests(connection) }.start()
            Thread { [self] in forwardReplies(connection) }.start()
        }
    }

    private final class Connection: @unchecked Sendable {
        let client: Int32
        let upstream: Int32
        let lock = NSLock()
        var loseReply = false
        var decided = false
        let decision = DispatchSemaphore(value: 0)
        let requestsDone = DispatchSemaphore(value: 0)

        init(client: Int32, upstream: Int32) {
            self.client = client
            self.upstream = upstream
        }
    }

    private func forwardRequests(_ connection: Connection) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        var head: [UInt8] = []
        while true {
            let count = read(connection.client, &buffer, buffer.count)
            if count <= 0 { break }
            if !connection.decided {
                head += buffer[0..<count]
                let text = String(decoding: head.prefix(200), as: UTF8.self)
                if text.contains("\r\n") || head.count >= 200 {
                    let isCreate = text.hasPrefix("POST ") && text.contains("/CreateObservations")
                    connection.loseReply =
                        isCreate
                        && lock.withLock {
                            guard repliesToLose > 0 else { return false }
                            repliesToLose -= 1
                            lost += 1
                            return true
                        }
                    connection.decided = true
                    connection.decision.signal()
                }
            }
            lock.withLock { sent += count }
            if !writeAll(connection.upstream, buffer, count) { break }
        }
        if !connection.decided {
            connection.decided = true
            connection.decision.signal()
        }
        shutdown(connection.upstream, Int32(SHUT_WR))
        connection.requestsDone.signal()
    }

    private func forwardReplies(_ connection: Connection) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        var lose: Bool?
        while true {
            let count = read(connection.upstream, &buffer, buffer.count)
            if count <= 0 { break }
            if lose == nil {
                connection.decision.wait()
                lose = connection.loseReply
            }
            if lose == true { continue }  // read the whole reply, so the server finishes its work
            if !writeAll(connection.client, buffer, count) { break }
        }
        shutdown(connection.client, Int32(SHUT_RDWR))
        shutdown(connection.upstream, Int32(SHUT_RDWR))
        connection.requestsDone.wait()
        Glibc.close(connection.client)
        Glibc.close(connection.upstream)
    }

    private func writeAll(_ fd: Int32, _ buffer: [UInt8], _ count: Int) -> Bool {
        var offset = 0
        while offset < count {
            // send with MSG_NOSIGNAL: a peer gone must not SIGPIPE the test process.
            let written = buffer.withUnsafeBytes {
                send(fd, $0.baseAddress! + offset, count - offset, Int32(MSG_NOSIGNAL))
            }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }
}
