import Testing

@testable import SerialInput

#if canImport(Glibc)
    import Glibc
#endif

@Suite("TCP sources")
struct TCPSourceTests {
    @Test("bytes sent by the converter arrive in order, and writes reach it")
    func dataBothWays() throws {
        let listener = try LoopbackListener()
        let source = try openSource(listener.address, baud: 115_200)
        defer { source.close() }
        let connection = try listener.accept()
        defer { close(connection) }

        var pattern = Pattern(seed: 7)
        let data = pattern.bytes(50_000)
        sendAll(connection, data)
        #expect(try readExactly(data.count, from: source, chunkSizes: [1, 13, 512, 4096]) == data)

        let command = Array("$PCNT,PING*00\r\n".utf8)
        try source.write(command)
        var buffer = [UInt8](repeating: 0, count: 64)
        var fds = [pollfd(fd: connection, events: Int16(POLLIN), revents: 0)]
        #expect(poll(&fds, 1, 2000) == 1)
        let n = recv(connection, &buffer, buffer.count, 0)
        #expect(Array(buffer[..<max(0, n)]) == command)
    }

    @Test("the converter closing the connection surfaces .disconnected")
    func serverCloses() throws {
        let listener = try LoopbackListener()
        let source = try openSource(listener.address, baud: 115_200)
        defer { source.close() }
        let connection = try listener.accept()
        sendAll(connection, [9, 8, 7])
        close(connection)
        #expect(try readExactly(3, from: source) == [9, 8, 7])
        let error = readUntilError(source)
        guard case .disconnected(let name, _) = error else {
            Issue.record("expected .disconnected, got \(String(describing: error))")
            return
        }
        #expect(name == "tcp://127.0.0.1:\(listener.port)")
    }

    @Test("a refused connection says so and what to check")
    func connectionRefused() throws {
        // A port that was just free: bind, note it, close.
        let port = try LoopbackListener().port
        let address = SourceAddress.tcp(host: "127.0.0.1", port: port)
        let error = #expect(throws: SourceError.self) { try openSource(address, baud: 115_200) }
        guard case .unreachable(let name, let reason) = error else {
            Issue.record("expected .unreachable, got \(String(describing: error))")
            return
        }
        #expect(name == "tcp://127.0.0.1:\(port)")
        #expect(reason.contains("connection refused"))
        #expect(
            error?.description.hasPrefix("cannot connect to tcp://127.0.0.1:\(port): connection refused")
                == true)
    }

    @Test("a host name that does not resolve is reported as such")
    func unresolvable() {
        let error = #expect(throws: SourceError.self) {
            try openSource(
                .tcp(host: "no-such-host.invalid", port: 4001), baud: 115_200, connectTimeoutMillis: 500)
        }
        #expect(
            error?.description.contains("cannot resolve 'no-such-host.invalid'") == true,
            "\(String(describing: error))")
    }
}
