// The dual-beam detector against traffic from a generator of its own, independent of the simulator
// and with a different body model: a body at beam height is a set of parts along the walking axis
// (a torso, an arm swung ahead, a bag behind, a pram or a suitcase), so one person may leave
// several pulses on a beam; speed changes during the crossing; the node debounces each beam
// (0–50 ms) and stamps its edges with jitter.

import Counting
import PCNT
import TestSupport
import Testing

// MARK: - The field model

extension SeededGenerator {
    fileprivate mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        Double.random(in: range, using: &self)
    }
    fileprivate mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
}

/// One site: where the beams are and how the node reports them.
private struct Site {
    /// Distance between the beams, m.
    var spacing: Double
    /// The node's debounce, ms: a state must hold this long to be reported, and is stamped then.
    var debounce: Int64
    /// Timestamp jitter, ± ms, on every edge.
    var jitter: Int64

    static func random(_ rng: inout SeededGenerator) -> Site {
        Site(
            spacing: rng.uniform(0.15...0.30), debounce: Int64.random(in: 0...50, using: &rng),
            jitter: Int64.random(in: 0...6, using: &rng))
    }
}

/// Something at beam height that moves with a person: it spans `from`–`to` metres behind the
/// person's foremost point.
private struct Part {
    var from: Double
    var to: Double
}

/// A person (or a person pushing a pram) crossing, or a dog passing below the beams.
private struct Mover {
    enum Kind { case adult, child, pram, suitcase, dog }
    var kind: Kind
    var direction: Direction
    /// When the foremost part reaches the first beam, ms.
    var entry: Double
    /// Speed at the first beam and at the far end of the crossing, m/s; it changes linearly with
    /// distance in between.
    var speedIn: Double
    var speedOut: Double
    /// The parts each beam sees (an arm swings: the beams may see it differently). Index 0 is the
    /// first beam reached.
    var parts: [[Part]]
    /// Stops with the front at this distance past the first beam, for `stopMillis`.
    var stopAt: Double?
    var stopMillis: Double = 0
    /// Whether this is a person who crosses.
    var counts: Bool { kind != .dog }

    var depth: Double { parts.flatMap { $0 }.map(\.to).max() ?? 0 }

    /// When the front has gone `distance` metres past the first beam.
    func time(atFront distance: Double, spacing: Double) -> Double {
        let length = spacing + depth
        func speed(_ d: Double) -> Double { speedIn + (speedOut - speedIn) * min(max(d / length, 0), 1) }
        func travel(_ d: Double) -> Double {
            // Midpoint rule over 64 steps: speed is linear in distance, so this is exact enough.
            let d = max(0, d)
            let steps = 64
            let step = d / Double(steps)
            var seconds = 0.0
            for index in 0..<steps { seconds += step / speed((Double(index) + 0.5) * step) }
            return seconds * 1000
        }
        var t = entry + travel(distance)
        if let stopAt, distance > stopAt { t += stopMillis }
        return t
    }

    /// The intervals during which each part covers a beam; `first` is the first beam reached.
    func intervals(first: Bool, spacing: Double) -> [(Double, Double)] {
        if kind == .dog { return [] }
        let x = first ? 0 : spacing
        return parts[first ? 0 : 1].map { part in
            (time(atFront: x + part.from, spacing: spacing), time(atFront: x + part.to, spacing: spacing))
        }
    }

    /// When the last part has left both beams.
    func exit(spacing: Double) -> Double { time(atFront: spacing + depth, spacing: spacing) }
    /// When the first part reaches a beam.
    func arrival(first: Bool, spacing: Double) -> Double {
        time(atFront: (first ? 0 : spacing) + (parts[first ? 0 : 1].map(\.from).min() ?? 0), spacing: spacing)
    }
    /// When the last part leaves a beam.
    func clearance(first: Bool, spacing: Double) -> Double {
        time(atFront: (first ? 0 : spacing) + depth, spacing: spacing)
    }
}

/// A random walker of the given kind. Arm and bag gaps are drawn in milliseconds at the walker's
/// speed: 30–80 ms clears inside one person.
private func person(
    _ kind: Mover.Kind, _ direction: Direction, at entry: Double, _ rng: inout SeededGenerator
) -> Mover {
    var speed: Double
    var torso: Double
    switch kind {
    case .adult: (speed, torso) = (rng.uniform(0.7...2.0), rng.uniform(0.20...0.34))
    case .child: (speed, torso) = (rng.uniform(0.7...1.7), rng.uniform(0.12...0.18))
    case .pram, .suitcase: (speed, torso) = (rng.uniform(0.7...1.4), rng.uniform(0.22...0.32))
    case .dog: (speed, torso) = (rng.uniform(0.8...2.0), 0.5)
    }
    let speedOut = speed * rng.uniform(0.75...1.3)
    func gap(_ rng: inout SeededGenerator) -> Double { rng.uniform(0.030...0.080) * min(speed, speedOut) }
    // The same pram, suitcase or bag on both beams. At 1.2 m a child shows only a head; a pram's
    // pusher has both hands on the handle.
    let long = rng.uniform(0.8...1.2)
    let bag = kind == .adult && rng.chance(0.3) ? (gap(&rng), rng.uniform(0.04...0.10)) : nil
    let swings = (kind == .adult || kind == .suitcase) && rng.chance(0.6)
    // The torso is where it is on both beams; an arm swung ahead of it shows on a beam or not,
    // further ahead or less, with a 30–80 ms clear before the torso.
    let lead = (kind == .pram ? long - torso : 0) + (swings ? 0.09 + 0.08 * min(speed, speedOut) : 0)
    var beams: [[Part]] = []
    for _ in 0..<2 {
        var parts: [Part] = []
        if kind == .pram {
            // A pram pushed ahead, its handle and the walker's arms bridging to the torso.
            parts.append(Part(from: 0, to: lead))
        } else if swings && rng.chance(0.6) {
            let end = lead - gap(&rng)
            parts.append(Part(from: max(0, end - rng.uniform(0.04...0.09)), to: end))
        }
        parts.append(Part(from: lead, to: lead + torso))
        let back = lead + torso
        if kind == .suitcase {
            // A suitcase pulled behind; its handle reaches beam height.
            parts.append(Part(from: back, to: back + long - torso))
        } else if let bag {
            parts.append(Part(from: back + bag.0, to: back + bag.0 + bag.1))
        }
        beams.append(parts)
    }
    return Mover(
        kind: kind, direction: direction, entry: entry, speedIn: speed, speedOut: speedOut, parts: beams)
}

/// What the node reports for these movers at this site: per beam, the union of the parts'
/// intervals, debounced, stamped when confirmed, with jitter; in time order.
private func nodeEdges(_ movers: [Mover], _ site: Site, _ rng: inout SeededGenerator) -> [ChannelEdge] {
    var edges: [ChannelEdge] = []
    for channel in [Channel.a, .b] {
        var raw: [(Double, Double)] = []
        for mover in movers {
            let first = (mover.direction == .aToB) == (channel == .a)
            raw += mover.intervals(first: first, spacing: site.spacing)
        }
        // The node samples every millisecond.
        var intervals = raw.map { (Int64($0.0.rounded(.up)), Int64($0.1.rounded(.up))) }.filter {
            $0.1 > $0.0
        }
        intervals.sort { $0.0 < $1.0 }
        var merged: [(Int64, Int64)] = []
        for interval in intervals {
            if let last = merged.last, interval.0 <= last.1 {
                merged[merged.count - 1].1 = max(last.1, interval.1)
            } else {
                merged.append(interval)
            }
        }
        // Debounce: a clear shorter than the debounce is not reported, nor is an interruption.
        var reported: [(Int64, Int64)] = []
        for interval in merged {
            if let last = reported.last, interval.0 - last.1 < site.debounce {
                reported[reported.count - 1].1 = max(last.1, interval.1)
            } else {
                reported.append(interval)
            }
        }
        reported.removeAll { $0.1 - $0.0 < site.debounce }
        for (start, end) in reported {
            for (time, occupied) in [(start, true), (end, false)] {
                let jitter = site.jitter > 0 ? Int64.random(in: -site.jitter...site.jitter, using: &rng) : 0
                edges.append(
                    ChannelEdge(channel: channel, occupied: occupied, time: time + site.debounce + jitter))
            }
        }
    }
    // The node sends in the order it stamps; on one beam, jitter never reorders a pulse's edges.
    edges.sort { ($0.time, $0.channel == .a ? 0 : 1) < ($1.time, $1.channel == .a ? 0 : 1) }
    var last: [Channel: Int64] = [:]
    for index in edges.indices {
        let channel = edges[index].channel
        if let previous = last[channel], edges[index].time <= previous { edges[index].time = previous + 1 }
        last[channel] = edges[index].time
    }
    return edges.sorted { ($0.time, $0.channel == .a ? 0 : 1) < ($1.time, $1.channel == .a ? 0 : 1) }
}

/// Feeds the edges with a keepalive every second, as the node would send, and returns the crossings.
private func count(_ edges: [ChannelEdge], configuration: DualBeamDetector.Configuration = .init())
    -> [Crossing]
{
    var detector = DualBeamDetector(configuration: configuration)
    var crossings: [Crossing] = []
    var nextKeepalive = (edges.first?.time ?? 0) + 1000
    for edge in edges {
        while nextKeepalive < edge.time {
            detector.advance(to: nextKeepalive, into: &crossings)
            nextKeepalive += 1000
        }
        let pending = detector.pendingSince
        let before = crossings.count
        detector.handle(edge, into: &crossings)
        for crossing in crossings[before...] {
            #expect(
                pending.map { crossing.time >= $0 } ?? false,
                "crossing at \(crossing.time) before \(pending as Any)")
        }
    }
    detector.advance(to: detector.now + 60_000, into: &crossings)
    #expect(detector.pendingSince == nil)
    return crossings
}

private func tally(_ crossings: [Crossing], _ direction: Direction) -> Int {
    crossings.filter { $0.direction == direction }.count
}

private func randomKind(_ rng: inout SeededGenerator) -> Mover.Kind {
    let roll = rng.uniform(0...1)
    if roll < 0.62 { return .adult }
    if roll < 0.80 { return .child }
    if roll < 0.90 { return .pram }
    return .suitcase
}

// MARK: - Tests

@Suite("DualBeamDetector in the field")
struct DetectorFieldTests {
    @Test("People passing one at a time are counted exactly, whatever they carry", arguments: 1...8)
    func oneAtATime(seed: UInt64) {
        var rng = SeededGenerator(seed: 0xF1E1_D000 + seed)
        let site = Site.random(&rng)
        var movers: [Mover] = []
        var t = 1000.0
        for _ in 0..<150 {
            let direction: Direction = rng.chance(0.5) ? .aToB : .bToA
            let mover = person(randomKind(&rng), direction, at: t, &rng)
            movers.append(mover)
            t = mover.exit(spacing: site.spacing) + rng.uniform(2000...5000)
        }
        let crossings = count(nodeEdges(movers, site, &rng))
        let context = "spacing \(site.spacing), debounce \(site.debounce), jitter \(site.jitter)"
        #expect(crossings.map(\.direction) == movers.map(\.direction), "\(context)")
        for direction in Direction.allCases {
            #expect(
                tally(crossings, direction) == movers.filter { $0.direction == direction }.count,
                "\(direction): \(context)")
        }
    }

    @Test("A person stopping between the beams, touching neither, is counted once", arguments: 1...4)
    func stopBetweenBeams(seed: UInt64) {
        var rng = SeededGenerator(seed: 0x5707_0000 + seed)
        var site = Site.random(&rng)
        site.spacing = rng.uniform(0.26...0.30)
        var movers: [Mover] = []
        var t = 1000.0
        for _ in 0..<40 {
            let direction: Direction = rng.chance(0.5) ? .aToB : .bToA
            var mover = person(.child, direction, at: t, &rng)
            // A slim child without swinging arms fits between the beams.
            mover.parts = [[Part(from: 0, to: 0.14)], [Part(from: 0, to: 0.14)]]
            mover.stopAt = 0.14 + rng.uniform(0.02...(site.spacing - 0.16))
            mover.stopMillis = rng.uniform(500...4000)
            movers.append(mover)
            t = mover.exit(spacing: site.spacing) + rng.uniform(2500...5000)
        }
        let crossings = count(nodeEdges(movers, site, &rng))
        #expect(crossings.map(\.direction) == movers.map(\.direction), "spacing \(site.spacing)")
    }

    @Test("A dog below the beams counts nothing, even when its head flicks one beam", arguments: 1...3)
    func dogs(seed: UInt64) {
        var rng = SeededGenerator(seed: 0xD060_0000 + seed)
        let site = Site.random(&rng)
        var movers: [Mover] = []
        var t = 1000.0
        for index in 0..<60 {
            let direction: Direction = rng.chance(0.5) ? .aToB : .bToA
            let mover = person(index % 3 == 0 ? .dog : .adult, direction, at: t, &rng)
            movers.append(mover)
            t = mover.exit(spacing: site.spacing) + rng.uniform(2000...4000)
        }
        var edges = nodeEdges(movers, site, &rng)
        // A head or a tail in one beam for a moment, now and then.
        for dog in movers where dog.kind == .dog && rng.chance(0.5) {
            let channel: Channel = rng.chance(0.5) ? .a : .b
            let start = Int64(dog.entry) + 100
            let length = Int64.random(in: 15...45, using: &rng) + site.debounce
            edges.append(ChannelEdge(channel: channel, occupied: true, time: start))
            edges.append(ChannelEdge(channel: channel, occupied: false, time: start + length))
        }
        edges.sort { ($0.time, $0.channel == .a ? 0 : 1) < ($1.time, $1.channel == .a ? 0 : 1) }
        let crossings = count(edges)
        let people = movers.filter(\.counts)
        #expect(crossings.map(\.direction) == people.map(\.direction))
    }

    @Test(
        "Single-file flows with normal gaps are counted at least 99.5 % right", arguments: 1...4)
    func singleFile(seed: UInt64) {
        var rng = SeededGenerator(seed: 0x51F1_0000 + seed)
        let site = Site.random(&rng)
        var movers: [Mover] = []
        var t = 1000.0
        for _ in 0..<120 {
            let direction: Direction = rng.chance(0.5) ? .aToB : .bToA
            var previous: Mover?
            for _ in 0..<Int.random(in: 2...7, using: &rng) {
                var mover = person(randomKind(&rng), direction, at: t, &rng)
                if let previous {
                    // Keep a normal gap (0.3–1.0 m at the follower's speed) to the person ahead at
                    // both beams.
                    let gap = rng.uniform(0.3...1.0) / min(mover.speedIn, mover.speedOut) * 1000
                    var entry = 0.0
                    for first in [true, false] {
                        let ahead = previous.clearance(first: first, spacing: site.spacing)
                        let own = mover.arrival(first: first, spacing: site.spacing) - mover.entry
                        entry = max(entry, ahead + gap - own)
                    }
                    mover.entry = entry
                }
                movers.append(mover)
                previous = mover
            }
            t = previous!.exit(spacing: site.spacing) + rng.uniform(3000...8000)
        }
        let crossings = count(nodeEdges(movers, site, &rng))
        for direction in Direction.allCases {
            let truth = movers.filter { $0.direction == direction }.count
            let counted = tally(crossings, direction)
            #expect(
                abs(counted - truth) * 1000 <= 5 * truth,
                "\(direction): counted \(counted) of \(truth); spacing \(site.spacing), debounce \(site.debounce)"
            )
        }
    }
}
