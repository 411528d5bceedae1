#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A terminal libserialport will not open: above all the simulator's pseudo-terminal
/// (`sp_get_port_by_name("/dev/pts/N")` fails with SP_ERR_ARG, there being no sysfs entry).
/// Opened with plain termios into the same reader.
final class TerminalEndpoint: Endpoint {
    let fd: Int32

    private init(fd: Int32) {
        self.fd = fd
    }

    static func open(path: String, baud: Int, name: String) throws(SourceError) -> TerminalEndpoint {
        guard let speed = terminalSpeed(baud) else {
            throw .unsupported(name, reason: "baud rate \(baud) is not a standard terminal speed")
        }
        // O_NOCTTY: a sensor must never become the daemon's controlling terminal. O_NONBLOCK: open
        // does not wait for carrier, and reads never block (poll does the waiting).
        let fd: Int32
        switch system_open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC) {
        case .success(let opened): fd = opened
        case .failure(let errno): throw .opening(name, "open", errno: errno)
        }
        func fail(_ error: SourceError) -> SourceError {
            system_close(fd)
            return error
        }
        guard system_isatty(fd) else { throw fail(.unsupported(name, reason: "it is not a terminal")) }
        if case .failure(let errno) = system_lockExclusive(fd) {
            throw fail(
                errno.meansWouldBlock ? .busy(name) : .failed(name, operation: "flock", reason: errno.message)
            )
        }
        if case .failure(let errno) = system_makeRaw(fd, speed: speed) {
            throw fail(.failed(name, operation: "tcsetattr", reason: errno.message))
        }
        return TerminalEndpoint(fd: fd)
    }

    func readAvailable(into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, EndpointFailure> {
        system_read(fd, buffer).mapError { EndpointFailure("read", $0) }
    }

    func writeAvailable(_ bytes: UnsafeRawBufferPointer) -> Result<Int, EndpointFailure> {
        system_write(fd, bytes).mapError { EndpointFailure("write", $0) }
    }

    func release() {
        system_close(fd)
    }
}

/// The termios constant for a baud rate, or nil when termios has none.
func terminalSpeed(_ baud: Int) -> speed_t? {
    let speeds: [Int: Int32] = [
        1200: B1200, 2400: B2400, 4800: B4800, 9600: B9600, 19200: B19200, 38400: B38400, 57600: B57600,
        115_200: B115200, 230_400: B230400, 460_800: B460800, 500_000: B500000, 576_000: B576000,
        921_600: B921600, 1_000_000: B1000000, 1_500_000: B1500000, 2_000_000: B2000000, 3_000_000: B3000000,
    ]
    return speeds[baud].map { speed_t($0) }
}
