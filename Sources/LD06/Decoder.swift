// The gateway side: LD06 packets out of a serial byte stream.

/// Bytes and packets the decoder turned away, by reason.
public struct LD06Rejects: Sendable, Hashable {
    /// 47 bytes after a `54 2C` header whose CRC did not match. The decoder then rescans from the byte
    /// after the header, because `54 2C` also occurs inside payloads.
    public var badCRC = 0
    /// Packets with a good CRC but an angle of 360° or more.
    public var badAngle = 0
    /// Packets with a good CRC whose arc is far wider than their speed allows
    /// (`LD06Packet.largestPlausibleSpan`), or whose speed is 0.
    public var implausibleSpan = 0
    /// Bytes outside any accepted packet (line noise, the rest of a rejected packet, a cut-off start).
    public var noiseBytes = 0

    public init() {}

    /// Rejected packets, all reasons together (noise bytes are not packets).
    public var total: Int { badCRC + badAngle + implausibleSpan }

    /// The reasons by name, for health reports.
    public var byReason: [String: Int] {
        [
            "bad_crc": badCRC, "bad_angle": badAngle, "implausible_span": implausibleSpan,
            "noise_bytes": noiseBytes,
        ]
    }
}

/// Turns the LD06's byte stream into `LD06Packet`s.
///
/// Feed it chunks exactly as they come off the port: a packet may be split anywhere between calls and
/// noise may sit anywhere. A candidate starts at every `54 2C`; when its 47 bytes fail the CRC, the
/// search resumes at the byte after the `54` (not after the 47 bytes, as the vendor SDK does), so a
/// good packet hidden behind a false header is still found. No clock, no I/O.
public struct LD06Decoder: Sendable {
    /// Bytes not yet consumed: at most a partial candidate once `decode` returns.
    private var buffer: [UInt8] = []
    public private(set) var rejects = LD06Rejects()
    /// Packets delivered so far.
    public private(set) var packetsAccepted = 0

    public init() {
        buffer.reserveCapacity(4096)
    }

    /// Decodes `bytes`, calling `onPacket` for every packet completed by them, in stream order.
    public mutating func decode(_ bytes: some Sequence<UInt8>, _ onPacket: (LD06Packet) -> Void) {
        buffer.append(contentsOf: bytes)
        var rejects = self.rejects
        var accepted = 0
        let consumed = buffer.withUnsafeBufferPointer { data -> Int in
            let count = data.count
            var index = 0
            while index < count {
                guard data[index] == LD06Packet.header else {
                    rejects.noiseBytes += 1
                    index += 1
                    continue
                }
                // A header: wait for its second byte, then for its whole length.
                if index + 1 >= count { break }
                guard data[index + 1] == LD06Packet.verLen else {
                    rejects.noiseBytes += 1
                    index += 1
                    continue
                }
                if index + LD06Packet.length > count { break }
                var crc: UInt8 = 0
                for offset in index..<(index + LD06Packet.length - 1) {
                    crc = LD06CRC.table[Int(crc ^ data[offset])]
                }
                guard crc == data[index + LD06Packet.length - 1] else {
                    rejects.badCRC += 1
                    rejects.noiseBytes += 1
                    index += 1
                    continue
                }
                let packet = LD06Packet(
                    checked: UnsafeBufferPointer(rebasing: data[index..<(index + LD06Packet.length)]))
                index += LD06Packet.length
                let fullTurn = UInt16(LD06Packet.fullTurn)
                if packet.startAngle >= fullTurn || packet.endAngle >= fullTurn {
                    rejects.badAngle += 1
                } else if packet.speed == 0 || packet.span > packet.largestPlausibleSpan {
                    rejects.implausibleSpan += 1
                } else {
                    accepted += 1
                    onPacket(packet)
                }
            }
            return index
        }
        buffer.removeFirst(consumed)
        self.rejects = rejects
        packetsAccepted += accepted
    }
}
