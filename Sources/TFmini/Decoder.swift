// Finding data frames (`59 59 …`, 9 bytes) and command/reply frames (`5A Len …`) in a byte stream split
// anywhere, with noise. Both are protected only by an 8-bit sum, and `59 59` or `5A` can occur inside a
// payload, so a frame that fails its sum is not skipped whole: the search resumes at its second byte,
// where the real header of a frame that lost its start may be hiding.

/// What a decoder turned away, by reason.
public struct TFminiRejects: Sendable, Hashable {
    /// 9-byte candidates starting `59 59` whose checksum did not match.
    public var badFrameChecksum = 0
    /// Command or reply candidates (`5A`, a plausible length) whose checksum did not match.
    public var badMessageChecksum = 0
    /// Commands or replies with a good checksum that this side does not know (id or length).
    public var unknownMessages = 0
    /// Bytes skipped while looking for a header, the rest of a failed candidate included.
    public var noiseBytes = 0

    public init() {}

    /// Rejected candidates, all reasons together (noise bytes are not frames and are not included).
    public var total: Int { badFrameChecksum + badMessageChecksum + unknownMessages }
}

/// What the gateway reads from a TFmini: data frames, and replies to its commands.
public enum TFminiOutput: Sendable, Hashable {
    case frame(TFminiFrame)
    case reply(TFminiReply)
}

/// Turns the byte stream from a TFmini into frames and replies (the gateway's side).
///
/// Feed it chunks exactly as they come off the port. No clock, no I/O: the same bytes always give the
/// same frames and the same reject counts.
public struct TFminiDecoder: Sendable {
    private var framer = TFminiFramer(acceptsDataFrames: true)

    public init() {}

    public var rejects: TFminiRejects { framer.rejects }
    /// Data frames delivered so far.
    public var framesAccepted: Int { framer.dataFrames }
    /// Replies delivered so far.
    public var repliesAccepted: Int { framer.messages }

    /// Decodes `bytes`, calling `onOutput` for every frame or reply they complete, in stream order.
    public mutating func decode<S: Sequence<UInt8>>(_ bytes: S, _ onOutput: (TFminiOutput) -> Void) {
        framer.feed(
            bytes, onFrame: { onOutput(.frame($0)) },
            onMessage: { message in
                guard let reply = TFminiReply(message) else { return false }
                onOutput(.reply(reply))
                return true
            })
    }
}

/// Turns the byte stream from a gateway into commands (the sensor's side: the simulator's firmware).
public struct TFminiCommandDecoder: Sendable {
    private var framer = TFminiFramer(acceptsDataFrames: false)

    public init() {}

    public var rejects: TFminiRejects { framer.rejects }
    /// Commands delivered so far.
    public var commandsAccepted: Int { framer.messages }

    /// Decodes `bytes`, calling `onCommand` for every command they complete, in stream order.
    public mutating func decode<S: Sequence<UInt8>>(_ bytes: S, _ onCommand: (TFminiCommand) -> Void) {
        framer.feed(
            bytes, onFrame: { _ in },
            onMessage: { message in
                guard let command = TFminiCommand(message) else { return false }
                onCommand(command)
                return true
            })
    }
}

/// The framing shared by both sides. At most `maximumCommandLength` bytes are ever held.
struct TFminiFramer: Sendable {
    let acceptsDataFrames: Bool
    /// Bytes not yet decided, from `head` on. Compacted when the consumed prefix grows.
    private var pending: [UInt8] = []
    private var head = 0
    private(set) var rejects = TFminiRejects()
    private(set) var dataFrames = 0
    private(set) var messages = 0

    init(acceptsDataFrames: Bool) {
        self.acceptsDataFrames = acceptsDataFrames
        pending.reserveCapacity(64)
    }

    mutating func feed<S: Sequence<UInt8>>(
        _ bytes: S, onFrame: (TFminiFrame) -> Void, onMessage: (TFminiMessage) -> Bool
    ) {
        for byte in bytes {
            pending.append(byte)
            scan(onFrame: onFrame, onMessage: onMessage)
        }
    }

    private var available: Int { pending.count - head }

    private mutating func skip(_ count: Int) {
        head += count
        if head >= 32 || head == pending.count {
            pending.removeFirst(head)
            head = 0
        }
    }

    /// Decides as much of `pending` as can be decided.
    private mutating func scan(onFrame: (TFminiFrame) -> Void, onMessage: (TFminiMessage) -> Bool) {
        while available > 0 {
            let first = pending[head]
            if first == TFminiWire.frameHeader && acceptsDataFrames {
                guard available >= 2 else { return }
                guard pending[head + 1] == TFminiWire.frameHeader else {
                    rejects.noiseBytes += 1
                    skip(1)
                    continue
                }
                guard available >= TFminiWire.frameLength else { return }
                let end = head + TFminiWire.frameLength - 1
                if TFminiWire.checksum(pending[head..<end]) == pending[end] {
                    onFrame(
                        TFminiFrame(
                            distance: UInt16(pending[head + 2]) | UInt16(pending[head + 3]) << 8,
                            strength: UInt16(pending[head + 4]) | UInt16(pending[head + 5]) << 8,
                            temperatureRaw: UInt16(pending[head + 6]) | UInt16(pending[head + 7]) << 8))
                    dataFrames += 1
                    skip(TFminiWire.frameLength)
                } else {
                    rejects.badFrameChecksum += 1
                    skip(1)
                }
            } else if first == TFminiWire.commandHeader {
                guard available >= 2 else { return }
                let length = Int(pending[head + 1])
                guard (TFminiWire.minimumCommandLength...TFminiWire.maximumCommandLength).contains(length)
                else {
                    rejects.noiseBytes += 1
                    skip(1)
                    continue
                }
                guard available >= length else { return }
                let end = head + length - 1
                if TFminiWire.checksum(pending[head..<end]) == pending[end] {
                    let message = TFminiMessage(
                        id: pending[head + 2], payload: Array(pending[(head + 3)..<end]))
                    if onMessage(message) { messages += 1 } else { rejects.unknownMessages += 1 }
                    skip(length)
                } else {
                    rejects.badMessageChecksum += 1
                    skip(1)
                }
            } else {
                rejects.noiseBytes += 1
                skip(1)
            }
        }
    }
}
