#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a byte source could not be opened, read or written. Each case carries the source as messages
/// name it (configured name, and the device it resolves to) and its `description` says what to do.
///
/// The daemon treats `.disconnected` apart from the rest: the sensor is marked down and the source
/// reopened with backoff.
public enum SourceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The config string is neither a device path nor `tcp://host:port`.
    case invalidAddress(String, reason: String)
    /// Nothing at that path (unplugged, wrong name).
    case noSuchPort(String)
    /// Another program holds the port.
    case busy(String)
    /// The user running passant may not open the port.
    case permissionDenied(String)
    /// The path exists but is not a serial device or terminal, or a setting (baud) is not possible.
    case unsupported(String, reason: String)
    /// A TCP source could not be reached: name not resolved, connection refused, no answer in time.
    case unreachable(String, reason: String)
    /// The source went away while open: USB adapter unplugged, pty master closed, TCP peer closed.
    case disconnected(String, reason: String)
    /// The source was used after `close()` (or closed while a read waited).
    case closed(String)
    /// Any other failure of the operating system or libserialport.
    case failed(String, operation: String, reason: String)

    public var description: String {
        switch self {
        case .invalidAddress(let text, let reason):
            "'\(text)' is not a port address: \(reason)"
        case .noSuchPort(let port):
            "no such port \(port); check the cable and `passant ports`"
        case .busy(let port):
            "\(port) is in use by another program; stop it or use `passant ports`"
        case .permissionDenied(let port):
            "no permission to open \(port); add the passant user to the dialout group (or install the udev rule)"
        case .unsupported(let port, let reason):
            "cannot use \(port): \(reason)"
        case .unreachable(let address, let reason):
            "cannot connect to \(address): \(reason)"
        case .disconnected(let port, let reason):
            "\(port) disconnected (\(reason)); reconnecting"
        case .closed(let port):
            "\(port) is closed"
        case .failed(let port, let operation, let reason):
            "\(operation) failed on \(port): \(reason)"
        }
    }

    /// Maps the errno of an `open` (or `sp_open`) to the case that tells a technician what to do.
    static func opening(_ port: String, _ operation: String, errno: Errno) -> SourceError {
        switch errno.rawValue {
        case ENOENT, ENODEV, ENXIO: .noSuchPort(port)
        case EBUSY, EAGAIN: .busy(port)
        case EACCES, EPERM: .permissionDenied(port)
        default: .failed(port, operation: operation, reason: errno.message)
        }
    }
}
