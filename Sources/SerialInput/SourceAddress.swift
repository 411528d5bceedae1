/// Where a sensor's bytes come from, as written in the config (`port:`).
///
/// - `/dev/ttyUSB0`, `/dev/serial/by-id/usb-FTDI_…-if00-port0`, `/dev/pts/3`: a serial device or a
///   pseudo-terminal (the simulator). The configured name is kept as written, so that a by-id name
///   survives re-enumeration; messages also show what it resolves to.
/// - `tcp://host:port`: a serial-over-IP converter (or the simulator, in tests). IPv6 hosts in brackets:
///   `tcp://[::1]:4001`.
public enum SourceAddress: Sendable, Hashable, CustomStringConvertible {
    case device(path: String)
    case tcp(host: String, port: UInt16)

    /// Parses a config string; the error says what is wrong and gives an example of a good one.
    public init(parsing text: String) throws(SourceError) {
        let text = text.trimmingWhitespace()
        func invalid(_ reason: String) -> SourceError { .invalidAddress(text, reason: reason) }
        if text.isEmpty {
            throw invalid("the port is empty; give a device such as /dev/ttyUSB0 or tcp://192.0.2.10:4001")
        }
        if text.hasPrefix("tcp://") {
            let rest = text.dropFirst("tcp://".count)
            let host: Substring
            let portText: Substring
            if rest.hasPrefix("[") {
                guard let close = rest.firstIndex(of: "]") else {
                    throw invalid("an IPv6 host needs a closing bracket, as in tcp://[::1]:4001")
                }
                host = rest[rest.index(after: rest.startIndex)..<close]
                let afterHost = rest[rest.index(after: close)...]
                guard afterHost.hasPrefix(":") else {
                    throw invalid("the port number is missing, as in tcp://[::1]:4001")
                }
                portText = afterHost.dropFirst()
            } else {
                guard let colon = rest.lastIndex(of: ":") else {
                    throw invalid("the port number is missing, as in tcp://192.0.2.10:4001")
                }
                host = rest[..<colon]
                portText = rest[rest.index(after: colon)...]
                if host.contains(":") {
                    throw invalid("put an IPv6 host in brackets, as in tcp://[::1]:4001")
                }
            }
            if host.isEmpty { throw invalid("the host is missing, as in tcp://192.0.2.10:4001") }
            if host.contains("/") || portText.contains("/") {
                throw invalid("a TCP source has no path; write tcp://host:port")
            }
            guard let port = UInt16(portText), port > 0 else {
                throw invalid("'\(portText)' is not a TCP port number (1–65535)")
            }
            self = .tcp(host: String(host), port: port)
        } else if let scheme = text.schemePrefix {
            throw invalid("'\(scheme)://' is not supported; use a device path or tcp://host:port")
        } else if text.hasPrefix("/") {
            if text.hasSuffix("/") {
                throw invalid("this is a directory, not a device; name the port itself")
            }
            self = .device(path: text)
        } else {
            throw invalid("a device path must be absolute, as in /dev/\(text)")
        }
    }

    /// The address as configured: `/dev/serial/by-id/…` or `tcp://host:port`.
    public var description: String {
        switch self {
        case .device(let path): path
        case .tcp(let host, let port):
            host.contains(":") ? "tcp://[\(host)]:\(port)" : "tcp://\(host):\(port)"
        }
    }

    /// The device a symlinked path resolves to now (`/dev/ttyUSB0` for a by-id name), or nil when it
    /// isn't a symlink, doesn't exist, or this is a TCP address.
    public var resolvedPath: String? {
        guard case .device(let path) = self, let resolved = system_realpath(path), resolved != path else {
            return nil
        }
        return resolved
    }

    /// How messages name the source: the configured name, and where it points if that differs.
    var displayName: String {
        if let resolvedPath { return "\(description) (\(resolvedPath))" }
        return description
    }
}

extension String {
    /// `udp` for `udp://…`: the part before the first `://`, if any.
    fileprivate var schemePrefix: Substring? {
        var rest = self[...]
        while let colon = rest.firstIndex(of: ":") {
            if self[colon...].hasPrefix("://") { return self[..<colon] }
            rest = rest[index(after: colon)...]
        }
        return nil
    }

    fileprivate func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0.isWhitespace }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) })
        else {
            return ""
        }
        return String(self[first...last])
    }
}
