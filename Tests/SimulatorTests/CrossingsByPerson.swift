import PassantSimulator

@testable import Counting

/// Each pedestrian crossing one way put down to the person its track was on as it crossed: matched with
/// the truth's crossings by who was nearest the track on average (within `reach`) and when (within
/// `within`), the pairs closest in all first. Counting by time alone cannot tell which of two people
/// abreast a track counted, nor a walker counted twice from a walker missed beside another counted.
struct CrossingsByPerson {
    enum Verdict: String {
        /// A walker's own crossing, counted once.
        case own
        /// A walker whose crossing was counted already: counted twice.
        case twice
        /// A walker who made no such crossing (turned back, or went the other way).
        case notCrossing = "not crossing"
        /// A rider counted as a pedestrian.
        case rider
        /// No one near the track.
        case nobody
    }

    static let reach = 0.7
    static let within: Int64 = 2000

    /// Each crossing's time, verdict and the person it was put down to.
    private(set) var verdicts: [(time: Int64, verdict: Verdict, person: Int?)] = []
    /// The truth's crossings no pedestrian crossing was put down to.
    private(set) var uncounted: [GroundTruthReport.Crossing] = []
    private let trace: TrackTrace

    init(_ times: [Int64], truth: [GroundTruthReport.Crossing], trace: TrackTrace) {
        self.trace = trace
        let times = times.sorted()
        let wanted = truth.sorted { $0.time < $1.time }
        let near = times.map { trace.people(nearCrossingAt: $0) }
        func cost(_ row: Int, _ column: Int) -> Double {
            guard abs(wanted[column].time - times[row]) <= Self.within,
                let distance = near[row][wanted[column].person], distance < Self.reach
            else { return .infinity }
            return distance
        }
        // Only a crossing and a truth's within `within` of each other can be matched, so the matching is
        // solved run by run: each run takes the crossings and the truth's, in time, until a gap of more
        // than `within` (an hour of dense traffic at once would take minutes).
        var own: [Int?] = Array(repeating: nil, count: times.count)
        var (row, column) = (0, 0)
        while row < times.count || column < wanted.count {
            let (firstRow, firstColumn) = (row, column)
            var latest = min(
                row < times.count ? times[row] : .max, column < wanted.count ? wanted[column].time : .max)
            while true {
                if row < times.count, times[row] <= latest + Self.within {
                    latest = max(latest, times[row])
                    row += 1
                } else if column < wanted.count, wanted[column].time <= latest + Self.within {
                    latest = max(latest, wanted[column].time)
                    column += 1
                } else {
                    break
                }
            }
            let rows = firstRow..<row
            guard !rows.isEmpty else { continue }
            let columns = firstColumn..<column
            let costs = rows.map { r in
                columns.map { cost(r, $0) } + rows.map { $0 == r ? Self.reach : .infinity }
            }
            let assignment = optimalAssignment(costs, columns: columns.count + rows.count)
            for (index, r) in rows.enumerated() {
                if let match = assignment[index], match < columns.count { own[r] = firstColumn + match }
            }
        }
        var counted = Set<Int>()
        for (row, time) in times.enumerated() {
            if let column = own[row] {
                counted.insert(column)
                verdicts.append((time, .own, wanted[column].person))
                continue
            }
            guard let nearest = near[row].filter({ $0.value < Self.reach }).min(by: { $0.value < $1.value })
            else {
                verdicts.append((time, .nobody, nil))
                continue
            }
            let person = nearest.key
            let crossed = wanted.contains { $0.person == person && abs($0.time - time) <= Self.within }
            verdicts.append((time, person < 0 ? .rider : crossed ? .twice : .notCrossing, person))
        }
        uncounted = wanted.indices.filter { !counted.contains($0) }.map { wanted[$0] }
    }

    /// A few lines: each verdict but `own` with its crossings (time/track/person), and the walkers not
    /// counted; with the evidence behind each crossing when `evidence` is set, and behind each walker's
    /// own crossing too with `ofOwn`.
    func summary(evidence: Bool, ofOwn: Bool = false) -> String {
        var lines: [String] = []
        for verdict in [Verdict.twice, .notCrossing, .rider, .nobody] {
            let these = verdicts.filter { $0.verdict == verdict }
            lines.append(
                "    \(verdict.rawValue): \(these.count)"
                    + these.map {
                        " \($0.time)/t\(trace.makers[$0.time].map(String.init) ?? "?")/\($0.person.map(TrackTrace.Person.label(of:)) ?? "-")"
                    }
                    .joined())
            if evidence {
                for crossing in these {
                    lines.append("      \(crossing.time): " + trace.evidence(ofCrossingAt: crossing.time))
                }
            }
        }
        if evidence, ofOwn {
            for crossing in verdicts where crossing.verdict == .own {
                lines.append("      OWN \(crossing.time): " + trace.evidence(ofCrossingAt: crossing.time))
            }
        }
        lines.append(
            "    walkers not counted: \(uncounted.count)"
                + uncounted.map {
                    (evidence ? "\n      " : " ")
                        + "\($0.time)/P\($0.person) (group of \($0.groupSize)"
                        + (follower($0, evidence: evidence).map { ", \($0)" } ?? "") + ")"
                }.joined())
        return "  by person: own \(verdicts.count { $0.verdict == .own })\n" + lines.joined(separator: "\n")
    }

    /// The track nearest a walker as they crossed (within 0.4 m), and whether it counted anything; with
    /// `evidence`, its turn then and its last.
    private func follower(_ crossing: GroundTruthReport.Crossing, evidence: Bool) -> String? {
        var best: (track: Int, distance: Double)?
        for (track, turns) in trace.lives {
            for turn in turns where abs(turn.time - crossing.time) <= 100 {
                guard let distance = turn.people.first(where: { $0.id == crossing.person })?.distance,
                    distance < 0.4, distance < best?.distance ?? .infinity
                else { continue }
                best = (track, distance)
            }
        }
        guard let best else { return nil }
        let counted = trace.makers.filter { $0.value == best.track }.keys.sorted()
        return "t\(best.track) at \(Int(best.distance * 100)) cm"
            + (counted.isEmpty ? ", counted nothing" : ", counted at \(counted)")
            + (evidence
                ? "\n        then " + (trace.entry(ofTrack: best.track, at: crossing.time) ?? "")
                    + "\n        last " + (trace.lines[best.track]?.last ?? "") : "")
    }
}
