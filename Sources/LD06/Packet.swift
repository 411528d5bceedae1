// One LD06 / LD19 measurement packet: 12 samples spread evenly over an arc.

/// One sample as the sensor sends it.
public struct LD06Point: Sendable, Hashable {
    /// Millimetres; 0 means no return, whatever the intensity.
    public var distance: UInt16
    /// Return strength, about 200 for a white target within 6 m.
    public var intensity: UInt8

    public init(distance: UInt16, intensity: UInt8) {
        self.distance = distance
        self.intensity = intensity
    }
}

/// A decoded, CRC-checked 47-byte packet.
public struct LD06Packet: Sendable, Hashable {
    public static let length = 47
    public static let header: UInt8 = 0x54
    /// Type 1 in the top three bits, 12 points in the low five.
    public static let verLen: UInt8 = 0x2C
    public static let pointsPerPacket = 12
    /// Samples per second, whatever the rotation speed.
    public static let samplesPerSecond = 4500
    /// One full turn in the angle unit (0.01°).
    public static let fullTurn = 36_000
    /// The 16-bit timestamp counts milliseconds and wraps here.
    public static let timestampWrap = 30_000

    /// Rotation speed, degrees per second.
    public var speed: UInt16
    /// Angle of the first sample, 0.01° clockwise.
    public var startAngle: UInt16
    /// Angle of the last sample, 0.01° clockwise.
    public var endAngle: UInt16
    /// Milliseconds, wrapping at 30000.
    public var timestamp: UInt16
    /// Exactly 12 samples.
    public var points: [LD06Point]

    public init(speed: UInt16, startAngle: UInt16, endAngle: UInt16, timestamp: UInt16, points: [LD06Point]) {
        precondition(points.count == Self.pointsPerPacket, "an LD06 packet holds 12 points")
        self.speed = speed
        self.startAngle = startAngle
        self.endAngle = endAngle
        self.timestamp = timestamp
        self.points = points
    }

    /// The arc from the first to the last sample, 0.01°, across 0° if need be.
    public var span: Int {
        (Int(endAngle) + Self.fullTurn - Int(startAngle)) % Self.fullTurn
    }

    /// The angle of sample `index` (0…11) in degrees, [0, 360): evenly spaced from start to end, without
    /// the vendor SDK's integer truncation of the step.
    public func angle(ofPoint index: Int) -> Double {
        let step = Double(span) / Double(Self.pointsPerPacket - 1)
        let raw = Double(startAngle) + Double(index) * step
        let wrapped = raw >= Double(Self.fullTurn) ? raw - Double(Self.fullTurn) : raw
        return wrapped / 100
    }

    /// The largest arc (0.01°) this decoder accepts at the packet's speed: 2.5 times the faithful
    /// `11·speed/4500` degrees. The vendor SDK allows only `speed·12/4500·1.5` (1.64 times), which
    /// rejects the manual's own example packet (10.43° at 2152 °/s, 1.9 times); a packet far beyond
    /// that is a corrupted one whose CRC matched by chance, or a sensor whose motor is failing.
    public var largestPlausibleSpan: Int {
        Int(speed) * (LD06Packet.pointsPerPacket - 1) * 100 * 5 / (Self.samplesPerSecond * 2)
    }

    /// The 47 bytes on the wire, CRC included.
    public var encoded: [UInt8] {
        var bytes: [UInt8] = [Self.header, Self.verLen]
        bytes.reserveCapacity(Self.length)
        func append16(_ value: UInt16) {
            bytes.append(UInt8(value & 0xFF))
            bytes.append(UInt8(value >> 8))
        }
        append16(speed)
        append16(startAngle)
        for point in points {
            append16(point.distance)
            bytes.append(point.intensity)
        }
        append16(endAngle)
        append16(timestamp)
        bytes.append(LD06CRC.checksum(bytes))
        return bytes
    }

    /// Reads 47 bytes whose header and CRC were checked.
    init(checked bytes: UnsafeBufferPointer<UInt8>) {
        func u16(_ offset: Int) -> UInt16 { UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8 }
        var points: [LD06Point] = []
        points.reserveCapacity(Self.pointsPerPacket)
        for index in 0..<Self.pointsPerPacket {
            let offset = 6 + index * 3
            points.append(LD06Point(distance: u16(offset), intensity: bytes[offset + 2]))
        }
        self.init(speed: u16(2), startAngle: u16(4), endAngle: u16(42), timestamp: u16(44), points: points)
    }
}
