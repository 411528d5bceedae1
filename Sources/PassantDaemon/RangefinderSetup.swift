import Counting
import PassantConfig
import TFmini

extension RangePair.Configuration {
    /// The presence settings of a `tof2` or `tfmini-pair` sensor, with the baselines from its
    /// `baseline:` file, and a note for the log when they will be learned instead (no file yet, or a
    /// file that cannot be used).
    public init(sensor: SensorConfiguration) {
        self = Self.load(sensor).configuration
    }

    static func load(_ sensor: SensorConfiguration) -> (configuration: RangePair.Configuration, note: String?)
    {
        let settings = sensor.rangefinder ?? RangefinderSettings()
        var configuration = RangePair.Configuration(
            presence: .init(
                marginMillimetres: settings.marginMillimetres,
                hysteresisMillimetres: settings.hysteresisMillimetres,
                openZoneMillimetres: settings.openZoneMillimetres),
            learnMillis: Int64(settings.learnSeconds) * 1000)
        guard let path = settings.baselinePath else {
            return (
                configuration,
                sensor.rangefinder == nil ? nil : "no baseline file configured; \(learning(settings))"
            )
        }
        do {
            guard let file = try BaselineFile.load(path: path) else {
                return (configuration, "no baseline at \(path) yet; \(learning(settings))")
            }
            configuration.baselineA = RangeBaseline(file.a)
            configuration.baselineB = RangeBaseline(file.b)
            return (configuration, nil)
        } catch {
            return (configuration, "the baseline file is not usable: \(error); \(learning(settings))")
        }
    }

    private static func learning(_ settings: RangefinderSettings) -> String {
        "learning each channel's empty scene over its first \(settings.learnSeconds) s (counts nothing meanwhile); run `passant calibrate baseline` to keep one"
    }
}

extension RangeBaseline {
    init(_ value: BaselineFile.Value) {
        switch value {
        case .millimetres(let millimetres): self = .surface(millimetres: millimetres)
        case .open: self = .open
        }
    }
}

extension BaselineFile.Value {
    public init(_ baseline: RangeBaseline) {
        switch baseline {
        case .surface(let millimetres): self = .millimetres(millimetres)
        case .open: self = .open
        }
    }
}

extension TFminiModel {
    public init(_ model: RangefinderModel) {
        switch model {
        case .tfminiS: self = .tfminiS
        case .tfminiPlus: self = .tfminiPlus
        case .tfLuna: self = .tfLuna
        }
    }
}

extension TFminiPairCounter.Configuration {
    /// The pipeline settings for one configured `tfmini-pair`.
    public init(sensor: SensorConfiguration, in configuration: Configuration) {
        self.init(
            bins: Aggregator.Configuration(sensor: sensor, in: configuration),
            detector: .init(
                maxTransitMillis: Int64(sensor.maxTransitMillis),
                stuckAfterMillis: Int64(sensor.stuckAfterSeconds) * 1000),
            range: RangePair.Configuration(sensor: sensor),
            modelA: TFminiModel(sensor.channelA?.model ?? .tfminiS),
            modelB: TFminiModel(sensor.channelB?.model ?? .tfminiS),
            frameRateHz: sensor.rangefinder?.frameRateHz ?? 100,
            linkTimeoutMillis: Int64(sensor.linkTimeoutMillis))
    }
}
