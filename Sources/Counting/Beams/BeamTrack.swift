// What one beam has seen: the interruption in progress and the completed ones not yet decided.

/// One interval during which a beam was interrupted, after short flickers have been bridged.
struct BeamPulse: Sendable, Hashable {
    var start: Int64
    var end: Int64
    /// The body's own interruption, without the fragments joined to it (an arm swung ahead, a
    /// bag behind): its edges, not theirs, tell the direction.
    var bodyStart: Int64
    var bodyEnd: Int64
    /// The transit lag measured for the body, once fragments were joined to it: joined pulses on
    /// both beams no longer show it.
    var transit: Int64?

    init(start: Int64, end: Int64) {
        self.start = start
        self.end = end
        bodyStart = start
        bodyEnd = end
    }

    var duration: Int64 { end - start }
    var midpoint: Int64 { start + (end - start) / 2 }
}

/// The state of one beam. A pulse is "in progress" from its first interruption until the beam has
/// stayed clear for the bridge gap: a clear shorter than that (an arm swinging, a bag strap) does not
/// split one person into two pulses.
struct BeamTrack: Sendable {
    /// The beam's state as last reported by the node.
    var occupied = false
    /// Start of the pulse in progress: the beam is occupied, or cleared less than a bridge gap ago.
    var pulseStart: Int64?
    /// When the beam cleared, while the pulse in progress may still resume.
    var clearedAt: Int64?
    /// The pulse in progress will be thrown away when it ends, because the other beam was stuck while
    /// it lasted: nothing it saw can be matched.
    var discardCurrent = false
    /// The pulse in progress has lasted longer than the stuck limit.
    var stuck = false
    /// Completed pulses not yet decided, in time order.
    var completed: [BeamPulse] = []

    /// A pulse in progress that may still become part of a crossing.
    var liveStart: Int64? {
        guard let pulseStart, !discardCurrent, !stuck else { return nil }
        return pulseStart
    }

    /// The earliest time at which a pulse not yet completed could start on this beam.
    func earliestFutureStart(now: Int64) -> Int64 {
        liveStart ?? now
    }
}
