import Synchronization

/// A real serial port (on-board UART, USB adapter) opened through libserialport.
final class SerialPortEndpoint: Endpoint {
    private let port: SerialPortPointer
    let fd: Int32
    // libserialport keeps per-port state; reads and writes from two threads take turns.
    private let lock = Mutex(())

    private init(port: SerialPortPointer, fd: Int32) {
        self.port = port
        self.fd = fd
    }

    /// Opens `port` (from `sp_get_port_by_name`) read/write at `baud`, 8N1, no flow control, and
    /// locks it. Takes ownership of `port` whatever happens.
    static func open(port: SerialPortPointer, baud: Int, name: String) throws(SourceError)
        -> SerialPortEndpoint
    {
        if case .failure(let failure) = sp_openReadWrite(port) {
            sp_freePort(port)
            throw failure.asSourceError(name, "sp_open")
        }
        func fail(_ error: SourceError) -> SourceError {
            _ = sp_closePort(port)
            sp_freePort(port)
            return error
        }
        if case .failure(let failure) = sp_configure8N1(port, baud: baud) {
            throw fail(
                failure.isArgumentError
                    ? .unsupported(name, reason: "baud rate \(baud) is not possible")
                    : failure.asSourceError(name, "configure"))
        }
        let fd: Int32
        switch sp_fileDescriptor(port) {
        case .success(let handle): fd = handle
        case .failure(let failure): throw fail(failure.asSourceError(name, "sp_get_port_handle"))
        }
        if case .failure(let errno) = system_lockExclusive(fd) {
            throw fail(
                errno.meansWouldBlock ? .busy(name) : .failed(name, operation: "flock", reason: errno.message)
            )
        }
        // Best effort: other programs' opens fail with EBUSY while we hold it.
        _ = system_setExclusiveTerminal(fd)
        return SerialPortEndpoint(port: port, fd: fd)
    }

    func readAvailable(into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, EndpointFailure> {
        lock.withLock { _ in sp_readAvailable(port, into: buffer).mapError { EndpointFailure("read", $0) } }
    }

    func writeAvailable(_ bytes: UnsafeRawBufferPointer) -> Result<Int, EndpointFailure> {
        lock.withLock { _ in sp_writeAvailable(port, bytes).mapError { EndpointFailure("write", $0) } }
    }

    func release() {
        lock.withLock { _ in
            _ = sp_closePort(port)
            sp_freePort(port)
        }
    }
}
