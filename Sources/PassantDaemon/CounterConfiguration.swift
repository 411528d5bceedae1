import Counting
import PassantConfig

extension CounterSetup {
    /// The pipeline for one configured sensor, chosen by its `protocol:`.
    public init(sensor: SensorConfiguration, in configuration: Configuration) {
        switch sensor.protocol {
        case .pcnt, .tof2: self = .pcnt(PCNTCounter.Configuration(sensor: sensor, in: configuration))
        case .tfminiPair:
            self = .tfminiPair(TFminiPairCounter.Configuration(sensor: sensor, in: configuration))
        }
    }
}

extension Aggregator.Configuration {
    /// The bin settings for one configured sensor.
    public init(sensor: SensorConfiguration, in configuration: Configuration) {
        self.init(
            node: configuration.node, sensor: sensor.name, length: configuration.binLength,
            graceMillis: Int64(configuration.graceSeconds) * 1000)
    }
}

extension PCNTCounter.Configuration {
    /// The pipeline settings for one configured PCNT sensor.
    public init(sensor: SensorConfiguration, in configuration: Configuration) {
        self.init(
            bins: Aggregator.Configuration(sensor: sensor, in: configuration),
            detector: .init(
                maxTransitMillis: Int64(sensor.maxTransitMillis),
                stuckAfterMillis: Int64(sensor.stuckAfterSeconds) * 1000),
            range: RangePair.Configuration(sensor: sensor),
            linkTimeoutMillis: Int64(sensor.linkTimeoutMillis))
    }
}

extension CounterSetup {
    /// The default pipeline for `protocol`, for replaying a capture without a configuration.
    public static func replay(protocol: SensorProtocol, bins: Aggregator.Configuration) -> CounterSetup {
        switch `protocol` {
        case .pcnt, .tof2: .pcnt(PCNTCounter.Configuration(bins: bins))
        case .tfminiPair: .tfminiPair(TFminiPairCounter.Configuration(bins: bins))
        }
    }
}
