import PCNT

/// What the daemon reports about one sensor. Counters only; nothing identifies anyone.
///
/// The protocol-neutral part (link, frames, lost frames, rejects by reason, crossings) is filled by
/// every `SensorCounter`; the PCNT part (`hello`, `status`, `rejects`, `unsupportedSentences`) only
/// by `PCNTCounter`. A "frame" is one unit of the wire protocol: a PCNT sentence, an LD06 packet, a
/// TFmini frame.
public struct SensorHealth: Sendable, Hashable {
    public enum Link: String, Sendable, Hashable {
        /// Nothing received yet.
        case waiting
        case up
        /// Silent for longer than the link timeout.
        case down
    }

    /// The wire protocol, as the configuration names it (`pcnt`, `ld06`, …).
    public var `protocol`: String
    public var link: Link = .waiting
    /// Frames accepted.
    public var frames = 0
    /// Frames rejected (bad CRC, malformed, …), all reasons together; noise bytes are not frames.
    public var rejectedFrames = 0
    /// Rejected input by reason, e.g. `bad_crc` → 3, `noise_bytes` → 120. Reasons are the decoder's;
    /// a reason that never happened may be missing.
    public var rejected: [String: Int] = [:]
    /// Frames the sensor sent that never arrived (PCNT sequence gaps, LD06 timestamp gaps).
    public var lostFrames = 0
    public var reboots = 0
    public var degraded = false
    /// People counted since start (a running total for the technician, not stored).
    public var crossings = 0
    /// Coverage of the bin being counted, so far (healthy time over the time gone by in it).
    public var binCoverage: Double?
    /// Fast movers (cyclists, scooters) that crossed since start, counted apart from people (in the
    /// bins' `fastMovers`).
    public var fastMovers = 0

    // PCNT only.
    public var hello: Hello?
    public var status: NodeStatus?
    public var rejects = PCNTRejects()
    public var unsupportedSentences = 0
    /// TOF2 sample pairs received.
    public var rangeSamples = 0

    // TFmini pair only.
    /// Each rangefinder's own state.
    public var rangefinders: RangefinderPairHealth?

    public init(protocol: String = "pcnt") {
        self.protocol = `protocol`
    }

    /// PCNT's name for `frames`.
    public var sentences: Int {
        get { frames }
        set { frames = newValue }
    }

    /// PCNT's name for `lostFrames`.
    public var lostSentences: Int {
        get { lostFrames }
        set { lostFrames = newValue }
    }
}

extension PCNTRejects {
    /// The reasons by name, for `SensorHealth.rejected`.
    public var byReason: [String: Int] {
        [
            "bad_crc": badCRC, "too_long": tooLong, "malformed": malformed, "unknown_type": unknownType,
            "noise_bytes": noiseBytes,
        ]
    }
}
