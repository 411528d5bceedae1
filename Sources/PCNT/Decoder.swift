// The gateway side: node sentences out of a serial byte stream.

/// Turns the byte stream from a counter node into `NodeSentence`s.
///
/// Feed it chunks exactly as they come off the port: a sentence may be split anywhere between calls,
/// and noise may sit between or inside sentences. Whatever cannot be accepted is counted in `rejects`
/// and skipped up to the next `$`. The decoder keeps no clock and does no I/O, so the same bytes always
/// give the same sentences and the same counts.
///
/// ```swift
/// var decoder = PCNTDecoder()
/// decoder.decode(chunk) { sentence in timeline.observe(sentence) }
/// ```
public struct PCNTDecoder: Sendable {
    private var framer = SentenceFramer()

    public init() {}

    /// Sentences and bytes turned away so far, by reason.
    public var rejects: PCNTRejects { framer.rejects }

    /// Sentences delivered so far.
    public var sentencesAccepted: Int { framer.accepted }

    /// Accepted sentences that ended in a bare `\n` instead of `\r\n`. Not an error, but a sign that
    /// something between node and gateway rewrites line ends (a tty not in raw mode, a USB bridge).
    public var sentencesWithBareLineFeed: Int { framer.acceptedWithBareLineFeed }

    /// Decodes `bytes`, calling `onSentence` for every sentence completed by them, in stream order.
    /// Bytes of a sentence not yet complete are kept for the next call.
    public mutating func decode<S: Sequence<UInt8>>(_ bytes: S, _ onSentence: (NodeSentence) -> Void) {
        framer.feed(bytes) { body in
            do throws(BodyRejection) {
                let sentence = try NodeSentence(body: body)
                onSentence(sentence)
                return nil
            } catch {
                return error
            }
        }
    }
}

extension NodeSentence {
    /// Reads a CRC-checked body, `TYPE,seq,t,…`.
    init(body: [UInt8]) throws(BodyRejection) {
        var fields = Fields(body)
        let type = try fields.next()
        let kind: SentenceType
        if fields.matches(type, "B") {
            kind = .beam
        } else if fields.matches(type, "D") {
            kind = .distances
        } else if fields.matches(type, "K") {
            kind = .keepalive
        } else if fields.matches(type, "S") {
            kind = .status
        } else if fields.matches(type, "R") {
            kind = .response
        } else if fields.matches(type, "HELLO") {
            kind = .hello
        } else {
            // An empty type is a broken sentence; a non-empty one may be a newer node's sentence.
            throw type.isEmpty ? .malformed : .unknownType
        }

        let seq = UInt16(try fields.decimal(maximum: UInt64(UInt16.max)))
        let tick = UInt32(try fields.decimal(maximum: UInt64(UInt32.max)))
        let message: NodeMessage
        switch kind {
        case .hello:
            let version = Int(try fields.decimal(maximum: UInt64(UInt16.max)))
            let nodeID = try fields.nodeID()
            let firmware = try fields.text()
            let kindField = try fields.next()
            let nodeKind: NodeKind
            if fields.matches(kindField, "IR2") {
                nodeKind = .ir2
            } else if fields.matches(kindField, "TOF2") {
                nodeKind = .tof2
            } else {
                throw .malformed
            }
            message = .hello(
                Hello(protocolVersion: version, nodeID: nodeID, firmware: firmware, kind: nodeKind))
        case .beam:
            let channelField = try fields.next()
            let channel: Channel
            if fields.matches(channelField, "A") {
                channel = .a
            } else if fields.matches(channelField, "B") {
                channel = .b
            } else {
                throw .malformed
            }
            let state = try fields.decimal(maximum: 1)
            message = .beam(channel, interrupted: state == 1)
        case .distances:
            let aMillimetres = UInt32(try fields.decimal(maximum: UInt64(UInt32.max)))
            let aStrength = UInt16(try fields.decimal(maximum: UInt64(UInt16.max)))
            let bMillimetres = UInt32(try fields.decimal(maximum: UInt64(UInt32.max)))
            let bStrength = UInt16(try fields.decimal(maximum: UInt64(UInt16.max)))
            message = .distances(
                aMillimetres: aMillimetres, aStrength: aStrength, bMillimetres: bMillimetres,
                bStrength: bStrength)
        case .status:
            let uptime = UInt32(try fields.decimal(maximum: UInt64(UInt32.max)))
            let temperature = try fields.signedDecimal32()
            let supply = UInt32(try fields.decimal(maximum: UInt64(UInt32.max)))
            // Unknown flag bits are kept: a newer node may report more than this gateway can name.
            let flags = NodeStatus.Flags(rawValue: UInt16(try fields.hex(maximum: UInt64(UInt16.max))))
            message = .status(
                NodeStatus(
                    uptimeSeconds: uptime, temperatureDeciCelsius: temperature, supplyMillivolts: supply,
                    flags: flags))
        case .keepalive:
            message = .keepalive
        case .response:
            let request = UInt16(try fields.decimal(maximum: UInt64(UInt16.max)))
            let statusField = try fields.next()
            let ok: Bool
            if fields.matches(statusField, "OK") {
                ok = true
            } else if fields.matches(statusField, "ERR") {
                ok = false
            } else {
                throw .malformed
            }
            let key = try fields.text()
            let value = try fields.text()
            message = .response(Response(request: request, ok: ok, key: key, value: value))
        }
        try fields.end()
        self.init(seq: seq, tick: tick, message: message)
    }
}

/// The node sentence types of PCNT v1, by their type field.
private enum SentenceType {
    case hello, beam, distances, status, keepalive, response
}
