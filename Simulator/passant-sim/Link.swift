// Where the node's bytes go: a new pseudo-terminal, a TCP port on loopback, or a capture file.
//
// Like a real serial line, the link does not wait for anyone once the run has started: bytes sent while
// no reader is there are discarded (and counted). A pty master would otherwise queue them for whoever
// opens the slave next, so they are flushed when a reader leaves. Input from the reader (commands) is
// kept for the firmware emulation to answer (`takeInput`).

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The simulator's output link.
final class Link {
    enum Kind {
        case pty(master: Int32, path: String)
        case tcp(listener: Int32, port: UInt16)
        case file(fd: Int32, path: String)
    }

    let kind: Kind
    /// Bytes sent while nobody was reading.
    private(set) var discardedBytes = 0
    /// Readers that connected (pty opens, TCP connections).
    private(set) var readers = 0
    private var readerPresent = false
    private var client: Int32?
    private var fileBuffer: [UInt8] = []
    /// Bytes the reader sent, not yet taken.
    private var input: [UInt8] = []

    /// What the reader sent since the last call (commands for the firmware).
    func takeInput() -> [UInt8] {
        defer { input.removeAll(keepingCapacity: true) }
        return input
    }

    /// Whether a reader has the pty open or is connected.
    var hasReader: Bool {
        if case .file = kind { return true }
        return readerPresent
    }

    private init(_ kind: Kind) {
        self.kind = kind
    }

    static func pseudoTerminal() throws -> Link {
        let (master, path) = try SystemCalls.openPseudoTerminal()
        return Link(.pty(master: master, path: path))
    }

    static func tcp(port: UInt16) throws -> Link {
        let (listener, actual) = try SystemCalls.listenLoopback(port: port)
        return Link(.tcp(listener: listener, port: actual))
    }

    static func file(_ path: String) throws -> Link {
        Link(.file(fd: try SystemCalls.createFile(path), path: path))
    }

    /// The first line on stdout: how to reach the simulated node.
    var announcement: String {
        switch kind {
        case .pty(_, let path): return "pty \(path)"
        case .tcp(_, let port): return "tcp 127.0.0.1:\(port)"
        case .file(_, let path): return "file \(path)"
        }
    }

    /// Waits for a reader to open the pty or connect; `false` if asked to stop first. Files need none.
    func waitForReader() throws -> Bool {
        if case .file = kind { return true }
        while !SystemCalls.shouldStop {
            try serve(until: SystemCalls.monotonicNanos() + 100_000_000)
            if readerPresent { return true }
        }
        return false
    }

    /// Serves the link until the monotonic time `deadline` (ns): accepts connections, keeps input,
    /// notices readers leaving. Returns early when asked to stop, or when input came in.
    func serve(until deadline: Int64) throws {
        while !SystemCalls.shouldStop {
            let remaining = (deadline - SystemCalls.monotonicNanos()) / 1_000_000
            let timeout = Int32(clamping: max(0, min(remaining, 100)))
            switch kind {
            case .file:
                _ = try SystemCalls.poll([], timeoutMillis: timeout)
            case .pty(let master, _):
                let revents = try SystemCalls.poll(
                    [(master, Int16(POLLIN))], timeoutMillis: readerPresent ? timeout : 0)
                updatePseudoTerminalReader(revents[0], master: master)
                if !readerPresent {
                    // A pty without a reader reports a hang-up at once: sleep instead of spinning.
                    _ = try SystemCalls.poll([], timeoutMillis: min(timeout, 20))
                }
            case .tcp(let listener, _):
                var fds: [(fd: Int32, events: Int16)] = [(listener, Int16(POLLIN))]
                if let client { fds.append((client, Int16(POLLIN))) }
                let revents = try SystemCalls.poll(fds, timeoutMillis: timeout)
                if revents[0] & Int16(POLLIN) != 0 { try acceptClient(listener) }
                if revents.count > 1, revents[1] != 0, let client = self.client,
                    !SystemCalls.readAvailable(client, into: &input)
                {
                    dropClient()
                }
            }
            if remaining <= 0 || !input.isEmpty { return }
        }
    }

    /// Sends `bytes` to the reader, waiting while the reader is slow; discards them if there is none.
    func send(_ bytes: [UInt8]) throws {
        switch kind {
        case .file(let fd, let path):
            fileBuffer.append(contentsOf: bytes)
            if fileBuffer.count >= 1 << 16 {
                try SystemCalls.writeAll(fd, fileBuffer, path)
                fileBuffer.removeAll(keepingCapacity: true)
            }
        case .pty(let master, _):
            let revents = try SystemCalls.poll([(master, Int16(POLLIN))], timeoutMillis: 0)
            updatePseudoTerminalReader(revents[0], master: master)
            try push(bytes, to: master, socket: false)
        case .tcp:
            try serve(until: 0)  // one look: accept a new reader, notice one leaving
            guard let client else {
                discardedBytes += bytes.count
                return
            }
            try push(bytes, to: client, socket: true)
        }
    }

    /// Flushes a capture file and closes everything.
    func close() throws {
        switch kind {
        case .file(let fd, let path):
            try SystemCalls.writeAll(fd, fileBuffer, path)
            fileBuffer.removeAll()
            SystemCalls.close(fd)
        case .pty(let master, let path):
            // Closing the master hangs the line up and flushes what the reader has not read yet. A
            // node unplugged loses that too, but a simulation that ends should not: its last seconds
            // would be missing from the last bin. The reader gets up to 2 s to take them.
            if readerPresent { SystemCalls.waitUntilRead(pseudoTerminal: path, withinMillis: 2_000) }
            SystemCalls.close(master)
        case .tcp(let listener, _):
            dropClient()
            SystemCalls.close(listener)
        }
    }

    private func push(_ bytes: [UInt8], to fd: Int32, socket: Bool) throws {
        guard socket || readerPresent else {
            discardedBytes += bytes.count
            return
        }
        var offset = 0
        while offset < bytes.count {
            switch SystemCalls.write(fd, bytes[offset...], socket: socket) {
            case .wrote(let count):
                offset += count
            case .wouldBlock:
                if SystemCalls.shouldStop {
                    discardedBytes += bytes.count - offset
                    return
                }
                let revents = try SystemCalls.poll([(fd, Int16(POLLOUT))], timeoutMillis: 100)
                if revents[0] & Int16(POLLHUP | POLLERR) != 0 {
                    if socket { dropClient() } else { updatePseudoTerminalReader(revents[0], master: fd) }
                    discardedBytes += bytes.count - offset
                    return
                }
            case .closed:
                if socket { dropClient() } else { updatePseudoTerminalReader(Int16(POLLHUP), master: fd) }
                discardedBytes += bytes.count - offset
                return
            }
        }
    }

    private func updatePseudoTerminalReader(_ revents: Int16, master: Int32) {
        let present = revents & Int16(POLLHUP) == 0
        if present && !readerPresent { readers += 1 }
        if !present && readerPresent { SystemCalls.discardUnread(master: master) }
        readerPresent = present
        if present && revents & Int16(POLLIN) != 0 { _ = SystemCalls.readAvailable(master, into: &input) }
    }

    private func acceptClient(_ listener: Int32) throws {
        while let fd = try SystemCalls.accept(listener) {
            // One reader at a time, like a serial-over-IP converter; the newest connection wins.
            dropClient()
            client = fd
            readers += 1
            readerPresent = true
        }
    }

    private func dropClient() {
        if let client { SystemCalls.close(client) }
        client = nil
        readerPresent = false
    }
}
