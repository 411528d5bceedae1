import Counting
import PassantConfig

extension PCNTCounter.Configuration {
    /// The pipeline settings for one configured sensor.
    public init(sensor: SensorConfiguration, in configuration: Configuration) {
        self.init(
            bins: .init(
                node: configuration.node, sensor: sensor.name, length: configuration.binLength,
                graceMillis: Int64(configuration.graceSeconds) * 1000),
            detector: .init(
                maxTransitMillis: Int64(sensor.maxTransitMillis),
                stuckAfterMillis: Int64(sensor.stuckAfterSeconds) * 1000),
            linkTimeoutMillis: Int64(sensor.linkTimeoutMillis))
    }
}
