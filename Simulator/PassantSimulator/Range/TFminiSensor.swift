// One simulated TFmini-family sensor: its optics (what distance and strength a scene gives), its model's
// way of reporting bad readings, and its firmware (settings, commands, replies).

import TFmini

/// The settings a TFmini keeps: in RAM, and in flash after Save.
public struct TFminiSettings: Sendable, Hashable {
    public var frameRateHz: UInt16
    public var format: TFminiOutputFormat
    public var outputEnabled: Bool
    public var baudRate: UInt32

    public init(
        frameRateHz: UInt16 = 100, format: TFminiOutputFormat = .centimetres, outputEnabled: Bool = true,
        baudRate: UInt32 = 115_200
    ) {
        self.frameRateHz = frameRateHz
        self.format = format
        self.outputEnabled = outputEnabled
        self.baudRate = baudRate
    }
}

/// A TFmini-S, TFmini Plus or TF-Luna in front of a scene.
public struct TFminiSensor: Sendable {
    /// Strength for a perfect reflector at 1 m: a 90 % target at 12 m (the TFmini-S's range) is just
    /// readable (strength 100).
    static let strengthAtOneMetre = 16_000.0

    public let model: TFminiModel
    public let version: TFminiVersion
    /// In force now.
    public private(set) var settings: TFminiSettings
    /// Restored by a reset or a power cycle.
    public private(set) var saved: TFminiSettings
    /// Replies and frames answered, for the run's summary.
    public private(set) var commandsAnswered = 0

    private var random: SeededRandom
    private var temperature = 36.0

    public init(
        model: TFminiModel, version: TFminiVersion, settings: TFminiSettings = .init(), seed: UInt64,
        stream: String
    ) {
        self.model = model
        self.version = version
        self.settings = settings
        saved = settings
        random = SeededRandom(seed: seed, stream: stream)
        temperature = random.uniform(30...42)
    }

    /// The longest distance the model measures (m).
    public var maximumRange: Double { model == .tfLuna ? 8 : 12 }

    /// Frames per second, or nil in trigger mode or with output off.
    public var streamingRate: UInt16? {
        settings.outputEnabled && settings.frameRateHz > 0 ? settings.frameRateHz : nil
    }

    // MARK: - Firmware

    /// What the sensor sends back for `command`, given the scene in case it must measure (trigger).
    public mutating func answer(_ command: TFminiCommand, targets: [RangeTarget]) -> [UInt8] {
        commandsAnswered += 1
        switch command {
        case .version:
            return TFminiReply.version(version).encoded
        case .softReset:
            settings = saved
            return TFminiReply.softReset(succeeded: true).encoded
        case .frameRate(let rate):
            // The TF-Luna tops out at 250 Hz; the others at 1000. Out of range is not taken.
            if rate <= (model == .tfLuna ? 250 : 1000) { settings.frameRateHz = rate }
            return TFminiReply.frameRate(settings.frameRateHz).encoded
        case .triggerFrame:
            return frame(targets).encoded
        case .outputFormat(let format):
            settings.format = format
            return TFminiReply.outputFormat(format).encoded
        case .baudRate(let baud):
            settings.baudRate = baud
            return TFminiReply.baudRate(baud).encoded
        case .output(let enabled):
            settings.outputEnabled = enabled
            return TFminiReply.output(enabled: enabled).encoded
        case .factoryReset:
            settings = TFminiSettings()
            saved = settings
            return TFminiReply.factoryReset(succeeded: true).encoded
        case .saveSettings:
            saved = settings
            return TFminiReply.saveSettings(succeeded: true).encoded
        }
    }

    // MARK: - Optics

    /// The frame the sensor sends for a line of sight meeting `targets` (nearest first).
    ///
    /// Light comes back from every surface the spot falls on, in proportion to the share of the spot it
    /// covers, its reflectivity and 1/d²; the sensor reports the power-weighted mean distance (a spot
    /// half on a body's edge and half on the wall reads in between, as real ones do) and the total as
    /// the strength.
    public mutating func frame(_ targets: [RangeTarget], glare: Bool = false) -> TFminiFrame {
        if glare {
            // The receiver is flooded: the TFmini-S says so (−4); the others see no usable return.
            temperature = min(max(temperature + random.uniform(-0.05...0.05), 20), 60)
            let strength = UInt16(random.integer(in: 0...60))
            switch model {
            case .tfminiS: return TFminiFrame(distance: 0xFFFC, strength: strength, celsius: temperature)
            case .tfminiPlus: return TFminiFrame(distance: 0, strength: strength, celsius: temperature)
            case .tfLuna:
                return TFminiFrame(
                    distance: UInt16(random.integer(in: 0...1200)), strength: strength, celsius: temperature)
            }
        }
        var left = 1.0
        var power = 0.0
        var weighted = 0.0
        for target in targets where left > 0 && target.distance <= maximumRange {
            let share = min(left, target.cover)
            left -= share
            let returned = share * target.reflectivity / (target.distance * target.distance)
            power += returned
            weighted += returned * target.distance
        }
        let strength = Self.strengthAtOneMetre * power * random.uniform(0.97...1.03)
        var distance = power > 0 ? weighted / power : random.uniform(0...0.3)
        distance += random.normal(mean: 0, standardDeviation: 0.01 + 0.005 * distance)
        temperature = min(max(temperature + random.uniform(-0.05...0.05), 20), 60)
        return encode(distance: distance, strength: strength)
    }

    private func encode(distance metres: Double, strength: Double) -> TFminiFrame {
        let unitScale = settings.format == .millimetres ? 1000.0 : 100.0
        let raw = UInt16(clamping: Int((max(0, metres) * unitScale).rounded()))
        let saturated = strength >= 65_535
        let weak = strength < 100
        let reported = UInt16(clamping: Int(strength.rounded()))
        switch model {
        case .tfminiS:
            if saturated { return TFminiFrame(distance: 0xFFFE, strength: 65_535, celsius: temperature) }
            if weak { return TFminiFrame(distance: 0xFFFF, strength: reported, celsius: temperature) }
        case .tfminiPlus:
            if saturated { return TFminiFrame(distance: 0, strength: 65_535, celsius: temperature) }
            if weak { return TFminiFrame(distance: 0, strength: reported, celsius: temperature) }
        case .tfLuna:
            // The Luna fills in a distance whatever; its amplitude says whether to believe it.
            break
        }
        return TFminiFrame(distance: raw, strength: saturated ? 65_535 : reported, celsius: temperature)
    }
}
