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

    public static let defaultPath = "/etc/passant/passant.yaml"
}

public struct StoreConfiguration: Sendable, Hashable {
    /// The SQLite database file.
    public var path: String

    public static let defaultPath = "/var/lib/passant/passant.db"
}

/// The wire protocol a sensor speaks.
public enum SensorProtocol: String, Sendable, Hashable, CaseIterable {
    /// A PCNT counter node (two infrared beams, IR2).
    case pcnt
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
}
