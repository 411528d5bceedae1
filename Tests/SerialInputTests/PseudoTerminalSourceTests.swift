import Foundation
import Testing

@testable import SerialInput

#if canImport(Glibc)
    import Glibc
#endif

/// The simulator's virtual port, and so the path every end-to-end test takes.
@Suite("pseudo-terminal sources")
struct PseudoTerminalSourceTests {
    @Test("libserialport refuses a pty path, and openSource routes it to termios instead")
    func routedToTermios() throws {
        let pty = try PseudoTerminal()
        guard case .failure(let failure) = sp_getPortByName(pty.slavePath) else {
            Issue.record("libserialport accepted \(pty.slavePath); the termios route would be unnecessary")
            return
        }
        #expect(failure.isArgumentError)

        let source = try openSource(.device(path: pty.slavePath), baud: 115_200)
        defer { source.close() }
        #expect((source as? PolledSource)?.endpoint is TerminalEndpoint)
        try pty.send([0x50, 0x43, 0x4E, 0x54])
        #expect(try readExactly(4, from: source) == [0x50, 0x43, 0x4E, 0x54])
    }

    @Test("bytes written to the master arrive in order, however the writes and reads are split")
    func bytesArriveInOrder() throws {
        let pty = try PseudoTerminal()
        let source = try openSource(.device(path: pty.slavePath), baud: 115_200)
        defer { source.close() }
        var pattern = Pattern(seed: 42)
        let data = pattern.bytes(20_000)  // includes 0x00, 0x03 (^C), 0x0D, 0x11 (XON): raw mode passes them
        var received: [UInt8] = []
        var offset = 0
        while offset < data.count {
            let chunk = min(pattern.next(1...700), data.count - offset)
            try pty.send(data[offset..<offset + chunk])
            offset += chunk
            let sizes = (0..<8).map { _ in pattern.next(1...97) }
            received += try readExactly(offset - received.count, from: source, chunkSizes: sizes)
        }
        #expect(received.count == data.count)
        #expect(received == data)
    }

    @Test("a read with nothing to read returns 0 after its timeout")
    func readTimeout() throws {
        let pty = try PseudoTerminal()
        let source = try openSource(.device(path: pty.slavePath), baud: 9600)
        defer { source.close() }
        var buffer = [UInt8](repeating: 0, count: 16)
        let clock = ContinuousClock()
        let started = clock.now
        let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0, timeoutMillis: 150) }
        let elapsed = clock.now - started
        #expect(count == 0)
        #expect(elapsed >= .milliseconds(140))
        #expect(elapsed < .seconds(2))
    }

    @Test("closing the master surfaces .disconnected")
    func masterClosed() throws {
        let pty = try PseudoTerminal()
        let source = try openSource(.device(path: pty.slavePath), baud: 115_200)
        defer { source.close() }
        try pty.send([1, 2, 3])
        pty.closeMaster()
        let error = readUntilError(source)
        guard case .disconnected(let name, _) = error else {
            Issue.record("expected .disconnected, got \(String(describing: error))")
            return
        }
        #expect(name == pty.slavePath)
        #expect(error?.description.contains("reconnecting") == true)
    }

    @Test("writes reach the master")
    func writesReachMaster() throws {
        let pty = try PseudoTerminal()
        let source = try openSource(.device(path: pty.slavePath), baud: 115_200)
        defer { source.close() }
        let command: [UInt8] = Array("$PCNT,CFG,BIN=60*1A\r\n".utf8) + [0x00, 0xFF]
        try source.write(command)
        #expect(try pty.receive(command.count) == command)
    }

    @Test("a second reader of the same pty is told the port is busy")
    func busy() throws {
        let pty = try PseudoTerminal()
        let first = try openSource(.device(path: pty.slavePath), baud: 115_200)
        defer { first.close() }
        let error = #expect(throws: SourceError.self) {
            try openSource(.device(path: pty.slavePath), baud: 115_200)
        }
        #expect(error == .busy(pty.slavePath))
        #expect(
            error?.description
                == "\(pty.slavePath) is in use by another program; stop it or use `passant ports`")
    }

    @Test("close() from another thread wakes a waiting read, which throws .closed")
    func closeWakesRead() async throws {
        let pty = try PseudoTerminal()
        let source = try openSource(.device(path: pty.slavePath), baud: 115_200)
        let clock = ContinuousClock()
        let started = clock.now
        // A thread of its own, as in the daemon: a busy test run must not delay the read's start.
        let outcome = await withCheckedContinuation { (done: CheckedContinuation<SourceError?, Never>) in
            Thread {
                done.resume(returning: readUntilError(source, reads: 1, timeoutMillis: 120_000))
            }.start()
            Thread.sleep(forTimeInterval: 0.1)
            source.close()
        }
        // The read was given two minutes; close() must end it long before, even on a busy machine.
        #expect(outcome == .closed(pty.slavePath))
        #expect(clock.now - started < .seconds(60))
        let afterClose = readUntilError(source, reads: 1)
        #expect(afterClose == .closed(pty.slavePath))
        source.close()  // twice is fine
    }

    @Test("a symlinked name is kept, and messages show where it points")
    func symlinkKeepsConfiguredName() throws {
        let pty = try PseudoTerminal()
        let link = FileManager.default.temporaryDirectory.appendingPathComponent(
            "passant-port-\(UUID().uuidString)"
        ).path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: pty.slavePath)
        defer { try? FileManager.default.removeItem(atPath: link) }
        let address = try SourceAddress(parsing: link)
        #expect(address.description == link)
        #expect(address.resolvedPath == pty.slavePath)
        let source = try openSource(address, baud: 115_200)
        defer { source.close() }
        #expect(source.address == address)
        pty.closeMaster()
        let error = readUntilError(source)
        #expect(
            error?.description.hasPrefix("\(link) (\(pty.slavePath)) disconnected") == true,
            "\(String(describing: error))")
    }

    @Test("a baud rate termios does not have is refused")
    func unsupportedBaud() throws {
        let pty = try PseudoTerminal()
        let error = #expect(throws: SourceError.self) {
            try openSource(.device(path: pty.slavePath), baud: 12_345)
        }
        #expect(error?.description.contains("baud rate 12345") == true)
    }
}

@Suite("device errors")
struct DeviceErrorTests {
    @Test("a missing device says to check the cable")
    func missingDevice() {
        let error = #expect(throws: SourceError.self) {
            try openSource(.device(path: "/dev/ttyUSB-passant-none"), baud: 115_200)
        }
        #expect(error == .noSuchPort("/dev/ttyUSB-passant-none"))
        #expect(
            error?.description == "no such port /dev/ttyUSB-passant-none; check the cable and `passant ports`"
        )
    }

    @Test("a regular file is not a serial device")
    func regularFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "passant-not-a-port-\(UUID().uuidString)"
        ).path
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: SourceError.self) { try openSource(.device(path: path), baud: 115_200) }
        #expect(error == .unsupported(path, reason: "it is not a serial device"))
    }

    @Test("listing the ports works, whatever this machine has")
    func listing() throws {
        let ports = try listPorts()
        for port in ports {
            #expect(port.name.hasPrefix("/dev/"))
            if let link = port.byIDPath { #expect(link.hasPrefix("/dev/serial/by-id/")) }
        }
    }
}
