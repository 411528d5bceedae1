import CountBins

/// The daemon's configuration, from `/etc/passant/passant.yaml` (see `passant.example.yaml`).
public struct Configuration: Sendable, Hashable {
    /// The counting site's id, as the city's data platform knows it.
    public var site: String
    /// This gateway's id, part of every bin key. Defaults to the host name.
    public var node: String
    public var binLength: BinLength
    /// How long after its end a bin waits for late decisions before it is closed.
    public var graceSeconds: Int
    public var store: StoreConfiguration
    public var sensors: [SensorConfiguration]
    /// Where closed bins are delivered; each keeps its own delivery state.
    public var uplinks: [UplinkConfiguration] = []
    /// `control_socket`: the Unix socket `passant` talks to the daemon through; `none` for none.
    public var controlSocket: String? = Self.defaultControlSocket
    /// `privacy:`: small-count suppression and noise, applied to each bin once when it closes.
    public var privacy: PrivacyPolicy = .off

    public static let defaultControlSocket = "/run/passant/control.sock"

    public static let defaultPath = "/etc/passant/passant.yaml"
}

/// The `store:` section: where bins are kept and how much of them.
public struct StoreConfiguration: Sendable, Hashable {
    /// The SQLite database file.
    public var path: String
    /// `max_mb`: the most the store may use, in MiB (database pages in use plus its WAL). When it is
    /// reached, delivered bins go first, then the oldest undelivered ones with a gap record.
    public var maxMegabytes: Int
    /// `max_age_days`: bins older than this are deleted, undelivered ones with a gap record.
    public var maxAgeDays: Int

    public init(
        path: String = Self.defaultPath, maxMegabytes: Int = Self.defaultMaxMegabytes,
        maxAgeDays: Int = Self.defaultMaxAgeDays
    ) {
        self.path = path
        self.maxMegabytes = maxMegabytes
        self.maxAgeDays = maxAgeDays
    }

    public static let defaultPath = "/var/lib/passant/passant.db"
    /// 256 MiB: a bin takes about 90 bytes on disk, 190 once two uplinks confirmed it (measured), so
    /// this holds the 90 days of the age limit in one-minute bins for about ten sensors (the age limit
    /// normally acts first), yet stays a few percent of the smallest SD card a Pi boots from (8 GB,
    /// shared with the system and the journal).
    public static let defaultMaxMegabytes = 256
    /// 90 days: a quarter of outage upstream (an expired certificate or contract, a platform
    /// migration) survives with room to spare, while bins every uplink delivered long ago do not
    /// linger on a device on a lamp post: the data platform is the archive, not the gateway.
    public static let defaultMaxAgeDays = 90
    /// Validation ranges: below 1 MiB not even a day of bins of a busy gateway fits; above 64 GiB is
    /// more than an SD card should hold. Ages from a day to ten years.
    public static let maxMegabytesRange = 1...65_536
    public static let maxAgeDaysRange = 1...3650

    /// `max_mb` in bytes, for the store's retention policy.
    public var maxBytes: Int64 { Int64(maxMegabytes) * 1_048_576 }
    /// `max_age_days` in seconds, for the store's retention policy.
    public var maxAgeSeconds: Int64 { Int64(maxAgeDays) * 86_400 }
}

/// The wire protocol a sensor speaks.
public enum SensorProtocol: String, Sendable, Hashable, CaseIterable {
    /// A PCNT counter node (two infrared beams, IR2).
    case pcnt
    /// A PCNT counter node with two rangefinders (TOF2): presence from distance.
    case tof2
    /// Two TFmini-family rangefinders (TFmini-S, TFmini Plus, TF-Luna), each on its own port.
    case tfminiPair = "tfmini-pair"
    /// An LDROBOT LD06 / LD19 2D LiDAR (230400 baud), counting at a line.
    case ld06
}

/// What the two directions are called at this site, e.g. `a_to_b: inbound`.
public struct DirectionLabels: Sendable, Hashable {
    public var aToB: String
    public var bToA: String

    public init(aToB: String = "a_to_b", bToA: String = "b_to_a") {
        self.aToB = aToB
        self.bToA = bToA
    }
}

/// One counter attached to this gateway.
public struct SensorConfiguration: Sendable, Hashable {
    /// The sensor's name at the site, part of every bin key.
    public var name: String
    /// A device path (`/dev/serial/by-id/…`, `/dev/ttyUSB0`, a pseudo-terminal) or `tcp://host:port`.
    /// For a `tfmini-pair`, channel A's port.
    public var port: String
    public var `protocol`: SensorProtocol
    public var baud: Int
    public var labels: DirectionLabels
    /// Longest plausible time between the two beams for one walker.
    public var maxTransitMillis: Int
    /// A beam blocked longer than this marks the sensor degraded (a parked bicycle, a blocked emitter).
    public var stuckAfterSeconds: Int
    /// Silence longer than this means the link or the node is down.
    public var linkTimeoutMillis: Int
    /// Presence from distance (`tof2`, `tfmini-pair`); nil for `pcnt`.
    public var rangefinder: RangefinderSettings? = nil
    /// The two sensors of a `tfmini-pair`; nil otherwise.
    public var channelA: RangefinderChannel? = nil
    public var channelB: RangefinderChannel? = nil

    /// Every port this sensor reads: one, or two for a `tfmini-pair` (A then B).
    public var ports: [String] {
        if let channelA, let channelB { return [channelA.port, channelB.port] }
        return [port]
    }
    /// The counting line and region of a 2D LiDAR; nil for other protocols.
    public var lidar: LidarConfiguration? = nil
}
