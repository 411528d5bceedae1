// Reading the comma-separated fields of a sentence body in place, without splitting it into arrays.
//
// The grammar is the encoder's, exactly: decimal numbers without sign, `+` or leading zeros; signed
// numbers with `-` only when negative; uppercase hex without leading zeros; no empty field. A sentence
// the decoder accepts therefore re-encodes to the same bytes, so a capture and its decoded form can be
// checked against each other.

/// Walks the fields of one body, left to right. Every failure is `.malformed`.
struct Fields {
    private let bytes: [UInt8]
    /// Where the next field starts; `bytes.count + 1` once the last field was taken.
    private var start = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The next field's range (possibly empty), or `.malformed` when there is none left.
    mutating func next() throws(BodyRejection) -> Range<Int> {
        guard start <= bytes.count else { throw .malformed }
        var end = start
        while end < bytes.count && bytes[end] != ASCII.comma { end += 1 }
        let field = start..<end
        start = end + 1
        return field
    }

    /// Succeeds only if every field was taken: the field count is exact.
    func end() throws(BodyRejection) {
        guard start > bytes.count else { throw .malformed }
    }

    /// Whether `field` is exactly `literal`.
    func matches(_ field: Range<Int>, _ literal: StaticString) -> Bool {
        literal.withUTF8Buffer { text in
            guard text.count == field.count else { return false }
            var index = field.lowerBound
            for byte in text {
                if bytes[index] != byte { return false }
                index += 1
            }
            return true
        }
    }

    /// The next field as an unsigned decimal no larger than `maximum`.
    mutating func decimal(maximum: UInt64) throws(BodyRejection) -> UInt64 {
        try decimal(in: next(), maximum: maximum)
    }

    /// The next field as a signed decimal within `Int32`.
    mutating func signedDecimal32() throws(BodyRejection) -> Int32 {
        let field = try next()
        guard let first = field.first, bytes[first] == ASCII.minus else {
            return Int32(try decimal(in: field, maximum: UInt64(Int32.max)))
        }
        let magnitude = try decimal(in: (first + 1)..<field.upperBound, maximum: UInt64(Int32.max) + 1)
        guard magnitude != 0 else { throw .malformed }  // `-0` is not canonical.
        return Int32(truncatingIfNeeded: 0 &- Int64(magnitude))
    }

    /// The next field as uppercase hex no larger than `maximum`.
    mutating func hex(maximum: UInt64) throws(BodyRejection) -> UInt64 {
        let field = try next()
        guard !field.isEmpty, field.count <= 16 else { throw .malformed }
        if field.count > 1 && bytes[field.lowerBound] == ASCII.zero { throw .malformed }
        var value: UInt64 = 0
        for index in field {
            guard let digit = ASCII.upperHexValue(bytes[index]) else { throw .malformed }
            value = value << 4 | UInt64(digit)
            guard value <= maximum else { throw .malformed }
        }
        return value
    }

    /// The next field as text of `1...maximumLength` bytes (framing already guarantees printable ASCII
    /// without `$`, `*` or `,`).
    mutating func text(maximumLength: Int = PCNTLimits.maxSentenceBytes) throws(BodyRejection) -> String {
        let field = try next()
        guard !field.isEmpty, field.count <= maximumLength else { throw .malformed }
        return String(decoding: bytes[field], as: UTF8.self)
    }

    /// The next field as a node id: `[A-Za-z0-9-]{1,32}`.
    mutating func nodeID() throws(BodyRejection) -> String {
        let field = try next()
        guard !field.isEmpty, field.count <= 32 else { throw .malformed }
        for index in field {
            let byte = bytes[index]
            let allowed =
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
                || (byte >= 0x61 && byte <= 0x7A)
                || byte == ASCII.minus
            guard allowed else { throw .malformed }
        }
        return String(decoding: bytes[field], as: UTF8.self)
    }

    private func decimal(in field: Range<Int>, maximum: UInt64) throws(BodyRejection) -> UInt64 {
        guard !field.isEmpty else { throw .malformed }
        if field.count > 1 && bytes[field.lowerBound] == ASCII.zero { throw .malformed }
        var value: UInt64 = 0
        for index in field {
            guard let digit = ASCII.decimalValue(bytes[index]) else { throw .malformed }
            // `maximum` is at most 2^32, so this never overflows before the check below stops it.
            value = value * 10 + UInt64(digit)
            guard value <= maximum else { throw .malformed }
        }
        return value
    }
}
