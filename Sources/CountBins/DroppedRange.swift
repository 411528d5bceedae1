// A gap record: the store was full (or bins outlived the age limit) and closed bins had to be dropped
// before every uplink had confirmed them. The receivers are told, so that a missing stretch of bins is
// an explained gap and not a silent one. Like a `CountBin` it holds nothing finer than a bin: which
// bins of which sensor, never when they were dropped.

/// Bins of one sensor that the gateway's store dropped before every uplink had confirmed them.
///
/// Nothing of this sensor and bin length is stored any more in `start..<end`: every bin in the range
/// was either dropped (`bins` of them) or never existed (the sensor or the daemon was down).
public struct DroppedRange: Sendable, Hashable, Codable {
    /// The gateway that counted (config `node`).
    public var node: String
    /// The sensor's name in the config.
    public var sensor: String
    /// Start of the first dropped bin, Unix seconds, UTC; a multiple of `length`.
    public var start: Int64
    /// End of the last dropped bin, Unix seconds, UTC (exclusive); a multiple of `length`.
    public var end: Int64
    /// The length of the dropped bins.
    public var length: BinLength
    /// How many bins were dropped in `start..<end`.
    public var bins: Int

    public init(node: String, sensor: String, start: Int64, end: Int64, length: BinLength, bins: Int) {
        self.node = node
        self.sensor = sensor
        self.start = start
        self.end = end
        self.length = length
        self.bins = bins
    }

    /// Identifies this gap everywhere, for ever: `node/sensor/start-end/length`. It cannot be mistaken
    /// for a bin key (`node/sensor/start/length`), so a receiver may keep both in one table of keys
    /// it has seen and drop a second delivery of either.
    public var key: String { "\(node)/\(sensor)/\(start)-\(end)/\(length.rawValue)" }
}
