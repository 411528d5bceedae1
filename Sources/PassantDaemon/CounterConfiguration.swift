import Counting
import Foundation
import PassantConfig

extension CounterSetup {
    /// The pipeline for one configured sensor, chosen by its `protocol:`.
    public init(sensor: SensorConfiguration, in configuration: Configuration) {
        self = Self.setup(sensor: sensor, in: configuration).setup
    }

    /// The pipeline for one configured sensor, and what the technician should know about it (a
    /// background file that is missing or unusable).
    public static func setup(sensor: SensorConfiguration, in configuration: Configuration)
        -> (setup: CounterSetup, notes: [String])
    {
        switch sensor.protocol {
        case .pcnt, .tof2:
            return (.pcnt(PCNTCounter.Configuration(sensor: sensor, in: configuration)), [])
        case .tfminiPair:
            return (.tfminiPair(TFminiPairCounter.Configuration(sensor: sensor, in: configuration)), [])
        case .ld06:
            var notes: [String] = []
            let lidar = sensor.lidar!
            var background: LidarBackground?
            if let path = lidar.backgroundPath {
                do {
                    background = try LidarBackground.load(path: path)
                } catch {
                    notes.append(
                        "\(error); learning the empty scene from the first 20 s instead (bins flagged sensor-degraded meanwhile); `passant calibrate background` writes the file"
                    )
                }
            } else {
                notes.append(
                    "no background file configured; learning the empty scene from the first 20 s (bins flagged sensor-degraded meanwhile)"
                )
            }
            return (
                .ld06(
                    LD06Counter.Configuration(
                        bins: Aggregator.Configuration(sensor: sensor, in: configuration),
                        detector: LidarDetector.Configuration(lidar, background: background),
                        linkTimeoutMillis: Int64(sensor.linkTimeoutMillis))), notes
            )
        }
    }
}

extension LidarDetector.Configuration {
    /// The detector settings of a configured LD06.
    public init(_ lidar: LidarConfiguration, background: LidarBackground?) {
        self.init(
            line: CountingLine(
                p: PlanePoint(x: lidar.p.x, y: lidar.p.y), q: PlanePoint(x: lidar.q.x, y: lidar.q.y)),
            region: lidar.region.map { Region(corners: $0.map { PlanePoint(x: $0.x, y: $0.y) }) },
            background: background, absorbAfterMillis: Int64(lidar.absorbAfterSeconds) * 1000,
            fastMoverSpeed: lidar.fastMoverSpeed > 0 ? lidar.fastMoverSpeed : nil, maxRange: lidar.maxRange)
    }
}

/// A background file that cannot be used, with what to do.
public struct BackgroundFileError: Error, CustomStringConvertible {
    public var description: String
}

extension LidarBackground {
    /// Reads a background file written by `passant calibrate background`.
    public static func load(path: String) throws -> LidarBackground {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BackgroundFileError(description: "cannot read the background file \(path)")
        }
        do {
            return try LidarBackground(text: String(decoding: data, as: UTF8.self))
        } catch {
            throw BackgroundFileError(description: "the background file \(path) is not usable: \(error)")
        }
    }

    /// Writes the file atomically (a temporary file renamed over it).
    public func save(path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
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
        case .ld06:
            // Without a configuration there is no counting line: count across the sensor's 0° ray,
            // 0.3–4 m out, and learn the background from the first 20 s.
            .ld06(
                LD06Counter.Configuration(
                    bins: bins,
                    detector: LidarDetector.Configuration(
                        line: CountingLine(p: PlanePoint(x: 0.3, y: 0), q: PlanePoint(x: 4, y: 0)))))
        }
    }
}
