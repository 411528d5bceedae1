// The privacy boundary. A `CountBin` is the only thing passant ever writes to disk or sends upstream:
// anonymous counts per direction for one sensor and one UTC-aligned time bin of at least a minute.
// This module knows nothing of edges, samples, tracks or crossings, and modules past the boundary
// (store, uplinks) depend on this module alone.

/// The bin lengths passant supports, in seconds. Every bin starts at a multiple of its length in UTC.
public enum BinLength: Int, Sendable, Hashable, CaseIterable, Codable {
    case oneMinute = 60
    case fiveMinutes = 300
    case fifteenMinutes = 900
    case oneHour = 3600

    public var seconds: Int64 { Int64(rawValue) }

    /// The start (Unix seconds, UTC) of the bin that holds `unixMillis`.
    public func start(containing unixMillis: Int64) -> Int64 {
        let seconds = floorDivide(unixMillis, 1000)
        return seconds - positiveModulo(seconds, self.seconds)
    }
}

/// Identifies one bin everywhere, for ever: in the store, in every uplink message, at every receiver.
/// A receiver drops a second delivery of the same key.
public struct BinKey: Sendable, Hashable, Codable, Comparable {
    /// The gateway that counted (config `node`, by default the host name).
    public var node: String
    /// The sensor's name in the config.
    public var sensor: String
    /// Bin start, Unix seconds, UTC; a multiple of `length`.
    public var start: Int64
    public var length: BinLength

    public init(node: String, sensor: String, start: Int64, length: BinLength) {
        self.node = node
        self.sensor = sensor
        self.start = start
        self.length = length
    }

    /// Bin end, Unix seconds, UTC (exclusive).
    public var end: Int64 { start + length.seconds }

    /// `node/sensor/start/length`, the form receivers see.
    public var description: String { "\(node)/\(sensor)/\(start)/\(length.rawValue)" }

    public static func < (lhs: BinKey, rhs: BinKey) -> Bool {
        (lhs.start, lhs.node, lhs.sensor, lhs.length.rawValue)
            < (rhs.start, rhs.node, rhs.sensor, rhs.length.rawValue)
    }
}

/// What a data analyst must know about a bin besides its counts.
public struct BinFlags: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The link to the sensor was down for part of the bin (silence longer than the link timeout).
    public static let linkDown = BinFlags(rawValue: 1 << 0)
    /// Sentences were lost (sequence gaps); counts may be missing.
    public static let dataLost = BinFlags(rawValue: 1 << 1)
    /// The sensor was degraded: a beam blocked for too long, or the node reported a fault.
    public static let sensorDegraded = BinFlags(rawValue: 1 << 2)
    /// The counter node rebooted during the bin.
    public static let sensorRestarted = BinFlags(rawValue: 1 << 3)
    /// Closed before its end because the daemon stopped; a restart within the bin resumes it.
    public static let closedEarly = BinFlags(rawValue: 1 << 4)
    /// The gateway's clock was not synchronised; the bin's start may be wrong.
    public static let clockUnsynchronised = BinFlags(rawValue: 1 << 5)
    /// Counts below the site's minimum were suppressed (reported as 0).
    public static let suppressed = BinFlags(rawValue: 1 << 6)
    /// Counts carry privacy noise.
    public static let noised = BinFlags(rawValue: 1 << 7)

    /// Names as they appear in exports and uplink messages, in bit order.
    public static let names: [(BinFlags, String)] = [
        (.linkDown, "link-down"), (.dataLost, "data-lost"), (.sensorDegraded, "sensor-degraded"),
        (.sensorRestarted, "sensor-restarted"), (.closedEarly, "closed-early"),
        (.clockUnsynchronised, "clock-unsynchronised"), (.suppressed, "suppressed"), (.noised, "noised"),
    ]

    public var names: [String] { Self.names.filter { contains($0.0) }.map(\.1) }
}

/// Anonymous counts for one sensor and one bin. The only type the store accepts.
public struct CountBin: Sendable, Hashable, Codable {
    public var key: BinKey
    /// People counted walking from channel A to channel B.
    public var aToB: Int
    /// People counted walking from channel B to channel A.
    public var bToA: Int
    /// The fraction of the bin, 0…1, during which the sensor delivered valid data. A zero count with
    /// full coverage is a real zero; with coverage 0 it is an outage.
    public var coverage: Double
    public var flags: BinFlags
    /// Fast movers (cyclists, scooters) the sensor told apart from pedestrians and counted separately;
    /// nil for a sensor that does not tell them apart (beams, rangefinders, a LiDAR without
    /// `fast_mover_mps`). Never part of `aToB` and `bToA`.
    public var fastMovers: FastMovers?

    public init(
        key: BinKey, aToB: Int, bToA: Int, coverage: Double, flags: BinFlags, fastMovers: FastMovers? = nil
    ) {
        self.key = key
        self.aToB = aToB
        self.bToA = bToA
        self.coverage = coverage
        self.flags = flags
        self.fastMovers = fastMovers
    }

    /// Adds `other`'s counts and covered time to this bin's and unites their flags: two parts of one
    /// bin counted apart (before and after a restart, or moved onto one key by a clock correction).
    public mutating func absorb(_ other: CountBin) {
        aToB += other.aToB
        bToA += other.bToA
        fastMovers = fastMovers + other.fastMovers
        coverage = min(1, coverage + other.coverage)
        flags.formUnion(other.flags)
    }
}

/// Fast movers counted per direction in one bin, as anonymous as the pedestrian counts beside them.
public struct FastMovers: Sendable, Hashable, Codable {
    public var aToB: Int
    public var bToA: Int

    public init(aToB: Int, bToA: Int) {
        self.aToB = aToB
        self.bToA = bToA
    }

    public static func + (lhs: FastMovers, rhs: FastMovers) -> FastMovers {
        FastMovers(aToB: lhs.aToB + rhs.aToB, bToA: lhs.bToA + rhs.bToA)
    }
}

extension FastMovers? {
    /// Counts of two bins added up; nil only when neither bin tells fast movers apart.
    public static func + (lhs: FastMovers?, rhs: FastMovers?) -> FastMovers? {
        switch (lhs, rhs) {
        case (nil, nil): nil
        case (let one?, nil), (nil, let one?): one
        case (let a?, let b?): a + b
        }
    }
}

@inlinable
func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

@inlinable
func positiveModulo(_ a: Int64, _ b: Int64) -> Int64 {
    let r = a % b
    return r < 0 ? r + b : r
}
