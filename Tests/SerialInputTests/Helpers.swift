import Foundation

@testable import SerialInput

#if canImport(Glibc)
    import Glibc
#endif

/// A real pseudo-terminal, as the simulator makes one: the test holds the master, the code under test
/// opens the slave by its path.
final class PseudoTerminal {
    let master: Int32
    let slavePath: String
    private var masterOpen = true

    init() throws {
        // What posix_openpt/grantpt/unlockpt/ptsname do on Linux, which Glibc's Swift module does not
        // export: open the multiplexer, unlock the slave, ask its number (thread-safe, unlike ptsname).
        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard master >= 0 else { throw TestFailure("open /dev/ptmx: \(errnoText())") }
        let setLock: UInt = 0x4004_5431  // TIOCSPTLCK = _IOW('T', 0x31, int)
        let getNumber: UInt = 0x8004_5430  // TIOCGPTN = _IOR('T', 0x30, unsigned int)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard ioctl(master, setLock, &unlock) == 0, ioctl(master, getNumber, &number) == 0 else {
            let failure = TestFailure("unlocking the pty: \(errnoText())")
            Glibc.close(master)
            throw failure
        }
        slavePath = "/dev/pts/\(number)"
    }

    /// Writes all of `bytes` to the master (what the counter node sends).
    func send(_ bytes: some Collection<UInt8>) throws {
        let array = Array(bytes)
        var offset = 0
        while offset < array.count {
            let written = array.withUnsafeBytes { raw in
                Glibc.write(master, raw.baseAddress! + offset, array.count - offset)
            }
            guard written > 0 else { throw TestFailure("write to master: \(errnoText())") }
            offset += written
        }
    }

    /// Reads from the master (what passant sent the node) until `count` bytes came or `timeoutMillis` passed.
    func receive(_ count: Int, timeoutMillis: Int32 = 2000) throws -> [UInt8] {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 256)
        while received.count < count {
            var fds = [pollfd(fd: master, events: Int16(POLLIN), revents: 0)]
            guard poll(&fds, 1, timeoutMillis) == 1 else { break }
            let n = Glibc.read(master, &buffer, min(buffer.count, count - received.count))
            guard n > 0 else { break }
            received += buffer[..<n]
        }
        return received
    }

    /// The node goes away: the simulator exits, or the cable is pulled.
    func closeMaster() {
        if masterOpen { Glibc.close(master) }
        masterOpen = false
    }

    deinit { closeMaster() }
}

/// A TCP listener on 127.0.0.1 with a port chosen by the kernel: a serial-over-IP converter.
final class LoopbackListener {
    let fd: Int32
    let port: UInt16

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 4) == 0 else { throw TestFailure("bind/listen: \(errnoText())") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
    }

    var address: SourceAddress { .tcp(host: "127.0.0.1", port: port) }

    /// The connection the source made (it completed in the backlog already).
    func accept() throws -> Int32 {
        let connection = Glibc.accept(fd, nil, nil)
        guard connection >= 0 else { throw TestFailure("accept: \(errnoText())") }
        return connection
    }

    deinit { Glibc.close(fd) }
}

/// Writes all of `bytes` to a socket.
func sendAll(_ fd: Int32, _ bytes: [UInt8]) {
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeBytes {
            send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
        }
        if n <= 0 { return }
        offset += n
    }
}

/// Reads from `source` until `count` bytes arrived, with reads of the given sizes in turn.
func readExactly(_ count: Int, from source: any ByteSource, chunkSizes: [Int] = [4096]) throws -> [UInt8] {
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: chunkSizes.max()!)
    var turn = 0
    var idleReads = 0
    while received.count < count && idleReads < 20 {
        let size = min(chunkSizes[turn % chunkSizes.count], count - received.count)
        turn += 1
        let n = try buffer.withUnsafeMutableBytes { raw in
            try source.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[..<size]), timeoutMillis: 100)
        }
        idleReads = n == 0 ? idleReads + 1 : 0
        received += buffer[..<n]
    }
    return received
}

/// Reads until the source throws, for at most `reads` reads; returns the error.
func readUntilError(_ source: any ByteSource, reads: Int = 50, timeoutMillis: Int = 100) -> SourceError? {
    var buffer = [UInt8](repeating: 0, count: 256)
    for _ in 0..<reads {
        do {
            _ = try buffer.withUnsafeMutableBytes { try source.read(into: $0, timeoutMillis: timeoutMillis) }
        } catch let error as SourceError {
            return error
        } catch {
            return nil
        }
    }
    return nil
}

/// A deterministic byte pattern and split sizes (a linear congruential generator).
struct Pattern {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next(_ range: ClosedRange<Int>) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return range.lowerBound + Int((state >> 33) % UInt64(range.count))
    }

    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(next(0...255)) } }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func errnoText() -> String { String(cString: strerror(errno)) }
