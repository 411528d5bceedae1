// Finding `$<body>*<CRC>\r\n` in a byte stream. Shared by the node-sentence decoder (gateway side) and
// the command decoder (firmware side): both see the same framing, CRC and resync rules, and differ only
// in how they read a body.

/// What a decoder turned away, by reason. Each rejected sentence is counted once, under the first
/// reason found while reading it (in stream order; the CRC is checked before the body is read).
public struct PCNTRejects: Sendable, Hashable {
    /// Complete sentences whose CRC did not match their body.
    public var badCRC = 0
    /// Sentences that reached more than 120 bytes (`PCNTLimits.maxSentenceBytes`) without a line end.
    public var tooLong = 0
    /// Sentences cut short by a `$`, or with a missing `*`, a bad CRC field or line end, a non-printable
    /// byte, a wrong field count, or a field that is not in the grammar (number out of range, unknown
    /// channel, state, kind or status, non-canonical number).
    public var malformed = 0
    /// Sentences with a good CRC whose type this decoder does not know.
    public var unknownType = 0
    /// Bytes outside any sentence: between a line end (or the start of the stream) and the next `$`.
    /// Bytes of a rejected sentence are not noise; they were counted with that sentence.
    public var noiseBytes = 0

    public init() {}

    /// Rejected sentences, all reasons together (noise bytes are not sentences and are not included).
    public var total: Int { badCRC + tooLong + malformed + unknownType }
}

/// Why a framed body with a good CRC could not be read.
enum BodyRejection: Error {
    case malformed
    case unknownType
}

/// Cuts a byte stream into CRC-checked sentence bodies.
///
/// States: hunting for `$`; reading the body up to `*`; reading four uppercase hex CRC digits; waiting
/// for `\n` after `\r`; discarding the rest of a rejected line. A `$` always starts a new sentence,
/// whatever the state, so one bad sentence never costs the next one.
struct SentenceFramer: Sendable {
    private enum State: Sendable {
        case hunting
        case body
        case checksum
        case lineFeed
        case discarding
    }

    private var state = State.hunting
    /// The body so far; capacity reserved once, reused for every sentence.
    private var body: [UInt8]
    /// Bytes of the current sentence, `$` included.
    private var length = 0
    /// CRC of the body so far, computed as the bytes arrive so a sentence is read only once.
    private var crc: UInt16 = 0xFFFF
    private var receivedCRC: UInt16 = 0
    private var checksumDigits = 0

    /// `CRC16.update` as a table, one lookup per byte instead of eight shifts: the framer is the hot loop
    /// of a replay. Held by the instance so the hot loop does not go through a lazy global's accessor.
    private let crcTable = CRC16Table.shared

    private(set) var rejects = PCNTRejects()
    private(set) var accepted = 0
    private(set) var acceptedWithBareLineFeed = 0

    init() {
        body = []
        body.reserveCapacity(PCNTLimits.maxSentenceBytes)
    }

    /// Feeds bytes; calls `readBody` with every body whose CRC matched. `readBody` returns `nil` when it
    /// accepted the body, or why it did not.
    mutating func feed<S: Sequence<UInt8>>(_ bytes: S, _ readBody: ([UInt8]) -> BodyRejection?) {
        // Arrays, slices and buffers go through a tight non-generic loop; other sequences byte by byte.
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            feed(buffer: buffer, readBody)
        }
        if done == nil {
            for byte in bytes { push(byte, readBody) }
        }
    }

    private mutating func feed(buffer: UnsafeBufferPointer<UInt8>, _ readBody: ([UInt8]) -> BodyRejection?) {
        for byte in buffer { push(byte, readBody) }
    }

    @inline(__always)
    private mutating func push(_ byte: UInt8, _ readBody: ([UInt8]) -> BodyRejection?) {
        switch state {
        case .hunting:
            if byte == ASCII.dollar { begin() } else { rejects.noiseBytes += 1 }
            return
        case .discarding:
            if byte == ASCII.dollar {
                begin()
            } else if byte == ASCII.lineFeed {
                state = .hunting
            }
            return
        case .body, .checksum, .lineFeed:
            break
        }

        if byte == ASCII.dollar {
            // A sentence cut short, typically by lost bytes: the new one is the one to keep.
            rejects.malformed += 1
            begin()
            return
        }
        length += 1
        if length > PCNTLimits.maxSentenceBytes {
            rejects.tooLong += 1
            abandon(at: byte)
            return
        }

        switch state {
        case .body:
            if byte == ASCII.star {
                state = .checksum
                receivedCRC = 0
                checksumDigits = 0
            } else if ASCII.isPrintable(byte) {
                body.append(byte)
                crc = (crc << 8) ^ crcTable[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ byte)]
            } else {
                rejects.malformed += 1
                abandon(at: byte)
            }
        case .checksum:
            if checksumDigits < 4 {
                // Uppercase only: the spec says so and our encoder never writes anything else, so a
                // lowercase digit means a foreign or broken encoder, which is worth seeing in the counters.
                if let value = ASCII.upperHexValue(byte) {
                    receivedCRC = receivedCRC << 4 | UInt16(value)
                    checksumDigits += 1
                } else {
                    rejects.malformed += 1
                    abandon(at: byte)
                }
            } else if byte == ASCII.carriageReturn {
                state = .lineFeed
            } else if byte == ASCII.lineFeed {
                // Tolerated: a tty with `igncr`, or a USB bridge that strips `\r`. The CRC protects the
                // body, so accepting the shorter line end risks nothing. The line is measured as if
                // its `\r` were there, so that what is accepted fits the limit when written out again
                // (fuzzing found a 120-byte line without `\r` that re-encoded to 121 bytes).
                if length + 1 > PCNTLimits.maxSentenceBytes {
                    rejects.tooLong += 1
                    state = .hunting
                } else {
                    complete(bareLineFeed: true, readBody)
                }
            } else {
                rejects.malformed += 1
                abandon(at: byte)
            }
        case .lineFeed:
            if byte == ASCII.lineFeed {
                complete(bareLineFeed: false, readBody)
            } else {
                rejects.malformed += 1
                abandon(at: byte)
            }
        case .hunting, .discarding:
            break
        }
    }

    private mutating func begin() {
        state = .body
        body.removeAll(keepingCapacity: true)
        length = 1
        crc = 0xFFFF
    }

    /// Drops the current sentence (already counted); the rest of its line is part of it, not noise.
    private mutating func abandon(at byte: UInt8) {
        state = byte == ASCII.lineFeed ? .hunting : .discarding
    }

    private mutating func complete(bareLineFeed: Bool, _ readBody: ([UInt8]) -> BodyRejection?) {
        state = .hunting
        guard receivedCRC == crc else {
            rejects.badCRC += 1
            return
        }
        switch readBody(body) {
        case nil:
            accepted += 1
            if bareLineFeed { acceptedWithBareLineFeed += 1 }
        case .malformed:
            rejects.malformed += 1
        case .unknownType:
            rejects.unknownType += 1
        }
    }
}

/// CRC-16/CCITT-FALSE one byte at a time by lookup, built from `CRC16.update` so the polynomial lives in
/// one place.
enum CRC16Table {
    static let shared: [UInt16] = (0...255).map { CRC16.update(0, UInt8($0)) }
}

/// The bytes the framing and the fields are made of.
enum ASCII {
    static let dollar = UInt8(ascii: "$")
    static let star = UInt8(ascii: "*")
    static let comma = UInt8(ascii: ",")
    static let minus = UInt8(ascii: "-")
    static let carriageReturn = UInt8(ascii: "\r")
    static let lineFeed = UInt8(ascii: "\n")
    static let zero = UInt8(ascii: "0")

    @inline(__always)
    static func isPrintable(_ byte: UInt8) -> Bool { byte >= 0x20 && byte <= 0x7E }

    @inline(__always)
    static func decimalValue(_ byte: UInt8) -> UInt8? {
        byte >= 0x30 && byte <= 0x39 ? byte &- 0x30 : nil
    }

    @inline(__always)
    static func upperHexValue(_ byte: UInt8) -> UInt8? {
        if byte >= 0x30 && byte <= 0x39 { return byte &- 0x30 }
        if byte >= 0x41 && byte <= 0x46 { return byte &- 0x41 &+ 10 }
        return nil
    }
}
