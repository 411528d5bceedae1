// The node's parameters (PCNT.md, "Parameters"): their ranges, defaults, and the record `W` persists.

import PCNT

/// What the gateway can read (`Q`) and set (`P`), with PCNT's ranges and defaults.
struct Parameters {
    static let firmware = "passant-fw-0.1.0"
    static let defaultNodeID = "node-1"

    var debounceMillis: UInt32 = 20
    var rateHz: UInt32 = 50
    var emit: UInt32 = 2
    var nodeID: String = Parameters.defaultNodeID

    /// Why a value was refused; the reason is the `R`'s value.
    enum Refusal: Error {
        case unknownKey, outOfRange, readOnly

        var reason: String {
            switch self {
            case .unknownKey: "unknown-key"
            case .outOfRange: "out-of-range"
            case .readOnly: "read-only"
            }
        }
    }

    /// Sets `key` to `value` (text as received), or says why not. Read-only keys refuse; the caller
    /// answers read-only keys of its own (diagnostics) before asking here.
    mutating func set(_ key: String, _ value: String) throws(Refusal) {
        if key.is("debounce_ms") {
            debounceMillis = try Self.number(value, maximum: 200, minimum: 0)
        } else if key.is("rate_hz") {
            rateHz = try Self.number(value, maximum: 250, minimum: 1)
        } else if key.is("emit") {
            emit = try Self.number(value, maximum: 3, minimum: 0)
        } else if key.is("node_id") {
            guard Self.isNodeID(value) else { throw .outOfRange }
            nodeID = value
        } else if key.is("fw") || key.is("kind") {
            throw .readOnly
        } else {
            throw .unknownKey
        }
    }

    /// The value of `key` as sent in `R`, or `nil` for a key this table does not hold.
    func value(_ key: String) -> String? {
        if key.is("debounce_ms") { return Self.decimal(debounceMillis) }
        if key.is("rate_hz") { return Self.decimal(rateHz) }
        if key.is("emit") { return Self.decimal(emit) }
        if key.is("node_id") { return nodeID }
        if key.is("fw") { return Self.firmware }
        if key.is("kind") { return "IR2" }
        return nil
    }

    /// A canonical decimal (what PCNT writes: digits, no sign, no leading zero) within the range.
    static func number(_ text: String, maximum: UInt32, minimum: UInt32) throws(Refusal) -> UInt32 {
        var value: UInt32 = 0
        var count = 0
        for byte in text.utf8 {
            guard byte >= 0x30 && byte <= 0x39, !(count == 1 && value == 0) else { throw .outOfRange }
            value = value * 10 + UInt32(byte - 0x30)
            count += 1
            guard value <= maximum else { throw .outOfRange }
        }
        guard count > 0, value >= minimum else { throw .outOfRange }
        return value
    }

    static func isNodeID(_ text: String) -> Bool {
        var count = 0
        for byte in text.utf8 {
            let allowed =
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
                || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D
            guard allowed else { return false }
            count += 1
        }
        return count >= 1 && count <= 32
    }

    static func decimal(_ value: UInt32) -> String {
        var digits: [UInt8] = []
        PCNTFormat.appendDecimal(&digits, UInt64(value))
        return String(decoding: digits, as: UTF8.self)
    }

    // MARK: - The persisted record

    /// The fixed-size record `W` writes: three numbers, the node id's length and its bytes.
    struct Record {
        var magicVersion: UInt32 = 0x0001_0001
        var debounceMillis: UInt32 = 0
        var rateHz: UInt32 = 0
        var emit: UInt32 = 0
        var nodeIDLength: UInt32 = 0
        var nodeID:
            (
                UInt64, UInt64, UInt64, UInt64
            ) = (0, 0, 0, 0)
    }

    var record: Record {
        var record = Record()
        record.debounceMillis = debounceMillis
        record.rateHz = rateHz
        record.emit = emit
        withUnsafeMutableBytes(of: &record.nodeID) { buffer in
            var count = 0
            for byte in nodeID.utf8 where count < buffer.count {
                buffer[count] = byte
                count += 1
            }
            record.nodeIDLength = UInt32(count)
        }
        return record
    }

    /// The parameters of a record read back, or `nil` when it does not hold valid ones (then the
    /// defaults stay).
    init?(record: Record) {
        guard record.magicVersion == Record().magicVersion, record.nodeIDLength <= 32 else { return nil }
        var nodeID = record.nodeID
        let text = withUnsafeBytes(of: &nodeID) { buffer in
            String(decoding: buffer[0..<Int(record.nodeIDLength)], as: UTF8.self)
        }
        var parameters = Parameters()
        do throws(Refusal) {
            try parameters.set("debounce_ms", Self.decimal(record.debounceMillis))
            try parameters.set("rate_hz", Self.decimal(record.rateHz))
            try parameters.set("emit", Self.decimal(record.emit))
            try parameters.set("node_id", text)
        } catch {
            return nil
        }
        self = parameters
    }

    init() {}
}

extension String {
    /// Byte-for-byte equality with an ASCII literal. Keys are ASCII; comparing bytes keeps Unicode
    /// normalisation (and its tables, tens of kilobytes) out of the firmware.
    func `is`(_ literal: StaticString) -> Bool {
        literal.withUTF8Buffer { expected in
            var index = 0
            for byte in utf8 {
                guard index < expected.count, expected[index] == byte else { return false }
                index += 1
            }
            return index == expected.count
        }
    }
}
