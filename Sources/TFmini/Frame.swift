// The Benewake TFmini family's vocabulary: what a sensor measures (`TFminiFrame`), what that
// measurement means for each model (`TFminiReading`), and which model said it. Pure: no Foundation,
// no I/O, so the same bytes always decode the same way, on the gateway and in the simulator.

/// One 9-byte data frame: `59 59 DistL DistH StrL StrH TempL TempH Sum`, as the sensor sent it.
///
/// The raw distance may be a code rather than a distance (TFmini-S: 0xFFFF, 0xFFFE, 0xFFFC); ask the
/// model what it means with ``TFminiModel/reading(of:)``.
public struct TFminiFrame: Sendable, Hashable {
    /// Distance as sent: centimetres by default, millimetres after the output-format command.
    public var distance: UInt16
    /// Signal strength (TF-Luna: amplitude).
    public var strength: UInt16
    /// Chip temperature as sent: °C = raw / 8 − 256.
    public var temperatureRaw: UInt16

    public init(distance: UInt16, strength: UInt16, temperatureRaw: UInt16) {
        self.distance = distance
        self.strength = strength
        self.temperatureRaw = temperatureRaw
    }

    /// A frame from a temperature in °C (rounded to the wire's 1/8 °C).
    public init(distance: UInt16, strength: UInt16, celsius: Double) {
        let raw = ((celsius + 256) * 8).rounded()
        self.init(
            distance: distance, strength: strength,
            temperatureRaw: UInt16(max(0, min(Double(UInt16.max), raw))))
    }

    /// Chip temperature in °C.
    public var celsius: Double { Double(temperatureRaw) / 8 - 256 }

    /// The frame as sent on the wire, checksum included.
    public var encoded: [UInt8] {
        var bytes: [UInt8] = [
            TFminiWire.frameHeader, TFminiWire.frameHeader,
            UInt8(truncatingIfNeeded: distance), UInt8(truncatingIfNeeded: distance >> 8),
            UInt8(truncatingIfNeeded: strength), UInt8(truncatingIfNeeded: strength >> 8),
            UInt8(truncatingIfNeeded: temperatureRaw), UInt8(truncatingIfNeeded: temperatureRaw >> 8),
        ]
        bytes.append(TFminiWire.checksum(bytes))
        return bytes
    }
}

/// The sensor models this gateway knows. They share the frame, not the meaning of bad readings.
public enum TFminiModel: String, Sendable, Hashable, CaseIterable {
    /// TFmini-S: distance −1 (0xFFFF) when strength < 100, −2 on signal saturation, −4 on ambient-light
    /// saturation.
    case tfminiS = "tfmini-s"
    /// TFmini Plus: distance 0 when strength < 100 or strength = 65535 (saturated).
    case tfminiPlus = "tfmini-plus"
    /// TF-Luna: the distance is always filled in, but amplitude < 100 or = 65535 makes it unreliable.
    case tfLuna = "tf-luna"

    /// Below this strength every model calls a reading unreliable.
    public static let minimumStrength: UInt16 = 100

    /// What `frame` means for this model, its distance in `unit`.
    public func reading(of frame: TFminiFrame, unit: TFminiDistanceUnit = .centimetres) -> TFminiReading {
        switch self {
        case .tfminiS:
            switch frame.distance {
            case 0xFFFF: return .noReturn
            case 0xFFFE: return .saturated(.signal)
            case 0xFFFC: return .saturated(.ambientLight)
            default: break
            }
            if frame.strength < Self.minimumStrength { return .noReturn }
        case .tfminiPlus:
            if frame.distance == 0 {
                return frame.strength == UInt16.max ? .saturated(.signal) : .noReturn
            }
            if frame.strength < Self.minimumStrength { return .noReturn }
            if frame.strength == UInt16.max { return .saturated(.signal) }
        case .tfLuna:
            if frame.strength < Self.minimumStrength { return .noReturn }
            if frame.strength == UInt16.max { return .saturated(.signal) }
        }
        return .distance(millimetres: unit.millimetres(frame.distance))
    }
}

/// The unit of a frame's distance, set by the output-format command.
public enum TFminiDistanceUnit: Sendable, Hashable {
    case centimetres
    case millimetres

    /// `raw` in millimetres.
    public func millimetres(_ raw: UInt16) -> Int {
        self == .centimetres ? Int(raw) * 10 : Int(raw)
    }
}

/// What one frame says about the scene in front of the sensor.
public enum TFminiReading: Sendable, Hashable {
    /// A distance the model vouches for.
    case distance(millimetres: Int)
    /// Nothing came back strongly enough: nothing within range, or a dark, slanted or tiny target.
    case noReturn
    /// The receiver was overwhelmed, by its own light (a reflector close by) or by the sun.
    case saturated(Saturation)

    public enum Saturation: Sendable, Hashable {
        case signal
        case ambientLight
    }
}

/// Bytes and sums of the wire format.
public enum TFminiWire {
    /// Both first bytes of a data frame.
    public static let frameHeader: UInt8 = 0x59
    /// First byte of a command or a reply.
    public static let commandHeader: UInt8 = 0x5A
    /// A data frame's length.
    public static let frameLength = 9
    /// The shortest command or reply: header, length, id, checksum.
    public static let minimumCommandLength = 4
    /// The longest command or reply any model sends (the baud-rate command: 8).
    public static let maximumCommandLength = 12

    /// Low byte of the sum of `bytes`: the checksum of data frames, commands and replies alike.
    @inline(__always)
    public static func checksum<C: Collection<UInt8>>(_ bytes: C) -> UInt8 {
        var sum: UInt8 = 0
        for byte in bytes { sum &+= byte }
        return sum
    }
}
