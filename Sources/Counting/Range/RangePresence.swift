// Presence from distance, for one channel of a rangefinder pair: a single-point LiDAR looks across the
// walkway at the opposite wall (or at nothing), and someone walking through shortens the distance. The
// channel's edges feed the same `DualBeamDetector` as an infrared beam's.

import PCNT
import TFmini

/// What one rangefinder sample says, whichever sensor sent it.
public enum RangeReading: Sendable, Hashable {
    /// A distance the sensor vouches for.
    case distance(millimetres: Int)
    /// Nothing came back strongly enough.
    case noReturn
    /// The receiver was overwhelmed (a reflector close by, the sun).
    case saturated

    /// A TFmini reading.
    public init(_ reading: TFminiReading) {
        switch reading {
        case .distance(let millimetres): self = .distance(millimetres: millimetres)
        case .noReturn: self = .noReturn
        case .saturated: self = .saturated
        }
    }

    /// A PCNT `TOF2` sample: distance in mm (0 = no return) and signal strength (65535 = saturated).
    public init(tof2Millimetres millimetres: UInt32, strength: UInt16) {
        if strength == UInt16.max {
            self = .saturated
        } else if millimetres == 0 {
            self = .noReturn
        } else {
            self = .distance(millimetres: Int(millimetres))
        }
    }
}

/// The empty scene one channel sees, learned by `passant calibrate baseline`.
public enum RangeBaseline: Sendable, Hashable, CustomStringConvertible {
    /// A surface at this distance: the opposite wall, a fence, a parked-car-free kerb.
    case surface(millimetres: Int)
    /// Nothing within range: the empty scene gives no return (an open square, a far facade).
    case open

    public var description: String {
        switch self {
        case .surface(let millimetres): "surface at \(millimetres) mm"
        case .open: "open (no return)"
        }
    }
}

/// Decides, sample by sample, whether someone is in one rangefinder's line of sight.
///
/// - Against a **surface** at distance *b*, someone is present when the distance falls below
///   *b* − ``Configuration/marginMillimetres``, and gone again once it rises above that plus
///   ``Configuration/hysteresisMillimetres``, so a body at the threshold does not chatter.
/// - Against an **open** scene, any return nearer than ``Configuration/openZoneMillimetres`` is someone;
///   no return is the empty scene.
/// - A state changes only after ``Configuration/confirmSamples`` samples in a row say so (one odd sample
///   is noise at 100 Hz, a walker lasts 15 or more), and the edge is stamped with the sample that
///   confirmed it, so every edge is late by the same amount and edges never run backwards.
/// - No return against a surface, and saturation against either, say nothing about presence (a dark
///   coat at a slant, the low sun): the state holds. If nothing readable comes for
///   ``Configuration/blindAfterMillis`` the channel is blind, and the sensor degraded until it sees again.
/// - The scene changes on a real street: a wheelie bin or a parked scooter put in the line of sight, taken
///   away again. Something that stays put, nearer than the baseline, for
///   ``Configuration/adoptAfterMillis`` becomes the new baseline (the channel clears, and people passing
///   in front of it are counted again); readings that stay farther than the baseline by the margin for
///   ``Configuration/restoreAfterMillis`` (people are never farther than the wall) make that farther
///   surface the baseline again.
public struct RangePresence: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// How much nearer than the baseline a reading must be to be someone. A walker is 0.2 m deep
        /// or more; the sensors' noise is a few centimetres. Default 250.
        public var marginMillimetres: Int
        /// How far back past the threshold a reading must go to end a presence. Default 100.
        public var hysteresisMillimetres: Int
        /// Against an open scene, returns nearer than this are people (beyond lies the street). Default 4000.
        public var openZoneMillimetres: Int
        /// Samples in a row needed to change state. Default 2.
        public var confirmSamples: Int
        /// Unreadable samples for this long make the channel blind. Default 2000.
        public var blindAfterMillis: Int64
        /// Something nearer than the baseline and still (within the hysteresis) for this long is the
        /// new scene, not a person. Longer than anyone pauses, and than the detector's stuck limit, so
        /// the time it blocked the channel is flagged degraded. Default 120 000.
        public var adoptAfterMillis: Int64
        /// Readings farther than the baseline by the margin for this long make that surface the
        /// baseline again. Default 10 000.
        public var restoreAfterMillis: Int64

        public init(
            marginMillimetres: Int = 250, hysteresisMillimetres: Int = 100, openZoneMillimetres: Int = 4000,
            confirmSamples: Int = 2, blindAfterMillis: Int64 = 2000, adoptAfterMillis: Int64 = 120_000,
            restoreAfterMillis: Int64 = 10_000
        ) {
            self.marginMillimetres = marginMillimetres
            self.hysteresisMillimetres = hysteresisMillimetres
            self.openZoneMillimetres = openZoneMillimetres
            self.confirmSamples = confirmSamples
            self.blindAfterMillis = blindAfterMillis
            self.adoptAfterMillis = adoptAfterMillis
            self.restoreAfterMillis = restoreAfterMillis
        }
    }

    /// Running totals for the technician.
    public struct Statistics: Sendable, Hashable {
        public var samples = 0
        public var noReturn = 0
        public var saturated = 0
        /// Samples that said nothing about presence (held state).
        public var unreadable = 0
        public var blindEpisodes = 0
        /// Times the baseline moved because the scene changed.
        public var sceneChanges = 0
        public init() {}
    }

    public let channel: Channel
    /// The empty scene now: as configured, until the scene changes.
    public private(set) var baseline: RangeBaseline
    public let configuration: Configuration
    public private(set) var statistics = Statistics()
    /// Whether someone is in the line of sight, as last confirmed.
    public private(set) var occupied = false
    /// Nothing readable for longer than the blind limit.
    public private(set) var isBlind = false

    private var disagreeing = 0
    private var lastReadable: Int64?
    /// A distance the readings have stayed at (within the hysteresis) since a time: a candidate for the
    /// new scene.
    private var still: (millimetres: Int, since: Int64)?

    public init(channel: Channel, baseline: RangeBaseline, configuration: Configuration = .init()) {
        self.channel = channel
        self.baseline = baseline
        self.configuration = configuration
    }

    /// Takes one sample at `time` (ms, non-decreasing); returns the edge it confirms, if any.
    public mutating func observe(_ reading: RangeReading, at time: Int64) -> ChannelEdge? {
        statistics.samples += 1
        let present: Bool?
        switch reading {
        case .distance(let millimetres):
            if let edge = followScene(millimetres, at: time) { return edge }
            present = isPresence(millimetres)
        case .noReturn:
            statistics.noReturn += 1
            if case .open = baseline { present = false } else { present = nil }
        case .saturated:
            statistics.saturated += 1
            present = nil
        }
        guard let present else {
            statistics.unreadable += 1
            if lastReadable == nil { lastReadable = time }
            if !isBlind, let last = lastReadable, time - last > configuration.blindAfterMillis {
                isBlind = true
                statistics.blindEpisodes += 1
            }
            return nil
        }
        lastReadable = time
        isBlind = false
        guard present != occupied else {
            disagreeing = 0
            return nil
        }
        disagreeing += 1
        guard disagreeing >= max(1, configuration.confirmSamples) else { return nil }
        disagreeing = 0
        occupied = present
        return ChannelEdge(channel: channel, occupied: present, time: time)
    }

    /// Notices a changed scene; returns the clearing edge when a still object became the baseline.
    private mutating func followScene(_ millimetres: Int, at time: Int64) -> ChannelEdge? {
        if let candidate = still,
            abs(millimetres - candidate.millimetres) <= configuration.hysteresisMillimetres
        {
            // Still there.
        } else {
            still = (millimetres, time)
        }
        guard let candidate = still else { return nil }
        let held = time - candidate.since
        let farther: Bool
        switch baseline {
        case .surface(let distance): farther = millimetres > distance + configuration.marginMillimetres
        case .open: farther = false
        }
        if farther && !occupied && held >= configuration.restoreAfterMillis {
            baseline = .surface(millimetres: candidate.millimetres)
            statistics.sceneChanges += 1
            still = nil
            return nil
        }
        if occupied && isPresence(millimetres) && held >= configuration.adoptAfterMillis {
            baseline = .surface(millimetres: candidate.millimetres)
            statistics.sceneChanges += 1
            still = nil
            occupied = false
            disagreeing = 0
            return ChannelEdge(channel: channel, occupied: false, time: time)
        }
        return nil
    }

    /// Forgets a presence in progress (link lost): the channel is taken as clear, without an edge.
    public mutating func reset() {
        occupied = false
        disagreeing = 0
        lastReadable = nil
        isBlind = false
        still = nil
    }

    private func isPresence(_ millimetres: Int) -> Bool {
        let threshold: Int
        switch baseline {
        case .surface(let distance): threshold = distance - configuration.marginMillimetres
        case .open: threshold = configuration.openZoneMillimetres
        }
        return millimetres < (occupied ? threshold + configuration.hysteresisMillimetres : threshold)
    }
}
