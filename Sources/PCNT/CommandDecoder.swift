// The node side: gateway commands out of a serial byte stream. The firmware runs this, and so does the
// simulator's firmware emulation.

/// Turns the byte stream from a gateway into `Command`s.
///
/// The same framing, CRC, limits and resync rule as `PCNTDecoder`; only the bodies differ. Parameter
/// keys are not checked here: an unknown key must reach the node so that it can answer
/// `R,…,ERR,key,unknown-key`.
public struct CommandDecoder: Sendable {
    private var framer = SentenceFramer()

    public init() {}

    /// Commands and bytes turned away so far, by reason.
    public var rejects: PCNTRejects { framer.rejects }

    /// Commands delivered so far.
    public var commandsAccepted: Int { framer.accepted }

    /// Accepted commands that ended in a bare `\n` instead of `\r\n`.
    public var commandsWithBareLineFeed: Int { framer.acceptedWithBareLineFeed }

    /// Decodes `bytes`, calling `onCommand` for every command completed by them, in stream order.
    /// Bytes of a command not yet complete are kept for the next call.
    public mutating func decode<S: Sequence<UInt8>>(_ bytes: S, _ onCommand: (Command) -> Void) {
        framer.feed(bytes) { body in
            do throws(BodyRejection) {
                let command = try Command(body: body)
                onCommand(command)
                return nil
            } catch {
                return error
            }
        }
    }
}

extension Command {
    /// Reads a CRC-checked body, `TYPE,req,…`.
    init(body: [UInt8]) throws(BodyRejection) {
        var fields = Fields(body)
        let type = try fields.next()
        let isQuery = fields.matches(type, "Q")
        let isSet = fields.matches(type, "P")
        let isWrite = fields.matches(type, "W")
        let isHello = fields.matches(type, "H")
        let isReboot = fields.matches(type, "X")
        guard isQuery || isSet || isWrite || isHello || isReboot else {
            throw type.isEmpty ? .malformed : .unknownType
        }
        let request = UInt16(try fields.decimal(maximum: UInt64(UInt16.max)))
        if isQuery {
            self = .query(request: request, key: try fields.text())
        } else if isSet {
            let key = try fields.text()
            self = .set(request: request, key: key, value: try fields.text())
        } else if isWrite {
            self = .write(request: request)
        } else if isHello {
            self = .hello(request: request)
        } else {
            self = .reboot(request: request)
        }
        try fields.end()
    }
}
