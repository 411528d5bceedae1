// A body's centre along the walking axis, as a function of time: piecewise linear between knots. Walking
// is a sloped segment, a pause a flat one, a turn-back a change of sign. Everything the beams see follows
// from it analytically, so the model is exact and event-driven instead of stepping through time.

/// A time interval in seconds of simulation time, open at both ends.
public struct TimeInterval: Sendable, Hashable {
    public var start: Double
    public var end: Double

    public init(start: Double, end: Double) {
        self.start = start
        self.end = end
    }

    /// Whether the two intervals share some time.
    public func overlaps(_ other: TimeInterval) -> Bool {
        start < other.end && other.start < end
    }
}

/// The position of a body's centre along the walking axis (metres) over time (seconds).
public struct Trajectory: Sendable, Hashable {
    /// One corner of the piecewise-linear path.
    public struct Knot: Sendable, Hashable {
        public var time: Double
        public var position: Double

        public init(time: Double, position: Double) {
            self.time = time
            self.position = position
        }
    }

    /// Corners in strictly increasing time. Before the first the body is off stage; after the last too.
    public internal(set) var knots: [Knot]

    /// A trajectory through `knots`, which must be in strictly increasing time (at least two).
    public init(knots: [Knot]) {
        precondition(knots.count >= 2, "a trajectory needs two knots")
        self.knots = knots
    }

    /// When the body appears and leaves the stage (s).
    public var startTime: Double { knots[0].time }
    public var endTime: Double { knots[knots.count - 1].time }

    /// The position at `time`; held at the first or last knot outside the trajectory's time span.
    public func position(at time: Double) -> Double {
        if time <= knots[0].time { return knots[0].position }
        if time >= endTime { return knots[knots.count - 1].position }
        var low = 0
        var high = knots.count - 1
        while high - low > 1 {
            let mid = (low + high) / 2
            if knots[mid].time <= time { low = mid } else { high = mid }
        }
        return interpolate(knots[low], knots[high], at: time)
    }

    /// The velocity of the last segment (m/s).
    public var finalVelocity: Double {
        let a = knots[knots.count - 2]
        let b = knots[knots.count - 1]
        return (b.position - a.position) / (b.time - a.time)
    }

    /// The times during which the centre lies strictly between `lower` and `upper`, merged and in order.
    /// A body of depth `d` covers a beam at `p` exactly while its centre is within `(p - d/2, p + d/2)`.
    public func intervals(inside lower: Double, _ upper: Double) -> [TimeInterval] {
        var result: [TimeInterval] = []
        for index in 0..<(knots.count - 1) {
            let a = knots[index]
            let b = knots[index + 1]
            var piece: TimeInterval?
            if a.position == b.position {
                if a.position > lower && a.position < upper {
                    piece = TimeInterval(start: a.time, end: b.time)
                }
            } else {
                let velocity = (b.position - a.position) / (b.time - a.time)
                let t1 = a.time + (lower - a.position) / velocity
                let t2 = a.time + (upper - a.position) / velocity
                let start = max(min(t1, t2), a.time)
                let end = min(max(t1, t2), b.time)
                if start < end { piece = TimeInterval(start: start, end: end) }
            }
            guard let piece else { continue }
            if let last = result.last, last.end >= piece.start {
                result[result.count - 1].end = max(last.end, piece.end)
            } else {
                result.append(piece)
            }
        }
        return result
    }

    /// The first time the centre is at `position`, if ever.
    public func firstTime(reaching position: Double) -> Double? {
        for index in 0..<(knots.count - 1) {
            let a = knots[index]
            let b = knots[index + 1]
            if a.position == position { return a.time }
            if (a.position < position && position <= b.position)
                || (a.position > position && position >= b.position)
            {
                return a.time + (position - a.position) / (b.position - a.position) * (b.time - a.time)
            }
        }
        return nil
    }

    /// This trajectory, mirrored about `axis` (x ↦ 2·axis − x): walking B→A in walkway coordinates.
    public func mirrored(about axis: Double) -> Trajectory {
        Trajectory(knots: knots.map { Knot(time: $0.time, position: 2 * axis - $0.position) })
    }

    /// This trajectory shifted along the axis by `offset` metres.
    public func shifted(by offset: Double) -> Trajectory {
        Trajectory(knots: knots.map { Knot(time: $0.time, position: $0.position + offset) })
    }

    /// The pointwise minimum of this trajectory and `leader − gap`, over this trajectory's time span:
    /// a follower in single file who never closes in on the one ahead by less than `gap`. The leader is
    /// held at its first position before it starts and walks on at its final velocity after it ends.
    func heldBehind(_ leader: Trajectory, gap: Double) -> Trajectory {
        func leaderLimit(_ time: Double) -> Double {
            if time > leader.endTime {
                return leader.knots[leader.knots.count - 1].position + leader.finalVelocity
                    * (time - leader.endTime) - gap
            }
            return leader.position(at: time) - gap
        }
        var times = knots.map(\.time)
        for knot in leader.knots where knot.time > startTime && knot.time < endTime {
            times.append(knot.time)
        }
        times.sort()
        var merged: [Knot] = []
        var previous: (time: Double, free: Double, limit: Double)?
        for time in times {
            if let last = merged.last, last.time == time { continue }
            let free = position(at: time)
            let limit = leaderLimit(time)
            if let previous {
                let d0 = previous.free - previous.limit
                let d1 = free - limit
                if (d0 < 0 && d1 > 0) || (d0 > 0 && d1 < 0) {
                    let crossing = previous.time + d0 / (d0 - d1) * (time - previous.time)
                    if crossing > previous.time && crossing < time {
                        merged.append(Knot(time: crossing, position: position(at: crossing)))
                    }
                }
            }
            merged.append(Knot(time: time, position: min(free, limit)))
            previous = (time, free, limit)
        }
        return Trajectory(knots: Trajectory.simplified(merged))
    }

    /// Drops knots that lie on the straight line through their neighbours.
    static func simplified(_ knots: [Knot]) -> [Knot] {
        guard knots.count > 2 else { return knots }
        var out: [Knot] = [knots[0]]
        for index in 1..<(knots.count - 1) {
            let a = out[out.count - 1]
            let b = knots[index]
            let c = knots[index + 1]
            let v1 = (b.position - a.position) / (b.time - a.time)
            let v2 = (c.position - b.position) / (c.time - b.time)
            if abs(v1 - v2) > 1e-9 { out.append(b) }
        }
        out.append(knots[knots.count - 1])
        return out
    }

    private func interpolate(_ a: Knot, _ b: Knot, at time: Double) -> Double {
        a.position + (b.position - a.position) * (time - a.time) / (b.time - a.time)
    }
}
