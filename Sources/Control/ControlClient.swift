import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The CLI's end of the control socket.
public struct ControlClient: Sendable {
    /// Where passantd listens unless the configuration says otherwise (systemd's RuntimeDirectory).
    public static let defaultPath = "/run/passant/control.sock"

    public let path: String

    public init(path: String = Self.defaultPath) {
        self.path = path
    }

    /// Sends `request` and returns the reply; a reply with an error becomes a thrown error.
    public func request(_ request: ControlRequest, timeoutSeconds: Double = 15) throws(ControlError) -> ControlReply {
        let fd = try UnixSocket.connect(path)
        defer { close(fd) }
        try send(request, on: fd)
        var reader = LineReader(fd: fd)
        switch reader.next(timeoutMillis: Int32(timeoutSeconds * 1000)) {
        case .line(let line):
            guard let reply = try? JSONDecoder().decode(ControlReply.self, from: Data(line)) else {
                throw ControlError(.failed, "passantd sent a reply this passant does not understand; versions differ?")
            }
            if let error = reply.error { throw ControlError(.failed, error) }
            return reply
        case .closed:
            throw ControlError(.failed, "passantd closed the connection without a reply")
        case .timedOut:
            throw ControlError(.failed, "passantd did not answer within \(Int(timeoutSeconds)) s")
        case .failed(let message):
            throw ControlError(.failed, "reading passantd's reply: \(message)")
        }
    }

    /// Streams the live feed: `each` gets every event until it returns false or passantd stops.
    /// `tick` is called at least every `tickMillis` (to redraw, to check a deadline); returning
    /// false from it ends the feed too.
    public func watch(
        sensor: String?, tickMillis: Int32 = 500, tick: () -> Bool = { true }, _ each: (LiveMessage) -> Bool
    ) throws(ControlError) {
        let fd = try UnixSocket.connect(path)
        defer { close(fd) }
        try send(ControlRequest(.watch, sensor: sensor), on: fd)
        var reader = LineReader(fd: fd)
        let decoder = JSONDecoder()
        while true {
            switch reader.next(timeoutMillis: tickMillis) {
            case .line(let line):
                if let reply = try? decoder.decode(ControlReply.self, from: Data(line)), let error = reply.error {
                    throw ControlError(.failed, error)
                }
                guard let message = try? decoder.decode(LiveMessage.self, from: Data(line)) else { continue }
                if !each(message) { return }
                if !tick() { return }
            case .timedOut:
                if !tick() { return }
            case .closed:
                return
            case .failed(let message):
                throw ControlError(.failed, "reading the live feed: \(message)")
            }
        }
    }

    private func send(_ request: ControlRequest, on fd: Int32) throws(ControlError) {
        guard var bytes = try? JSONEncoder().encode(request) else {
            throw ControlError(.failed, "cannot encode the request")
        }
        bytes.append(UInt8(ascii: "\n"))
        guard UnixSocket.write(fd, Array(bytes)) else {
            throw ControlError(.failed, "passantd closed the connection: \(UnixSocket.errnoText())")
        }
    }
}
