import CountBins
import LD06
import PassantSimulator
import Testing

@testable import Counting

/// `PASSANT_DIAGNOSE=dense swift test --filter LidarDiagnosis`: which crossings of the truth the
/// detector missed or added, by kind of walker (alone, pair, group, paused), within ±1.5 s, and how the
/// riders were counted (as fast movers, as pedestrians, not at all). With `PASSANT_TRACE=1`, the life of
/// the track behind each of the first extra crossings, turn by turn: position, speed, hits, misses,
/// shadow, and the cluster it took (returns, width, EDGE when a cluster nearer by 0.2 m lies within 3° of
/// it).
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
                    trace.record(detector, time: (scan.time + scan.endTime) / 2, new: crossings[before...])
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
            }
            if Environment.value("PASSANT_TRACE") != nil {
                for time in found.prefix(12) { lines.append(trace.history(ofCrossingAt: time)) }
                for event in missed.prefix(6) { lines.append(trace.tracks(around: event.time)) }
            }
        }
        print(lines.joined(separator: "\n"))
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

/// Each track's life turn by turn, to read how a crossing the truth does not have came about.
private struct TrackTrace {
    var lines: [Int: [String]] = [:]
    var origins: [Int: LidarTracker.Side?] = [:]
    var pending: [Int: Bool] = [:]
    var held: [Int: Bool] = [:]
    /// Crossing time → the track that made it.
    var makers: [Int64: Int] = [:]
    /// Each turn's clusters: centre, returns, width, nearest range, bearings, the body it is part of.
    var turns: [(time: Int64, clusters: String)] = []

    mutating func record(_ detector: LidarDetector, time: Int64, new: ArraySlice<Crossing>) {
        let clusters = detector.clusters
        turns.append(
            (
                time,
                clusters.enumerated().map { index, c in
                    "#\(index) (\(f(c.centre.x)),\(f(c.centre.y))) p\(c.points) w\(f(c.extent)) r\(f(c.nearestRange))"
                        + " \(f(c.fromAngle))-\(f(c.toAngle))°" + (c.partOf.map { " part of #\($0)" } ?? "")
                }.joined(separator: "; ")
            ))
        var alive: Set<Int> = []
        for track in detector.tracker.tracks {
            alive.insert(track.id)
            var entry =
                "\(time) (\(f(track.position.x)),\(f(track.position.y))) v\(f(track.speed)) h\(track.hits)"
                + (track.confirmed ? "C" : "t") + " m\(track.misses)"
            if track.shadowedSince != nil { entry += " shadow" }
            if track.lastSeen == time, let cluster = clusters.first(where: { $0.centre == track.measured }) {
                let nearer = clusters.first {
                    $0 != cluster && $0.nearestRange < cluster.nearestRange - 0.1
                        && (abs($0.toAngle - cluster.fromAngle) < 3
                            || abs($0.fromAngle - cluster.toAngle) < 3)
                }
                entry +=
                    " pts\(cluster.points) w\(f(cluster.extent)) b\(f((cluster.toAngle - cluster.fromAngle) * .pi / 180 * cluster.nearestRange))"
                if let nearer {
                    let gap = min(
                        abs(nearer.toAngle - cluster.fromAngle), abs(nearer.fromAngle - cluster.toAngle))
                    entry +=
                        " EDGE gap\(f(gap)) dr\(f(cluster.nearestRange - nearer.nearestRange)) d\(f(nearer.centre.distance(to: cluster.centre)))"
                }
                if cluster.partOfNearer { entry += " PART" }
            }
            lines[track.id, default: []].append(entry)
            // A crossing is emitted when a track commits (its origin changes) or its held crossing is
            // released (at the decide distance).
            let released = held[track.id] == true && track.held == nil
            if let previous = origins[track.id], let previous, previous != track.origin || released {
                for crossing in new { makers[crossing.time] = track.id }
            }
            origins[track.id] = track.origin
            pending[track.id] = track.lineTime != nil || track.held != nil || track.hiddenCrossing != nil
            held[track.id] = track.held != nil
        }
        // Or when it ends (lost, with a crossing pending, held or hidden).
        for (id, wasPending) in pending where !alive.contains(id) {
            if wasPending {
                for crossing in new where makers[crossing.time] == nil { makers[crossing.time] = id }
            }
            pending[id] = nil
            origins[id] = nil
            held[id] = nil
        }
    }

    func history(ofCrossingAt time: Int64) -> String {
        guard let id = makers[time] else {
            return "    \(time): no track found; around it:" + clusters(from: time - 1000, to: time + 1000)
                + tracks(from: time - 2000, to: time + 1500)
        }
        let entries = lines[id] ?? []
        let text =
            "    \(time): track \(id), \(entries.count) turns\n      "
            + entries.suffix(70).joined(separator: "\n      ")
        // With PASSANT_TRACE=neighbours: the other tracks alive around the track's first turn.
        guard Environment.value("PASSANT_TRACE") == "neighbours", let birth = entries.first.flatMap(turnTime)
        else { return text }
        return text + "\n      clusters about the crossing:" + clusters(from: time - 600, to: time + 300)
            + tracks(from: birth - 1000, to: birth + 500, except: id)
    }

    /// Every track's turns from 1.5 s before a missed crossing to 1 s after it.
    func tracks(around time: Int64) -> String {
        "    missed \(time): clusters" + clusters(from: time - 500, to: time + 300) + "\n    tracks about"
            + tracks(from: time - 1500, to: time + 1000)
    }

    /// The turns' clusters between two times, a line per turn.
    private func clusters(from start: Int64, to end: Int64) -> String {
        turns.filter { $0.time >= start && $0.time <= end }.map { "\n      \($0.time): \($0.clusters)" }
            .joined()
    }

    /// Every track's turns between two times, but `except`'s.
    private func tracks(from start: Int64, to end: Int64, except: Int? = nil) -> String {
        var text = ""
        for (id, entries) in lines.sorted(by: { $0.key < $1.key }) where id != except {
            let near = entries.filter {
                guard let t = turnTime($0) else { return false }
                return t >= start && t <= end
            }
            if !near.isEmpty {
                text += "\n      - track \(id):\n        " + near.joined(separator: "\n        ")
            }
        }
        return text
    }

    private func turnTime(_ entry: String) -> Int64? {
        entry.split(separator: " ").first.flatMap { Int64($0) }
    }

    private func f(_ value: Double) -> String {
        let scaled = Int((value * 100).rounded())
        return "\(Double(scaled) / 100)"
    }
}
