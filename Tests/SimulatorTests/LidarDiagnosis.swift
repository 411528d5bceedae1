import CountBins
import LD06
import PassantSimulator
import Testing

@testable import Counting

/// `PASSANT_DIAGNOSE=dense swift test --filter LidarDiagnosis`: which crossings of the truth the
/// detector missed or added, by kind of walker (alone, pair, group, paused), within ±1.5 s, and how the
/// riders were counted (as fast movers, as pedestrians, not at all).
/// - `PASSANT_BY_PERSON=1`: each pedestrian crossing put down to the person its track was on
///   (`CrossingsByPerson`): walkers counted twice, walkers who made no such crossing, riders, no one, and
///   the walkers not counted. `PASSANT_BY_PERSON=evidence` adds what each track saw about its crossing;
///   `PASSANT_BY_PERSON=all` adds it for the walkers' own crossings too (lines `OWN`), to compare what a
///   rule would take from each.
/// - `PASSANT_TRACE=1`: the life of the track behind each of the first extra crossings (or of those at
///   the times in `PASSANT_TRACE_AT`, and of the tracks in `PASSANT_TRACE_TRACKS`), turn by turn:
///   position, speed, hits, misses, shadow, the people within 0.8 m (`P` walkers, `R` riders), and the
///   cluster it took (returns, width, EDGE when a cluster nearer by 0.2 m lies within 3° of it, PART).
///   `PASSANT_TRACE=window` adds the clusters and every other track about the crossing,
///   `PASSANT_TRACE=neighbours` the tracks about the track's birth.
@Suite("LD06 diagnosis")
struct LidarDiagnosis {
    @Test(.enabled(if: Environment.value("PASSANT_DIAGNOSE") != nil)) func missesByKind() {
        let name = Environment.value("PASSANT_DIAGNOSE")!
        let seconds = Int64(Environment.value("PASSANT_FIGURES_SECONDS").flatMap(Int.init) ?? 900)
        let seed = UInt64(Environment.value("PASSANT_SEED").flatMap(Int.init) ?? 1)
        guard let scenario = Scenario.named(name) else { return }
        var settings = LD06Settings()
        settings.cyclistsPerHourAToB = scenario.cyclistsPerHour
        settings.cyclistsPerHourBToA = scenario.cyclistsPerHour
        var renderer = LD06Renderer(
            walkway: scenario.walkway, settings: settings, seed: seed, end: seconds * 1000)
        var truth = GroundTruth(startUnixMillis: 0, binSeconds: 300, spacing: scenario.walkway.spacing)
        var decoder = LD06Decoder()
        var assembler = ScanAssembler()
        var detector = LidarDetector(
            configuration: .init(
                line: LidarSite.line, region: LidarSite.region, background: LidarSite.background))
        var crossings: [Crossing] = []
        var trace = TrackTrace()
        while let chunk = renderer.next() {
            truth.record(renderer.takePedestrians())
            decoder.decode(chunk.bytes) { packet in
                assembler.add(packet) { scan in
                    let before = crossings.count
                    detector.handle(scan, into: &crossings)
                    guard let time = detector.turnTime else { return }
                    trace.record(
                        detector, time: time, new: crossings[before...],
                        people: renderer.walkersNow.map(TrackTrace.Person.init(walker:))
                            + renderer.ridersNow.map(TrackTrace.Person.init(rider:)))
                }
            }
        }
        truth.record(renderer.takePedestrians())
        detector.reset(into: &crossings)
        let report = truth.report(until: seconds * 1000)
        var lines: [String] = []
        for direction in [Direction.aToB, .bToA] {
            let wanted = report.crossings.filter { ($0.direction == .aToB) == (direction == .aToB) }
            var found = crossings.filter { $0.direction == direction && $0.kind == .pedestrian }.map(\.time)
                .sorted()
            var missed: [GroundTruthReport.Crossing] = []
            for event in wanted {
                if let index = Self.nearest(found, to: event.time) {
                    found.remove(at: index)
                } else {
                    missed.append(event)
                }
            }
            var byKind: [String: (Int, Int)] = [:]
            for event in wanted {
                let kind = event.paused ? "paused" : "size \(event.groupSize)"
                byKind[kind, default: (0, 0)].0 += 1
            }
            for event in missed {
                let kind = event.paused ? "paused" : "size \(event.groupSize)"
                byKind[kind, default: (0, 0)].1 += 1
            }
            lines.append(
                "\(name) \(direction): truth \(wanted.count), counted \(crossings.count { $0.direction == direction }), "
                    + "missed \(missed.count), extra \(found.count), fast \(detector.fastMovers[direction] ?? 0)"
            )
            for (kind, value) in byKind.sorted(by: { $0.key < $1.key }) {
                lines.append("  \(kind): \(value.1) missed of \(value.0)")
            }
            lines.append(
                "  missed at: "
                    + missed.prefix(40).map { "\($0.time)/\($0.person)g\($0.groupSize)" }.joined(
                        separator: " "))
            lines.append("  extra at: " + found.prefix(40).map { "\($0)" }.joined(separator: " "))
            let riders = renderer.cyclistCrossings.filter {
                ($0.direction == .aToB) == (direction == .aToB)
                    && $0.crossingTime * 1000 < Double(seconds * 1000)
            }
            if !riders.isEmpty {
                lines.append(
                    "  " + Self.riders(riders, crossings.filter { $0.direction == direction }, extra: found))
            } else if detector.fastMovers[direction] ?? 0 > 0 {
                let fast = crossings.filter { $0.direction == direction && $0.kind == .fastMover }
                lines.append(
                    "  fast movers, with no rider about: " + fast.map { "\($0.time)" }.joined(separator: " "))
            }
            if let option = Environment.value("PASSANT_BY_PERSON") {
                let pedestrians = crossings.filter { $0.direction == direction && $0.kind == .pedestrian }
                lines.append(
                    CrossingsByPerson(pedestrians.map(\.time), truth: wanted, trace: trace)
                        .summary(evidence: option == "evidence" || option == "all", ofOwn: option == "all"))
            }
            if Environment.value("PASSANT_TRACE") != nil {
                let chosen = Self.numbers("PASSANT_TRACE_AT").map { $0.map(Int64.init) }
                for time in chosen ?? Array(found.prefix(12)) {
                    lines.append(trace.history(ofCrossingAt: time))
                }
                for id in Self.numbers("PASSANT_TRACE_TRACKS") ?? [] {
                    lines.append(trace.history(ofTrack: id))
                }
                for event in missed.prefix(6) { lines.append(trace.tracks(around: event.time)) }
            }
        }
        print(lines.joined(separator: "\n"))
    }

    /// The comma-separated numbers in the environment variable `name`.
    private static func numbers(_ name: String) -> [Int]? {
        Environment.value(name).map { $0.split(separator: ",").compactMap { Int($0) } }
    }

    /// The index of the time in `times` nearest to `time`, if within 1.5 s of it.
    private static func nearest(_ times: [Int64], to time: Int64) -> Int? {
        guard let index = times.indices.min(by: { abs(times[$0] - time) < abs(times[$1] - time) }),
            abs(times[index] - time) <= 1500
        else { return nil }
        return index
    }

    /// How the riders that crossed one way were counted: each is matched to the nearest fast mover within
    /// 1.5 s of its crossing; one without is matched to a pedestrian crossing the truth does not have
    /// (`extra`) within 1.5 s: a rider counted as a pedestrian.
    private static func riders(_ riders: [Cyclist], _ crossings: [Crossing], extra: [Int64]) -> String {
        var fast = crossings.filter { $0.kind == .fastMover }.map(\.time)
        var extra = extra
        var asPedestrian: [Int64] = []
        var missed: [Int64] = []
        for rider in riders {
            let time = Int64(rider.crossingTime * 1000)
            if let index = nearest(fast, to: time) {
                fast.remove(at: index)
            } else if let index = nearest(extra, to: time) {
                asPedestrian.append(extra.remove(at: index))
            } else {
                missed.append(time)
            }
        }
        return "riders \(riders.count): fast movers \(riders.count - asPedestrian.count - missed.count), "
            + "as pedestrians \(asPedestrian.count) \(asPedestrian), not counted \(missed.count) \(missed); "
            + "fast movers with no rider \(fast.count) \(fast)"
    }
}
