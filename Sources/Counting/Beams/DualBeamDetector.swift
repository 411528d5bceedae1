// The dual-beam direction detector: turns the debounced edges of an IR2 node's two beams into
// crossings. Pure and deterministic: the same edges at the same times give the same crossings.

import PCNT

/// Decides who walked through a pair of parallel beams, and which way.
///
/// Every person interrupts beam A for a while and beam B for about as long, the second shifted by
/// the transit lag (beam spacing / walking speed). The detector cuts each beam's edges into pulses,
/// bridging clears shorter than ``Configuration/bridgeGapMillis`` (and somewhat longer ones next to
/// a fragment too short to be a body: an arm, a bag), and aligns the pulses of A with those of B in
/// time order, by least cost (see `PulseMatcher`): a pair whose rising-edge lag and falling-edge
/// lag agree in sign is a crossing in that direction; a pair whose lags disagree is someone who
/// turned back after touching both beams, and so is a group entered and left through the same beam
/// whose far-beam pulse lasted longer than two people meeting head-on could make it; a pulse
/// without a partner is someone who turned back at one beam, unless it is followed, within
/// ``Configuration/maxStandMillis`` and with nothing in between, by a pulse without a partner on
/// the other beam: someone who stood between the beams touching neither. When one beam saw several
/// people as one pulse and the other saw them apart, it counts the larger number. Decisions wait
/// until no later pulse could change them, so a crossing is emitted
/// ``Configuration/maxTransitMillis`` after the person left, and in unbroken traffic up to about
/// twice that; ``pendingSince`` says how far back the undecided observations reach.
///
/// A beam interrupted for longer than ``Configuration/stuckAfterMillis`` (a parked bicycle, a
/// blocked emitter) makes the detector degraded: nothing seen on either beam while it lasts is
/// counted, and counting starts afresh when it clears.
public struct DualBeamDetector: Sendable {
    /// Tuning for one installation. The defaults suit beams 0.15–0.30 m apart and walking speeds
    /// of 0.5–2.5 m/s.
    public struct Configuration: Sendable, Hashable {
        /// The longest plausible lag between the beams for one person, in ms. Pulses further apart
        /// than this are never one person, and a decision waits at least this long after a pulse.
        /// 0.30 m at 0.5 m/s is 600 ms; the default leaves room for a hesitant step. Default 1500.
        public var maxTransitMillis: Int64
        /// A beam occupied for longer than this is stuck and the sensor degraded. Default 30 000.
        public var stuckAfterMillis: Int64
        /// A clear shorter than this inside an interruption is bridged: gaps between a torso and a
        /// swinging arm or a bag must not split a person in two. People in single file leave gaps
        /// of 75 ms or more (0.1 m at 1.34 m/s). Default 50.
        public var bridgeGapMillis: Int64
        /// A lag between the beams within this many ms carries no direction: edges of both beams
        /// within it are taken as simultaneous, so that timing jitter, or an arm swung ahead of the
        /// body into the far beam, cannot turn a walker into a turn-back. One walker's lag is at
        /// least spacing / speed (60 ms: 0.15 m at 2.5 m/s). Default 25.
        public var jitterMillis: Int64
        /// The shortest pulse that may count as a person of its own when several pulses on one beam
        /// face one merged pulse on the other. Shorter blips are left unmatched. Default 40.
        public var minPersonPulseMillis: Int64
        /// The most people read from one merged pulse. Default 4.
        public var maxMergedPeople: Int
        /// A clear longer than the bridge gap but no longer than this still joins two pulses of one
        /// beam when the shorter is a fragment of the longer: an arm swung ahead of the torso, a bag
        /// behind it. Default 90.
        public var fragmentGapMillis: Int64
        /// A fragment is at most this fraction of its neighbour's duration. Default 0.6.
        public var fragmentRatio: Double
        /// A fragment is at most this fraction of the transit lag its neighbour shows between the
        /// beams, so at most 0.75 × the spacing deep: too shallow to be a body (0.12 m or more at
        /// beam height) at the narrowest spacing, whatever the speed. Default 0.75.
        public var fragmentLagRatio: Double
        /// The longest someone may stand between the beams, touching neither, and still be counted:
        /// a pulse on one beam with no partner, then within this many ms of its end a pulse on the
        /// other beam with no partner, and nothing else in between, is one crossing. Decisions
        /// about unpartnered pulses wait this long. Default 5000.
        public var maxStandMillis: Int64

        public init(
            maxTransitMillis: Int64 = 1500,
            stuckAfterMillis: Int64 = 30_000,
            bridgeGapMillis: Int64 = 50,
            jitterMillis: Int64 = 25,
            minPersonPulseMillis: Int64 = 40,
            maxMergedPeople: Int = 4,
            fragmentGapMillis: Int64 = 90,
            fragmentRatio: Double = 0.6,
            fragmentLagRatio: Double = 0.75,
            maxStandMillis: Int64 = 5000
        ) {
            self.maxTransitMillis = maxTransitMillis
            self.stuckAfterMillis = stuckAfterMillis
            self.bridgeGapMillis = bridgeGapMillis
            self.jitterMillis = jitterMillis
            self.minPersonPulseMillis = minPersonPulseMillis
            self.maxMergedPeople = maxMergedPeople
            self.fragmentGapMillis = fragmentGapMillis
            self.fragmentRatio = fragmentRatio
            self.fragmentLagRatio = fragmentLagRatio
            self.maxStandMillis = maxStandMillis
        }
    }

    /// Running totals for a technician and the live monitor. They never reach a count bin.
    public struct Statistics: Sendable, Hashable {
        /// Crossings emitted.
        public var crossings = 0
        /// People who touched both beams and left the way they came (pulse pairs whose lags disagree).
        public var turnBacks = 0
        /// Pulses with no partner on the other beam: someone who turned back at one beam, or noise.
        public var unmatchedPulses = 0
        /// Pulses that stood for several people, resolved by counting the other beam's pulses.
        public var mergedPulses = 0
        /// Fragments (an arm, a bag) joined to the pulse of the body they belong to.
        public var joinedFragments = 0
        /// Crossings of someone who stood between the beams touching neither (among `crossings`).
        public var standsBetween = 0
        /// Pulses thrown away uncounted: seen while the other beam was stuck, or cut off by a reset.
        public var ignoredPulses = 0
        /// How many times a beam became stuck.
        public var stuckEpisodes = 0

        public init() {}
    }

    /// The tuning in force.
    public let configuration: Configuration
    /// Running totals.
    public private(set) var statistics = Statistics()
    /// The latest time the detector has been told about.
    public private(set) var now: Int64 = .min

    private var beamA = BeamTrack()
    private var beamB = BeamTrack()
    private let matcher: PulseMatcher
    /// A pulse decided to have no partner that may still be the first half of someone standing
    /// between the beams: its beam, the pulse, and whether anything else was decided since.
    private var standing: (channel: Channel, pulse: BeamPulse)?

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
        self.matcher = PulseMatcher(configuration)
    }

    // MARK: Reading the state

    /// True while a beam is stuck (occupied longer than ``Configuration/stuckAfterMillis``); no
    /// counts are produced from either beam meanwhile.
    public var isDegraded: Bool { beamA.stuck || beamB.stuck }

    /// The earliest time of any observation not yet decided: every crossing emitted later has
    /// `time >= pendingSince`. nil when nothing is pending. The aggregator keeps bins open until
    /// this passes.
    public var pendingSince: Int64? {
        [
            beamA.completed.first?.start, beamB.completed.first?.start, beamA.liveStart, beamB.liveStart,
            standing?.pulse.start,
        ]
        .compactMap { $0 }.min()
    }

    /// Whether the beam is interrupted right now, as the node last reported it.
    public func isOccupied(_ channel: Channel) -> Bool {
        self[channel].occupied
    }

    /// When the current interruption of the beam began (short flickers bridged), or nil when clear.
    public func occupiedSince(_ channel: Channel) -> Int64? {
        let track = self[channel]
        return track.occupied ? track.pulseStart : nil
    }

    /// Whether this beam is the stuck one.
    public func isStuck(_ channel: Channel) -> Bool {
        self[channel].stuck
    }

    // MARK: Feeding

    /// Feeds one edge (times non-decreasing; an earlier time is taken as the latest one seen).
    /// Appends any crossings it can now decide.
    public mutating func handle(_ edge: ChannelEdge, into crossings: inout [Crossing]) {
        let time = max(edge.time, now)
        // Settle what the passing time decides before this edge, so a clear that outlasted the
        // bridge gap ends its pulse before a new one starts.
        advance(to: time, into: &crossings)
        let other = self[edge.channel.other]
        var track = self[edge.channel]
        if edge.occupied {
            // A repeated state (after a lost sentence or a reset) changes nothing.
            guard !track.occupied else { return }
            track.occupied = true
            if track.pulseStart != nil {
                track.clearedAt = nil
                // A stuck beam that flickered clear is still stuck: what began meanwhile on the
                // other beam overlaps the blockage.
                if track.stuck, other.pulseStart != nil { self[edge.channel.other].discardCurrent = true }
            } else {
                track.pulseStart = time
                track.discardCurrent = other.stuck && other.occupied
            }
        } else {
            guard track.occupied else { return }
            track.occupied = false
            track.clearedAt = time
        }
        self[edge.channel] = track
        settle(into: &crossings)
    }

    /// Time passes with no edge (called regularly, e.g. on keepalives): expires stale pulses,
    /// detects stuck beams, and appends any crossings that can now be decided.
    public mutating func advance(to time: Int64, into crossings: inout [Crossing]) {
        now = max(now, time)
        settle(into: &crossings)
    }

    /// The link was lost or the node rebooted: forget partial observations without counting them.
    /// Both beams are taken as clear, and the timeline may restart at `time`.
    public mutating func reset(at time: Int64) {
        for track in [beamA, beamB] {
            statistics.ignoredPulses += track.completed.count
            if track.pulseStart != nil && !track.discardCurrent && !track.stuck {
                statistics.ignoredPulses += 1
            }
        }
        if standing != nil { statistics.ignoredPulses += 1 }
        standing = nil
        beamA = BeamTrack()
        beamB = BeamTrack()
        now = time
    }

    // MARK: Deciding

    private mutating func settle(into crossings: inout [Crossing]) {
        for channel in [Channel.a, .b] { detectStuck(channel) }
        for channel in [Channel.a, .b] { completePulse(channel) }
        decide(into: &crossings)
    }

    private mutating func detectStuck(_ channel: Channel) {
        let track = self[channel]
        guard track.occupied, !track.stuck, let start = track.pulseStart,
            now - start > configuration.stuckAfterMillis
        else { return }
        self[channel].stuck = true
        statistics.stuckEpisodes += 1
        if let standing, standing.pulse.end >= start - configuration.maxStandMillis {
            // Its partner could only have come through the blockage.
            statistics.ignoredPulses += 1
            self.standing = nil
        }
        // Whatever the other beam saw since the blockage began has no partner that can be trusted.
        var other = self[channel.other]
        let kept = other.completed.filter { $0.start < start }
        statistics.ignoredPulses += other.completed.count - kept.count
        other.completed = kept
        if other.pulseStart != nil { other.discardCurrent = true }
        self[channel.other] = other
    }

    private mutating func completePulse(_ channel: Channel) {
        var track = self[channel]
        guard let start = track.pulseStart, let cleared = track.clearedAt,
            now >= cleared + max(0, configuration.bridgeGapMillis)
        else { return }
        if track.stuck {
            // The blockage is gone. Start afresh: anything under way on the other beam began
            // while this one was blind.
            var other = self[channel.other]
            if let otherStart = other.pulseStart, otherStart < cleared, !other.discardCurrent {
                other.discardCurrent = true
            }
            self[channel.other] = other
        } else if track.discardCurrent {
            statistics.ignoredPulses += 1
        } else {
            track.completed.append(BeamPulse(start: start, end: cleared))
        }
        track.pulseStart = nil
        track.clearedAt = nil
        track.discardCurrent = false
        track.stuck = false
        self[channel] = track
    }

    /// Joins each fragment to the pulse it belongs to: a short pulse next to a longer one on the same
    /// beam, across a clear of at most ``Configuration/fragmentGapMillis``, and shorter than the
    /// transit lag says a body could be. The lag comes from the longer pulse's partner on the other
    /// beam: the completed pulse whose rising and falling edges are shifted most alike (the same
    /// body), by at most half the transit limit. Nothing is joined before every
    /// possible partner has been seen, which is before the unit can be committed.
    private mutating func joinFragments(_ channel: Channel) {
        var track = self[channel]
        let other = self[channel.other]
        let others = other.completed
        // Only once every pulse that could be the partner has been seen.
        let settled = other.earliestFutureStart(now: now) - configuration.maxTransitMillis / 2
        var index = 1
        while index < track.completed.count {
            let p = track.completed[index - 1]
            let q = track.completed[index]
            if max(p.start, q.start) < settled, let transit = fragmentTransit(p, q, others: others) {
                var joined = p.duration >= q.duration ? p : q
                joined.start = p.start
                joined.end = q.end
                joined.transit = transit
                track.completed[index - 1] = joined
                track.completed.remove(at: index)
                statistics.joinedFragments += 1
            } else {
                index += 1
            }
        }
        self[channel] = track
    }

    /// The transit lag that makes the shorter of two neighbouring pulses a fragment of the longer,
    /// or nil when it is not one.
    private func fragmentTransit(_ p: BeamPulse, _ q: BeamPulse, others: [BeamPulse]) -> Int64? {
        guard q.start - p.end <= configuration.fragmentGapMillis else { return nil }
        let (short, long) = p.duration <= q.duration ? (p, q) : (q, p)
        guard Double(short.duration) <= configuration.fragmentRatio * Double(long.duration) else {
            return nil
        }
        func fits(_ lag: Int64) -> Int64? {
            Double(short.duration) <= configuration.fragmentLagRatio * Double(lag) ? lag : nil
        }
        if let transit = long.transit { return fits(transit) }
        // The partner: both edges shifted the same way, by a walking transit, and alike.
        var best: (mismatch: Int64, lag: Int64)?
        for other in others {
            let rise = other.start - long.start
            let fall = other.end - long.end
            if let transit = other.transit, abs(rise) <= configuration.maxTransitMillis / 2 {
                // A partner with fragments of its own joined: its lag was measured before.
                let mismatch = abs(abs(rise) - transit)
                if mismatch < best?.mismatch ?? .max { best = (mismatch, transit) }
                continue
            }
            guard abs(rise) <= configuration.maxTransitMillis / 2,
                abs(fall) <= configuration.maxTransitMillis / 2
            else { continue }
            let mismatch = abs(rise - fall)
            // Fragments on the other beam may stretch its pulse at either end: the larger shift
            // is the nearer to the transit.
            if mismatch < best?.mismatch ?? .max { best = (mismatch, max(abs(rise), abs(fall))) }
        }
        guard let lag = best?.lag, lag > configuration.jitterMillis else { return nil }
        return fits(lag)
    }

    /// A pulse without a partner: the second half of someone who stood between the beams, or the
    /// first half of one, or someone who turned back at one beam (or noise).
    private mutating func unpartnered(
        _ channel: Channel, _ pulse: BeamPulse, into crossings: inout [Crossing]
    ) {
        if let standing {
            self.standing = nil
            // Alignment decides ties in either order: the candidate may be the later pulse.
            let (first, second) =
                standing.pulse.start <= pulse.start
                ? ((standing.channel, standing.pulse), (channel, pulse))
                : ((channel, pulse), (standing.channel, standing.pulse))
            if first.0 != second.0, second.1.start > first.1.end,
                second.1.start - first.1.end <= configuration.maxStandMillis,
                // Nothing else on either beam in between.
                !beamA.completed.contains(where: { $0.start < second.1.start && $0 != pulse }),
                !beamB.completed.contains(where: { $0.start < second.1.start && $0 != pulse }),
                (beamA.liveStart ?? .max) > second.1.start, (beamB.liveStart ?? .max) > second.1.start
            {
                let direction: Direction = first.0 == .a ? .aToB : .bToA
                let time = (first.1.start + first.1.end + second.1.start + second.1.end) / 4
                crossings.append(Crossing(direction: direction, time: time))
                statistics.crossings += 1
                statistics.standsBetween += 1
                return
            }
            statistics.unmatchedPulses += 1
        }
        standing = (channel, pulse)
    }

    /// Gives up on a standing candidate once its partner can no longer come, or something else
    /// happened first.
    private mutating func dropStanding() {
        guard standing != nil else { return }
        statistics.unmatchedPulses += 1
        standing = nil
    }

    /// Commits the first steps of the best alignment for as long as no pulse still to come could
    /// be linked to them.
    private mutating func decide(into crossings: inout [Crossing]) {
        defer {
            if let standing {
                // The partner may be a pulse still undecided, one under way, or one to come.
                let other = self[standing.channel.other]
                let next = min(other.completed.first?.start ?? .max, other.earliestFutureStart(now: now))
                if next - standing.pulse.end > configuration.maxStandMillis { dropStanding() }
            }
        }
        while !beamA.completed.isEmpty || !beamB.completed.isEmpty {
            joinFragments(.a)
            joinFragments(.b)
            // A pulse on one beam can still be linked to a pulse on the other that starts within the
            // transit limit of its end.
            let futureA = beamA.earliestFutureStart(now: now)
            let futureB = beamB.earliestFutureStart(now: now)
            let window = configuration.maxTransitMillis
            // The first unit holds the first pulse of A or of B; if both may still be linked to
            // pulses to come, nothing can be decided yet (and the alignment need not be computed).
            let firstASettled = beamA.completed.first.map { futureB - $0.end > window } ?? false
            let firstBSettled = beamB.completed.first.map { futureA - $0.end > window } ?? false
            guard firstASettled || firstBSettled else { return }
            guard
                let unit = matcher.firstUnit(
                    a: beamA.completed, b: beamB.completed,
                    aOpen: beamA.completed.map { futureB - $0.end <= window },
                    bOpen: beamB.completed.map { futureA - $0.end <= window })
            else { return }
            let (aCount, bCount): (Int, Int)
            switch unit {
            case .unmatched(.a): (aCount, bCount) = (1, 0)
            case .unmatched(.b): (aCount, bCount) = (0, 1)
            case .group(let a, let b): (aCount, bCount) = (a, b)
            }
            let a = beamA.completed.prefix(aCount)
            let b = beamB.completed.prefix(bCount)
            // Nothing still to come may touch the unit itself.
            guard a.allSatisfy({ futureB - $0.end > window }), b.allSatisfy({ futureA - $0.end > window })
            else { return }
            // Nor, for a while, its neighbours: a pulse next to the unit whose own partner may still
            // come was taken as merely deferred, so the unit was chosen without knowing what it will
            // be left with. In unbroken traffic neighbours always have one, so the wait is bounded.
            let unitEnd = max(a.last?.end ?? .min, b.last?.end ?? .min)
            if now - unitEnd <= 2 * window {
                let restA = beamA.completed.dropFirst(aCount)
                let restB = beamB.completed.dropFirst(bCount)
                let waitingNeighbour =
                    restB.contains { q in
                        futureA - q.end <= window && a.contains { p in Self.gap(p, q) <= window }
                    }
                    || restA.contains { q in
                        futureB - q.end <= window && b.contains { p in Self.gap(p, q) <= window }
                    }
                if waitingNeighbour { return }
            }

            switch unit {
            case .unmatched(let channel):
                unpartnered(
                    channel, (channel == .a ? a : b)[channel == .a ? a.startIndex : b.startIndex],
                    into: &crossings)
            case .group:
                dropStanding()
                switch matcher.outcome(a, b) {
                case .crossed(let people):
                    crossings.append(contentsOf: people)
                    statistics.crossings += people.count
                    if aCount + bCount > 2 { statistics.mergedPulses += 1 }
                case .turnedBack:
                    statistics.turnBacks += 1
                case .unmatched:
                    statistics.unmatchedPulses += aCount + bCount
                }
            }
            beamA.completed.removeFirst(aCount)
            beamB.completed.removeFirst(bCount)
        }
    }

    /// Time between two pulses on different beams; negative when they overlap.
    private static func gap(_ p: BeamPulse, _ q: BeamPulse) -> Int64 {
        max(q.start - p.end, p.start - q.end)
    }

    private subscript(_ channel: Channel) -> BeamTrack {
        get { channel == .a ? beamA : beamB }
        set {
            if channel == .a { beamA = newValue } else { beamB = newValue }
        }
    }
}

extension Channel {
    // fileprivate: the name is too generic to claim for the whole module.
    /// The other beam of the pair.
    fileprivate var other: Channel { self == .a ? .b : .a }
}
