// Pairs completed pulses of beam A with those of beam B.
//
// Each person leaves a pulse on A and a pulse on B of similar duration, shifted by the transit lag
// (spacing / speed). People do not overtake inside a 0.3 m zone, so the pairing preserves order on
// both beams and is an alignment of two sequences: every pulse is either paired, part of a merged
// group (one pulse on one beam standing for several people that the other beam saw apart), or left
// unmatched (someone who turned back, or noise). The alignment is chosen by least cost, where a cost
// is, in milliseconds, how far the pulses are from what one person (or a queue) would produce. The
// detector then commits only the first unit of the best alignment, once no future pulse can touch it.
//
// The size of a lag is weak evidence: it is spacing / speed, and neither is known. In a dense queue
// the lag to the *next* person's pulse on the other beam can be shorter than the lag to one's own,
// and that re-pairing is just as consistent (everyone walking the other way). What rules it out is
// the queue's ends: it needs one pulse left over at each. So a pulse left over costs a lot, unless
// its partner may simply not have come yet: then it is deferred, for free.

import PCNT

/// The first step of the best explanation of the undecided pulses.
enum MatchUnit: Sendable, Hashable {
    /// The first pulse of this beam has no partner on the other beam.
    case unmatched(Channel)
    /// The first `aCount` pulses of A and the first `bCount` pulses of B are the same people; one of
    /// the counts is 1.
    case group(aCount: Int, bCount: Int)
}

/// What a unit means for counting.
enum MatchOutcome: Sendable, Hashable {
    /// People who went through, with their directions and times.
    case crossed([Crossing])
    /// One person touched both beams and left the way they came.
    case turnedBack
    /// A pulse with no partner.
    case unmatched
}

struct PulseMatcher: Sendable {
    var maxTransit: Int64
    var jitter: Int64
    var minPersonPulse: Int64
    var maxGroup: Int
    /// The longest clear on a beam that may still be two people's pulses merged (see
    /// `isTurnBack`).
    var mergeGap: Int64

    /// Cost of leaving a pulse unmatched for good. Two of them cost more than any feasible pair, so
    /// that two pulses that could be one person are never both left over.
    var unmatchedCost: Int64 { maxTransit }
    /// Extra cost per additional person read from one merged pulse: merges happen, but separate
    /// pulses, or a turn-back next to a walker, are commoner explanations.
    static let mergePenalty: Int64 = 500

    init(_ configuration: DualBeamDetector.Configuration) {
        maxTransit = max(1, configuration.maxTransitMillis)
        jitter = max(0, configuration.jitterMillis)
        minPersonPulse = max(0, configuration.minPersonPulseMillis)
        maxGroup = max(1, configuration.maxMergedPeople)
        mergeGap = max(0, configuration.bridgeGapMillis)
    }

    // MARK: Alignment

    /// The first unit of the least-cost alignment of `a` and `b` (in time order). A pulse marked in
    /// `aOpen` / `bOpen` may still find its partner among pulses to come: leaving it over is free.
    func firstUnit(a: [BeamPulse], b: [BeamPulse], aOpen: [Bool], bOpen: [Bool]) -> MatchUnit? {
        let nA = a.count
        let nB = b.count
        guard nA + nB > 0 else { return nil }
        // cost[i][j]: least cost to explain a[i...] and b[j...]. Filled backwards so the choice at
        // (0, 0) is the first unit.
        let width = nB + 1
        var cost = [Int64](repeating: 0, count: (nA + 1) * width)
        var choice = [MatchUnit?](repeating: nil, count: (nA + 1) * width)
        for i in stride(from: nA, through: 0, by: -1) {
            for j in stride(from: nB, through: 0, by: -1) where i < nA || j < nB {
                var best = Int64.max
                var bestUnit: MatchUnit?
                func consider(_ unit: MatchUnit, _ c: Int64, next: Int) {
                    let total = c + cost[next]
                    if total < best {
                        best = total
                        bestUnit = unit
                    }
                }
                if i < nA && j < nB {
                    for k in 1...maxGroup where i + k <= nA {
                        if let c = groupCost(a[i..<(i + k)], b[j..<(j + 1)]) {
                            consider(.group(aCount: k, bCount: 1), c, next: (i + k) * width + j + 1)
                        }
                    }
                    if maxGroup >= 2 {
                        for k in 2...maxGroup where j + k <= nB {
                            if let c = groupCost(a[i..<(i + 1)], b[j..<(j + k)]) {
                                consider(.group(aCount: 1, bCount: k), c, next: (i + 1) * width + j + k)
                            }
                        }
                    }
                }
                if i < nA {
                    consider(.unmatched(.a), aOpen[i] ? 0 : unmatchedCost, next: (i + 1) * width + j)
                }
                if j < nB { consider(.unmatched(.b), bOpen[j] ? 0 : unmatchedCost, next: i * width + j + 1) }
                cost[i * width + j] = best
                choice[i * width + j] = bestUnit
            }
        }
        return choice[0]
    }

    /// How unlike one person (or one merged queue) these pulses are, or nil when they cannot be.
    /// One side holds exactly one pulse.
    func groupCost(_ a: ArraySlice<BeamPulse>, _ b: ArraySlice<BeamPulse>) -> Int64? {
        guard let a0 = a.first, let aN = a.last, let b0 = b.first, let bN = b.last else { return nil }
        // Lags between the bodies' own edges: a fragment joined to a body tells nothing.
        let rise = b0.bodyStart - a0.bodyStart
        let fall = bN.bodyEnd - aN.bodyEnd
        if a.count == 1 && b.count == 1 {
            // Someone who stops inside the zone stretches one of the two lags, never both (unless
            // they stand between the beams, touching neither): the shorter lag must be a transit.
            let gap = max(b0.start - a0.end, a0.start - b0.end)
            guard gap <= maxTransit, min(abs(rise), abs(fall)) <= maxTransit else { return nil }
            // Walking through, both edges of a body are shifted alike: the durations agree.
            var cost = min(abs(rise - fall), maxTransit) / 2 + lagCost(min(abs(rise), abs(fall)))
            if let r = direction(ofLag: rise), let f = direction(ofLag: fall), r != f {
                // A turn-back touching both beams is rarer than a crossing.
                cost += maxTransit / 2
            }
            return cost
        }
        // Several people on one beam, one pulse on the other: the single pulse must span them, each
        // must be long enough to be a body, and the outer lags must both be transits.
        let (many, single) = a.count > 1 ? (a, b0) : (b, a0)
        guard abs(rise) <= maxTransit, abs(fall) <= maxTransit else { return nil }
        if isTurnBack(many, rise: rise, fall: fall) {
            // One person, priced like a turn-back that never left the near beam.
            return lagCost(abs(rise)) + lagCost(abs(fall)) + maxTransit / 2
        }
        var gaps: Int64 = 0
        var previousEnd: Int64?
        for member in many {
            guard member.duration >= minPersonPulse,
                member.start <= single.end + maxTransit,
                member.end >= single.start - maxTransit
            else { return nil }
            if let previousEnd { gaps += member.start - previousEnd }
            previousEnd = member.end
        }
        // People merged on one beam walk at similar speeds, so their lags have similar sizes; and the
        // other beam saw no gap where this one did, which gets less likely the longer the gap.
        return lagCost(abs(rise)) + lagCost(abs(fall)) + 2 * abs(abs(rise) - abs(fall)) + 2 * gaps
            + Self.mergePenalty * Int64(many.count - 1)
    }

    /// Whether pulses entered and left through the same beam are one person who turned back: they
    /// reached the far beam, stepped out of the near one, stood, and came back through it
    /// (A, B, ¬A, A, ¬B, ¬A, or with a shallow body A, ¬A, B, ¬B, A, ¬A).
    ///
    /// Two people meeting head-on leave the same edges: the far beam merges them, the near one sees
    /// them apart. But then each of them is on the far beam within a transit of leaving or reaching
    /// the near one, so the near beam's clear is at most the two lags (plus what merges pulses).
    /// Stepping back takes longer. Both lags must be walking transits, not a pause.
    func isTurnBack(_ many: ArraySlice<BeamPulse>, rise: Int64, fall: Int64) -> Bool {
        guard many.count == 2, let first = many.first, let last = many.last,
            let entry = direction(ofLag: rise), let exit = direction(ofLag: fall), entry != exit,
            abs(rise) <= maxTransit / 2, abs(fall) <= maxTransit / 2
        else { return false }
        return last.start - first.end > abs(rise) + abs(fall) + mergeGap
    }

    /// A transit lag costs little (a slight preference for the nearer of two otherwise equal
    /// partners) until it exceeds what a slow walker across wide beams takes (half the limit).
    func lagCost(_ lag: Int64) -> Int64 {
        lag / 8 + 2 * max(0, lag - maxTransit / 2)
    }

    // MARK: Meaning

    /// What a chosen group means: who crossed, which way and when.
    func outcome(_ a: ArraySlice<BeamPulse>, _ b: ArraySlice<BeamPulse>) -> MatchOutcome {
        guard let a0 = a.first, let aN = a.last, let b0 = b.first, let bN = b.last else { return .unmatched }
        // Lags between the bodies' own edges: a fragment joined to a body tells nothing.
        let rise = b0.bodyStart - a0.bodyStart
        let fall = bN.bodyEnd - aN.bodyEnd
        let first = direction(ofLag: rise)
        let last = direction(ofLag: fall)
        let earliest = min(a0.start, b0.start)
        let latest = max(aN.end, bN.end)
        func clamped(_ t: Int64) -> Int64 { min(max(t, earliest), latest) }

        if a.count == 1 && b.count == 1 {
            let time = clamped((a0.start + a0.end + b0.start + b0.end) / 4)
            switch (first, last) {
            case (let r?, let f?) where r != f:
                // In at one beam, out at the same one after touching the other.
                return .turnedBack
            case (let d?, _), (nil, let d?):
                return .crossed([Crossing(direction: d, time: time)])
            case (nil, nil):
                // Both beams broke and cleared together. One walker cannot do that (the transit lag
                // is at least spacing / speed ≈ 60 ms), two people meeting head-on inside the beams can.
                return .crossed([
                    Crossing(direction: .aToB, time: time), Crossing(direction: .bToA, time: time),
                ])
            }
        }

        let manyIsA = a.count > 1
        let many = manyIsA ? a : b
        if isTurnBack(many, rise: rise, fall: fall) { return .turnedBack }

        // A merged group: the first member is told by the rising edges, the last by the falling ones;
        // members in between saw no edge on the other beam and follow their nearer neighbour.
        var firstDirection = first ?? last ?? .aToB
        var lastDirection = last ?? first ?? .bToA
        if first == nil && last == nil {
            firstDirection = .aToB
            lastDirection = .bToA
        }
        // Shift from a member's midpoint on its own beam to the middle of the zone: half a transit,
        // later on A for A→B (signed lags are B minus A).
        let firstShift = (manyIsA ? rise : -rise) / 2
        let lastShift = (manyIsA ? fall : -fall) / 2
        var crossings: [Crossing] = []
        let firstMid = many[many.startIndex].midpoint
        let lastMid = many[many.index(before: many.endIndex)].midpoint
        for (offset, member) in many.enumerated() {
            let mid = member.midpoint
            let direction: Direction
            let shift: Int64
            if offset == 0 {
                (direction, shift) = (firstDirection, firstShift)
            } else if offset == many.count - 1 {
                (direction, shift) = (lastDirection, lastShift)
            } else if firstDirection == lastDirection {
                (direction, shift) = (firstDirection, (firstShift + lastShift) / 2)
            } else if mid - firstMid <= lastMid - mid {
                (direction, shift) = (firstDirection, firstShift)
            } else {
                (direction, shift) = (lastDirection, lastShift)
            }
            crossings.append(Crossing(direction: direction, time: clamped(mid + shift)))
        }
        crossings.sort { ($0.time, $0.direction == .aToB ? 0 : 1) < ($1.time, $1.direction == .aToB ? 0 : 1) }
        return .crossed(crossings)
    }

    /// The direction a signed lag (B minus A) points to, or nil when it is within the jitter.
    func direction(ofLag lag: Int64) -> Direction? {
        if lag > jitter { return .aToB }
        if lag < -jitter { return .bToA }
        return nil
    }
}
