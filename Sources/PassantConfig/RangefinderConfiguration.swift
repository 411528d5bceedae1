import Yams

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The rangefinder models a `tfmini-pair` may name (`channels.a.model`).
public enum RangefinderModel: String, Sendable, Hashable, CaseIterable {
    case tfminiS = "tfmini-s"
    case tfminiPlus = "tfmini-plus"
    case tfLuna = "tf-luna"
}

/// One side of a `tfmini-pair`: its port and the model on it.
public struct RangefinderChannel: Sendable, Hashable {
    public var port: String
    public var model: RangefinderModel

    public init(port: String, model: RangefinderModel = .tfminiS) {
        self.port = port
        self.model = model
    }
}

/// How presence is read from distance, for `tof2` and `tfmini-pair` sensors.
public struct RangefinderSettings: Sendable, Hashable {
    /// `baseline`: the file `passant calibrate baseline` writes and passantd reads at start. Without it
    /// (or while it does not exist yet) each channel learns its baseline over its first `learn_s`.
    public var baselinePath: String?
    /// `margin_mm`: how much nearer than the baseline a reading must be to be someone.
    public var marginMillimetres = 250
    /// `hysteresis_mm`: how far back past that a reading must go to end the presence.
    public var hysteresisMillimetres = 100
    /// `open_zone_mm`: against an open scene (no wall), returns nearer than this are people.
    public var openZoneMillimetres = 4000
    /// `learn_s`: how long a channel without a baseline learns before it counts.
    public var learnSeconds = 30
    /// `frame_rate_hz` (tfmini-pair): the sensors' frame rate.
    public var frameRateHz = 100

    public init() {}

    static let keys = ["baseline", "margin_mm", "hysteresis_mm", "open_zone_mm", "learn_s"]
}

extension Reader {
    /// The rangefinder part of a sensor entry: `channels:` (tfmini-pair) and the presence settings.
    /// Returns nil settings for a `pcnt` sensor, after flagging any rangefinder key it sets.
    mutating func rangefinder(
        _ fields: [String: Node], node: Node, key: String, protocol proto: SensorProtocol
    ) -> (settings: RangefinderSettings?, a: RangefinderChannel?, b: RangefinderChannel?) {
        let rangeKeys = RangefinderSettings.keys + ["channels", "frame_rate_hz"]
        guard proto != .pcnt else {
            for name in rangeKeys where fields[name] != nil {
                fail(
                    fields[name]!, key: "\(key).\(name)",
                    "applies to rangefinders only; set protocol: tof2 (a PCNT node with two rangefinders) or tfmini-pair"
                )
            }
            return (nil, nil, nil)
        }
        var settings = RangefinderSettings()
        if let value = fields["baseline"] { settings.baselinePath = path(value, key: "\(key).baseline") }
        if let value = fields["margin_mm"] {
            settings.marginMillimetres =
                integer(value, key: "\(key).margin_mm", in: 50...3000) ?? settings.marginMillimetres
        }
        if let value = fields["hysteresis_mm"] {
            settings.hysteresisMillimetres =
                integer(value, key: "\(key).hysteresis_mm", in: 0...1000) ?? settings.hysteresisMillimetres
        }
        if let value = fields["open_zone_mm"] {
            settings.openZoneMillimetres =
                integer(value, key: "\(key).open_zone_mm", in: 300...12_000) ?? settings.openZoneMillimetres
        }
        if let value = fields["learn_s"] {
            settings.learnSeconds =
                integer(value, key: "\(key).learn_s", in: 5...600) ?? settings.learnSeconds
        }
        guard proto == .tfminiPair else {
            for name in ["channels", "frame_rate_hz"] where fields[name] != nil {
                fail(fields[name]!, key: "\(key).\(name)", "applies to protocol: tfmini-pair only")
            }
            return (settings, nil, nil)
        }
        if let value = fields["frame_rate_hz"] {
            settings.frameRateHz =
                integer(value, key: "\(key).frame_rate_hz", in: 1...1000) ?? settings.frameRateHz
        }
        guard let channelsNode = fields["channels"] else {
            fail(
                node, key: "\(key).channels",
                "is missing; a tfmini-pair reads one port per sensor: channels: {a: {port: …}, b: {port: …}}")
            return (settings, nil, nil)
        }
        let channels = mapping(channelsNode, key: "\(key).channels", allowed: ["a", "b"])
        var result: [RangefinderChannel?] = []
        for name in ["a", "b"] {
            let channelKey = "\(key).channels.\(name)"
            guard let channelNode = channels[name] else {
                fail(
                    channelsNode, key: channelKey,
                    "is missing; give the port of the sensor on channel \(name.uppercased())")
                result.append(nil)
                continue
            }
            let entry = mapping(channelNode, key: channelKey, allowed: ["port", "model"])
            var model = RangefinderModel.tfminiS
            if let value = entry["model"], let text = scalar(value, key: "\(channelKey).model") {
                if let known = RangefinderModel(rawValue: text) {
                    model = known
                } else {
                    let known = RangefinderModel.allCases.map(\.rawValue).joined(separator: ", ")
                    fail(
                        value, key: "\(channelKey).model",
                        "'\(text)' is not a model passant knows; known: \(known)")
                }
            }
            guard let portNode = entry["port"] else {
                fail(
                    channelNode, key: "\(channelKey).port",
                    "is missing; `passant ports` lists the serial ports")
                result.append(nil)
                continue
            }
            guard let port = devicePort(portNode, key: "\(channelKey).port") else {
                result.append(nil)
                continue
            }
            result.append(RangefinderChannel(port: port, model: model))
        }
        if let a = result[0], let b = result[1], a.port == b.port, let node = channels["b"] {
            fail(
                node, key: "\(key).channels.b.port",
                "'\(b.port)' is channel A's port too; each sensor needs its own")
        }
        return (settings, result[0], result[1])
    }

    /// A `port:` value: a device path or tcp://host:port.
    mutating func devicePort(_ node: Node, key: String) -> String? {
        guard let text = path(node, key: key) else { return nil }
        guard text.hasPrefix("/") || text.hasPrefix("tcp://") else {
            fail(
                node, key: key,
                "'\(text)' must be a device path such as /dev/serial/by-id/… or tcp://host:port")
            return nil
        }
        return text
    }
}

/// The file `passant calibrate baseline` writes: each channel's empty scene, in millimetres or `open`.
///
///     # passant baseline for sensor gate, learned 2026-06-01T08:00:00Z over 30 s
///     a: 3012
///     b: open
public struct BaselineFile: Sendable, Hashable {
    public enum Value: Sendable, Hashable, CustomStringConvertible {
        case millimetres(Int)
        case open

        public var description: String {
            switch self {
            case .millimetres(let value): String(value)
            case .open: "open"
            }
        }
    }

    public var a: Value
    public var b: Value

    public init(a: Value, b: Value) {
        self.a = a
        self.b = b
    }

    /// The file's text, with a comment line saying where it came from.
    public func text(comment: String) -> String {
        "# \(comment)\na: \(a)\nb: \(b)\n"
    }

    /// Reads a baseline file; the error names the file, the line and what to do.
    public static func parse(_ text: String, file: String) throws(ConfigurationErrors) -> BaselineFile {
        var values: [String: Value] = [:]
        var errors: [ConfigurationError] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line =
                rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let trimmed = line.trimmingCharacters(in: " \t\r")
            if trimmed.isEmpty { continue }
            let parts = trimmed.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: " \t") }
            func problem(_ message: String) {
                errors.append(
                    ConfigurationError(file: file, line: index + 1, key: parts.first ?? "", message: message))
            }
            guard parts.count == 2, parts[0] == "a" || parts[0] == "b" else {
                problem(
                    "expected 'a: MILLIMETRES' or 'b: open'; run `passant calibrate baseline` to write this file"
                )
                continue
            }
            if parts[1] == "open" {
                values[parts[0]] = .open
            } else if let millimetres = Int(parts[1]), (100...20_000).contains(millimetres) {
                values[parts[0]] = .millimetres(millimetres)
            } else {
                problem("'\(parts[1])' is neither a distance in mm (100–20000) nor 'open'")
            }
        }
        for name in ["a", "b"] where values[name] == nil && errors.isEmpty {
            errors.append(
                ConfigurationError(
                    file: file, line: nil, key: name,
                    message:
                        "channel \(name.uppercased())'s baseline is missing; run `passant calibrate baseline`"
                ))
        }
        if !errors.isEmpty { throw ConfigurationErrors(errors) }
        return BaselineFile(a: values["a"]!, b: values["b"]!)
    }

    /// Reads the file at `path`: nil when it does not exist (not calibrated yet).
    public static func load(path: String) throws(ConfigurationErrors) -> BaselineFile? {
        guard access(path, F_OK) == 0 else { return nil }
        guard let text = readFile(path) else {
            throw ConfigurationErrors([
                ConfigurationError(
                    file: path, line: nil, key: "",
                    message: "cannot read the baseline file; check its permissions")
            ])
        }
        return try parse(text, file: path)
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters(in set: String) -> String {
        let characters = Set(set)
        var slice = Substring(self)
        while let first = slice.first, characters.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, characters.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
