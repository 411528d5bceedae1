// Detection vocabulary. These types live only in memory, inside this module and the daemon's sensor
// services: they never reach the store or an uplink. `Aggregator` turns them into `CountBin`s.

import PCNT

/// Which way a person walked, relative to the sensor's channels.
public enum Direction: String, Sendable, Hashable, CaseIterable {
    /// Channel A was reached first.
    case aToB = "a_to_b"
    /// Channel B was reached first.
    case bToA = "b_to_a"
}

/// One person who walked through, and when (milliseconds on the sensor's timeline).
public struct Crossing: Sendable, Hashable {
    /// Who crossed, as far as the sensor can tell.
    public enum Kind: Sendable, Hashable {
        case pedestrian
        /// Faster than a walker at the line (a cyclist, a scooter): counted apart, never as a pedestrian.
        case fastMover
    }

    public var direction: Direction
    /// When the person passed the middle of the counting zone, in sensor-timeline milliseconds.
    public var time: Int64
    public var kind: Kind

    public init(direction: Direction, time: Int64, kind: Kind = .pedestrian) {
        self.direction = direction
        self.time = time
        self.kind = kind
    }
}

/// One channel changing state: a beam interrupted or cleared (or, for rangefinders, presence
/// beginning or ending), at a time on the sensor's timeline in milliseconds.
public struct ChannelEdge: Sendable, Hashable {
    public var channel: Channel
    /// `true` when the channel became occupied (beam interrupted), `false` when it cleared.
    public var occupied: Bool
    public var time: Int64

    public init(channel: Channel, occupied: Bool, time: Int64) {
        self.channel = channel
        self.occupied = occupied
        self.time = time
    }
}
