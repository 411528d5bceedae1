// What really happened on the walkway, for checking what the gateway makes of the bytes: every crossing
// and turn-back, per-bin totals, and who was in the beams together with someone else (two beams cannot
// separate such people). Test material only: the daemon never produces single crossings.

/// Collects the simulated people and reports the ground truth of a run.
///
/// Simulation time 0 is `startUnixMillis` (and node tick `tickOffset`). Bins are aligned to UTC multiples
/// of their length, like the daemon's; the first and last may be only partly covered by the run.
public struct GroundTruth: Sendable {
    /// The UTC time of simulation time 0, Unix ms.
    public let startUnixMillis: Int64
    /// Length of the bins, s (the daemon uses 60, 300, 900 or 3600).
    public let binSeconds: Int64
    /// Distance between the beams (m); the crossing point is half of it.
    public let spacing: Double
    private var entries: [Entry] = []

    private struct Entry: Sendable {
        var id: Int
        var group: Int
        var groupSize: Int
        var direction: WalkDirection
        var crossing: Int64?  // sim ms
        var zone: TimeInterval?  // s
        var paused: Bool
        var touchedBothBeams: Bool
    }

    public init(startUnixMillis: Int64, binSeconds: Int64, spacing: Double) {
        precondition(binSeconds > 0)
        self.startUnixMillis = startUnixMillis
        self.binSeconds = binSeconds
        self.spacing = spacing
    }

    /// Adds people as they enter the simulation (see `IR2NodeRenderer.takePedestrians()`).
    public mutating func record(_ pedestrians: [Pedestrian]) {
        for person in pedestrians {
            var paused = false
            if case .pause = person.behaviour { paused = true }
            let crossing = person.crossingTime(spacing: spacing).map { Int64(($0 * 1000).rounded()) }
            entries.append(
                Entry(
                    id: person.id, group: person.group, groupSize: person.groupSize,
                    direction: person.direction,
                    crossing: crossing, zone: person.zoneSpan(spacing: spacing), paused: paused,
                    touchedBothBeams: !person.occupancy(ofBeamAt: 0).isEmpty
                        && !person.occupancy(ofBeamAt: spacing).isEmpty))
        }
    }

    /// The truth of the run from simulation time 0 up to `endMillis` (exclusive): crossings completed
    /// (the person out of the beams) before it, turn-backs that began before it, and the bins that cover it.
    public func report(until endMillis: Int64) -> GroundTruthReport {
        // Everyone in the zone before the end, by when they entered it.
        let inZone = entries.indices.filter { index in
            guard let zone = entries[index].zone else { return false }
            return zone.start * 1000 < Double(endMillis)
        }.sorted { entries[$0].zone!.start < entries[$1].zone!.start }
        var overlapped = Set<Int>()
        for (position, index) in inZone.enumerated() {
            let zone = entries[index].zone!
            var next = position + 1
            while next < inZone.count, let other = entries[inZone[next]].zone, other.start < zone.end {
                overlapped.insert(entries[index].id)
                overlapped.insert(entries[inZone[next]].id)
                next += 1
            }
        }

        var events: [GroundTruthReport.Event] = []
        for index in inZone {
            let entry = entries[index]
            if let crossing = entry.crossing {
                // Someone still in the beams when the node stops was never seen to finish crossing: the
                // edges that would show it are not in the stream (100 ms leaves room for debounce).
                guard crossing >= 0, entry.zone!.end * 1000 + 100 < Double(endMillis) else { continue }
                events.append(
                    .crossing(
                        GroundTruthReport.Crossing(
                            time: crossing, direction: entry.direction, person: entry.id, group: entry.group,
                            groupSize: entry.groupSize, paused: entry.paused,
                            overlapped: overlapped.contains(entry.id))))
            } else {
                events.append(
                    .turnBack(
                        GroundTruthReport.TurnBack(
                            time: Int64((entry.zone!.start * 1000).rounded()), direction: entry.direction,
                            person: entry.id, touchedBothBeams: entry.touchedBothBeams,
                            overlapped: overlapped.contains(entry.id))))
            }
        }
        events.sort { ($0.time, $0.person) < ($1.time, $1.person) }

        let binMillis = binSeconds * 1000
        let runEnd = startUnixMillis + max(endMillis, 0)
        let firstBin = floorDivide(startUnixMillis, binMillis) * binMillis
        let lastBin = max(firstBin, floorDivide(runEnd - 1, binMillis) * binMillis)
        var bins: [GroundTruthReport.Bin] = []
        var binStart = firstBin
        while binStart <= lastBin {
            let covered = max(0, min(binStart + binMillis, runEnd) - max(binStart, startUnixMillis))
            bins.append(
                GroundTruthReport.Bin(
                    startUnixSeconds: binStart / 1000, seconds: binSeconds, aToB: 0, bToA: 0, turnBacks: 0,
                    overlapped: 0, coverage: Double(covered) / Double(binMillis)))
            binStart += binMillis
        }
        for event in events {
            let index = Int(
                (floorDivide(startUnixMillis + event.time, binMillis) * binMillis - firstBin) / binMillis)
            guard bins.indices.contains(index) else { continue }
            switch event {
            case .crossing(let crossing):
                if crossing.direction == .aToB { bins[index].aToB += 1 } else { bins[index].bToA += 1 }
                if crossing.overlapped { bins[index].overlapped += 1 }
            case .turnBack(let turnBack):
                bins[index].turnBacks += 1
                if turnBack.overlapped { bins[index].overlapped += 1 }
            }
        }
        return GroundTruthReport(
            startUnixMillis: startUnixMillis, endMillis: endMillis, events: events, bins: bins)
    }
}

/// The ground truth of a run, ready to check against or to write as JSON lines.
public struct GroundTruthReport: Sendable {
    /// Someone who walked through. `time` is when the body centre passed the middle between the beams.
    public struct Crossing: Sendable, Hashable {
        /// Simulation time, ms.
        public var time: Int64
        public var direction: WalkDirection
        public var person: Int
        public var group: Int
        public var groupSize: Int
        /// Stopped inside the beams on the way.
        public var paused: Bool
        /// Was in the zone at the same time as someone else.
        public var overlapped: Bool
    }

    /// Someone who entered the beams and left where they came from. `time` is when they reached the zone.
    public struct TurnBack: Sendable, Hashable {
        /// Simulation time, ms.
        public var time: Int64
        /// The way they were walking when they came in.
        public var direction: WalkDirection
        public var person: Int
        public var touchedBothBeams: Bool
        public var overlapped: Bool
    }

    /// A crossing or a turn-back.
    public enum Event: Sendable, Hashable {
        case crossing(Crossing)
        case turnBack(TurnBack)

        public var time: Int64 {
            switch self {
            case .crossing(let crossing): return crossing.time
            case .turnBack(let turnBack): return turnBack.time
            }
        }

        var person: Int {
            switch self {
            case .crossing(let crossing): return crossing.person
            case .turnBack(let turnBack): return turnBack.person
            }
        }
    }

    /// Totals for one UTC-aligned bin. People are counted in the bin of their crossing (turn-backs: of
    /// their entering the zone). `overlapped` counts those of them who overlapped someone.
    public struct Bin: Sendable, Hashable {
        public var startUnixSeconds: Int64
        public var seconds: Int64
        public var aToB: Int
        public var bToA: Int
        public var turnBacks: Int
        public var overlapped: Int
        /// The share of the bin the run covers (the first and last bins may be partial).
        public var coverage: Double
    }

    /// The UTC time of simulation time 0, Unix ms.
    public let startUnixMillis: Int64
    /// Simulation time the report ends at, ms.
    public let endMillis: Int64
    /// Crossings and turn-backs in time order.
    public let events: [Event]
    /// Every bin the run touches, in order, empty ones included.
    public let bins: [Bin]

    /// The crossings, in time order.
    public var crossings: [Crossing] {
        events.compactMap { if case .crossing(let crossing) = $0 { crossing } else { nil } }
    }

    /// The turn-backs, in time order.
    public var turnBacks: [TurnBack] {
        events.compactMap { if case .turnBack(let turnBack) = $0 { turnBack } else { nil } }
    }

    /// Crossings in `direction`.
    public func total(_ direction: WalkDirection) -> Int {
        crossings.count { $0.direction == direction }
    }

    /// People (crossing or turning back) who overlapped someone in the zone.
    public var overlapped: Int {
        events.count {
            switch $0 {
            case .crossing(let crossing): return crossing.overlapped
            case .turnBack(let turnBack): return turnBack.overlapped
            }
        }
    }

    /// The summary line's fields; `extra` fields (node statistics, the seed, …) are appended.
    public func summary(extra: [(String, JSONValue)] = []) -> JSONValue {
        let crossings = self.crossings
        return .object(
            [
                ("type", .string("summary")),
                ("start", .string(UTCTime.format(unixMillis: startUnixMillis, milliseconds: true))),
                ("end", .string(UTCTime.format(unixMillis: startUnixMillis + endMillis, milliseconds: true))),
                ("seconds", .number(Double(endMillis) / 1000)),
                ("crossings", .integer(Int64(crossings.count))),
                ("a_to_b", .integer(Int64(total(.aToB)))),
                ("b_to_a", .integer(Int64(total(.bToA)))),
                ("turnbacks", .integer(Int64(turnBacks.count))),
                ("overlapped", .integer(Int64(overlapped))),
                ("overlapped_crossings", .integer(Int64(crossings.count { $0.overlapped }))),
                ("paused", .integer(Int64(crossings.count { $0.paused }))),
            ] + extra)
    }

    /// The whole truth as JSON lines (each without its newline): events in time order, then the bins,
    /// then the summary.
    public func jsonLines(summaryExtra: [(String, JSONValue)] = []) -> [String] {
        var lines: [String] = []
        lines.reserveCapacity(events.count + bins.count + 1)
        func stamp(_ time: Int64) -> JSONValue {
            .string(UTCTime.format(unixMillis: startUnixMillis + time, milliseconds: true))
        }
        for event in events {
            switch event {
            case .crossing(let c):
                lines.append(
                    JSONValue.object([
                        ("type", .string("crossing")), ("time", stamp(c.time)), ("t_ms", .integer(c.time)),
                        ("direction", .string(c.direction.rawValue)), ("person", .integer(Int64(c.person))),
                        ("group", .integer(Int64(c.group))), ("group_size", .integer(Int64(c.groupSize))),
                        ("paused", .bool(c.paused)), ("overlapped", .bool(c.overlapped)),
                    ]).text)
            case .turnBack(let t):
                lines.append(
                    JSONValue.object([
                        ("type", .string("turnback")), ("time", stamp(t.time)), ("t_ms", .integer(t.time)),
                        ("direction", .string(t.direction.rawValue)), ("person", .integer(Int64(t.person))),
                        ("both_beams", .bool(t.touchedBothBeams)), ("overlapped", .bool(t.overlapped)),
                    ]).text)
            }
        }
        for bin in bins {
            lines.append(
                JSONValue.object([
                    ("type", .string("bin")),
                    ("start", .string(UTCTime.format(unixMillis: bin.startUnixSeconds * 1000))),
                    ("seconds", .integer(bin.seconds)), ("a_to_b", .integer(Int64(bin.aToB))),
                    ("b_to_a", .integer(Int64(bin.bToA))), ("overlapped", .integer(Int64(bin.overlapped))),
                    ("turnbacks", .integer(Int64(bin.turnBacks))), ("coverage", .number(bin.coverage)),
                ]).text)
        }
        lines.append(summary(extra: summaryExtra).text)
        return lines
    }
}
