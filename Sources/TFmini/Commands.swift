// TFmini-S / TFmini Plus / TF-Luna commands and their replies: `5A Len ID payload… Sum`, Len counting
// the whole frame, Sum the low byte of the sum of all bytes before it, values little-endian. Encoded
// by the gateway (commands) and the simulator (replies); decoded by the other side.

/// A firmware version, `major.minor.patch` (the reply carries it as `V1 V2 V3` = patch, minor, major).
public struct TFminiVersion: Sendable, Hashable, CustomStringConvertible {
    public var major: UInt8
    public var minor: UInt8
    public var patch: UInt8

    public init(major: UInt8, minor: UInt8, patch: UInt8) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    public var description: String { "\(major).\(minor).\(patch)" }
}

/// What the data frames carry, set by the output-format command.
public enum TFminiOutputFormat: Sendable, Hashable {
    /// The 9-byte frame, distance in cm (`0x01`, the default).
    case centimetres
    /// The 9-byte frame, distance in mm (`0x06`).
    case millimetres
    /// Another format (a character string, Pixhawk…), which this gateway does not read.
    case other(UInt8)

    public init(code: UInt8) {
        switch code {
        case 0x01: self = .centimetres
        case 0x06: self = .millimetres
        default: self = .other(code)
        }
    }

    public var code: UInt8 {
        switch self {
        case .centimetres: 0x01
        case .millimetres: 0x06
        case .other(let code): code
        }
    }

    /// The distance unit of the 9-byte frame in this format, if it is one.
    public var unit: TFminiDistanceUnit? {
        switch self {
        case .centimetres: .centimetres
        case .millimetres: .millimetres
        case .other: nil
        }
    }
}

/// A command to the sensor.
public enum TFminiCommand: Sendable, Hashable {
    /// Ask the firmware version.
    case version
    /// Restart the sensor.
    case softReset
    /// Frames per second; 0 = trigger mode. Echoed.
    case frameRate(UInt16)
    /// Send one frame now (trigger mode). Answered by a data frame.
    case triggerFrame
    /// cm or mm. Echoed.
    case outputFormat(TFminiOutputFormat)
    /// The serial speed, effective after a save and a restart. Echoed.
    case baudRate(UInt32)
    /// Stop or resume the frame stream. Echoed.
    case output(enabled: Bool)
    /// Restore the factory settings.
    case factoryReset
    /// Keep the settings over a power cycle (they last only until then without it).
    case saveSettings

    /// The command's id byte; its reply carries the same one.
    public var id: UInt8 {
        switch self {
        case .version: 0x01
        case .softReset: 0x02
        case .frameRate: 0x03
        case .triggerFrame: 0x04
        case .outputFormat: 0x05
        case .baudRate: 0x06
        case .output: 0x07
        case .factoryReset: 0x10
        case .saveSettings: 0x11
        }
    }

    var payload: [UInt8] {
        switch self {
        case .version, .softReset, .triggerFrame, .factoryReset, .saveSettings: []
        case .frameRate(let rate): [UInt8(truncatingIfNeeded: rate), UInt8(truncatingIfNeeded: rate >> 8)]
        case .outputFormat(let format): [format.code]
        case .baudRate(let baud): (0..<4).map { UInt8(truncatingIfNeeded: baud >> (8 * $0)) }
        case .output(let enabled): [enabled ? 0x01 : 0x00]
        }
    }

    /// The command as sent on the wire.
    public var encoded: [UInt8] { TFminiMessage(id: id, payload: payload).encoded }

    /// How long a sensor may take to answer: Save and factory reset write flash (the manuals allow
    /// about 2 s), a reset restarts the sensor; everything else answers within a few frames.
    public var replyTimeoutMillis: Int {
        switch self {
        case .saveSettings, .factoryReset, .softReset: 2500
        default: 500
        }
    }

    /// Reads a command frame (the sensor's side). nil when the id or the payload length is unknown.
    public init?(_ message: TFminiMessage) {
        let p = message.payload
        switch (message.id, p.count) {
        case (0x01, 0): self = .version
        case (0x02, 0): self = .softReset
        case (0x03, 2): self = .frameRate(UInt16(p[0]) | UInt16(p[1]) << 8)
        case (0x04, 0): self = .triggerFrame
        case (0x05, 1): self = .outputFormat(TFminiOutputFormat(code: p[0]))
        case (0x06, 4): self = .baudRate(p.reversed().reduce(0) { $0 << 8 | UInt32($1) })
        case (0x07, 1) where p[0] <= 1: self = .output(enabled: p[0] == 1)
        case (0x10, 0): self = .factoryReset
        case (0x11, 0): self = .saveSettings
        default: return nil
        }
    }
}

/// A sensor's answer to a command.
public enum TFminiReply: Sendable, Hashable {
    case version(TFminiVersion)
    case softReset(succeeded: Bool)
    case frameRate(UInt16)
    case outputFormat(TFminiOutputFormat)
    case baudRate(UInt32)
    case output(enabled: Bool)
    case factoryReset(succeeded: Bool)
    case saveSettings(succeeded: Bool)

    /// The id of the command this answers.
    public var id: UInt8 {
        switch self {
        case .version: 0x01
        case .softReset: 0x02
        case .frameRate: 0x03
        case .outputFormat: 0x05
        case .baudRate: 0x06
        case .output: 0x07
        case .factoryReset: 0x10
        case .saveSettings: 0x11
        }
    }

    /// Whether this is the answer to `command` (the trigger command is answered by a data frame).
    public func answers(_ command: TFminiCommand) -> Bool { id == command.id }

    var payload: [UInt8] {
        switch self {
        case .version(let v): [v.patch, v.minor, v.major]
        case .softReset(let ok), .factoryReset(let ok), .saveSettings(let ok): [ok ? 0x00 : 0x01]
        case .frameRate(let rate): TFminiCommand.frameRate(rate).payload
        case .outputFormat(let format): [format.code]
        case .baudRate(let baud): TFminiCommand.baudRate(baud).payload
        case .output(let enabled): [enabled ? 0x01 : 0x00]
        }
    }

    /// The reply as sent on the wire.
    public var encoded: [UInt8] { TFminiMessage(id: id, payload: payload).encoded }

    /// The echo a sensor sends for a command that is answered by echoing it; nil for the others.
    public init?(echoing command: TFminiCommand) {
        switch command {
        case .frameRate(let rate): self = .frameRate(rate)
        case .outputFormat(let format): self = .outputFormat(format)
        case .baudRate(let baud): self = .baudRate(baud)
        case .output(let enabled): self = .output(enabled: enabled)
        case .version, .softReset, .triggerFrame, .factoryReset, .saveSettings: return nil
        }
    }

    /// Reads a reply frame (the gateway's side). nil when the id or the payload length is unknown.
    public init?(_ message: TFminiMessage) {
        let p = message.payload
        switch (message.id, p.count) {
        case (0x01, 3): self = .version(TFminiVersion(major: p[2], minor: p[1], patch: p[0]))
        case (0x02, 1) where p[0] <= 1: self = .softReset(succeeded: p[0] == 0)
        case (0x10, 1) where p[0] <= 1: self = .factoryReset(succeeded: p[0] == 0)
        case (0x11, 1) where p[0] <= 1: self = .saveSettings(succeeded: p[0] == 0)
        default:
            // The echoed ones read like the command they echo.
            guard let command = TFminiCommand(message), let echo = TFminiReply(echoing: command) else {
                return nil
            }
            self = echo
        }
    }
}

/// A checked `5A Len ID payload… Sum` frame: a command or a reply, not yet interpreted.
public struct TFminiMessage: Sendable, Hashable {
    public var id: UInt8
    public var payload: [UInt8]

    public init(id: UInt8, payload: [UInt8]) {
        self.id = id
        self.payload = payload
    }

    /// The frame on the wire, length and checksum included.
    public var encoded: [UInt8] {
        var bytes: [UInt8] = [TFminiWire.commandHeader, UInt8(payload.count + 4), id]
        bytes.append(contentsOf: payload)
        bytes.append(TFminiWire.checksum(bytes))
        return bytes
    }
}
