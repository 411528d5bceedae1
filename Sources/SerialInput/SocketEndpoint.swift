#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A TCP connection to a serial-over-IP converter (or to the simulator).
final class SocketEndpoint: Endpoint {
    let fd: Int32

    private init(fd: Int32) {
        self.fd = fd
    }

    /// Tries each address `host` resolves to, each within `timeoutMillis`.
    static func connect(host: String, port: UInt16, timeoutMillis: Int, name: String) throws(SourceError)
        -> SocketEndpoint
    {
        let addresses: [(family: Int32, address: [UInt8])]
        switch system_resolveTCP(host: host, port: port) {
        case .success(let found): addresses = found
        case .failure(let failure):
            throw .unreachable(
                name, reason: "cannot resolve '\(host)' (\(failure.message)); check the host name")
        }
        var lastError = SourceError.unreachable(name, reason: "'\(host)' has no address")
        for candidate in addresses {
            switch attempt(candidate.family, candidate.address, timeoutMillis: timeoutMillis, name: name) {
            case .success(let fd): return SocketEndpoint(fd: fd)
            case .failure(let error): lastError = error
            }
        }
        throw lastError
    }

    private static func attempt(
        _ family: Int32, _ address: [UInt8], timeoutMillis: Int, name: String
    ) -> Result<Int32, SourceError> {
        let fd: Int32
        switch system_tcpSocket(family: family) {
        case .success(let socket): fd = socket
        case .failure(let errno): return .failure(.failed(name, operation: "socket", reason: errno.message))
        }
        func fail(_ error: SourceError) -> Result<Int32, SourceError> {
            system_close(fd)
            return .failure(error)
        }
        func refused(_ errno: Errno) -> SourceError {
            if errno.rawValue == ECONNREFUSED {
                return .unreachable(
                    name,
                    reason: "connection refused; is the converter (or passant-sim) listening on that port?")
            }
            return .unreachable(name, reason: errno.message)
        }
        switch system_connect(fd, address) {
        case .success: break
        case .failure(let errno) where errno.rawValue == EINPROGRESS || errno.rawValue == EINTR:
            var fds = [pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)]
            switch system_poll(&fds, timeoutMillis: Int32(clamping: timeoutMillis)) {
            case .success(0):
                return fail(
                    .unreachable(
                        name,
                        reason: "no answer within \(timeoutMillis) ms; check the address and the network"))
            case .success:
                switch system_socketError(fd) {
                case .success(0): break
                case .success(let code): return fail(refused(Errno(rawValue: code)))
                case .failure(let errno):
                    return fail(.failed(name, operation: "getsockopt", reason: errno.message))
                }
            case .failure(let errno):
                return fail(.failed(name, operation: "poll", reason: errno.message))
            }
        case .failure(let errno):
            return fail(refused(errno))
        }
        // Commands to the node are a few bytes; send them now rather than wait for more.
        _ = system_setSocketOption(fd, level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
        // A converter that loses power never closes the connection; keepalive eventually notices.
        _ = system_setSocketOption(fd, level: SOL_SOCKET, name: SO_KEEPALIVE, value: 1)
        return .success(fd)
    }

    func readAvailable(into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, EndpointFailure> {
        system_read(fd, buffer).mapError { EndpointFailure("read", $0) }
    }

    func writeAvailable(_ bytes: UnsafeRawBufferPointer) -> Result<Int, EndpointFailure> {
        system_send(fd, bytes).mapError { EndpointFailure("send", $0) }
    }

    func release() {
        system_close(fd)
    }
}
