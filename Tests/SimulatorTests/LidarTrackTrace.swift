import PassantSimulator

@testable import Counting

/// Each track's life turn by turn beside where the simulated people were: to read how a crossing the
/// truth does not have came about, and whose walk each crossing was (see `CrossingsByPerson`).
struct TrackTrace {
    /// A person the simulator had on stage: a walker (their id), or a rider (`-1 - id`).
    struct Person {
        var id: Int
        var position: PlanePoint

        init(walker: (id: Int, x: Double, y: Double)) {
            id = walker.id
            position = PlanePoint(x: walker.x, y: walker.y)
        }

        init(rider: (id: Int, x: Double, y: Double)) {
            id = -1 - rider.id
            position = PlanePoint(x: rider.x, y: rider.y)
        }

        var label: String { Self.label(of: id) }

        /// `P<id>` for a walker, `R<id>` for a rider.
        static func label(of id: Int) -> String { id >= 0 ? "P\(id)" : "R\(-1 - id)" }
    }

    /// One turn of one track: what it took, and who was near.
    struct Turn {
        var time: Int64
        var position: PlanePoint
        var shadowed: Bool
        var seen = false
        /// A part of a nearer body (`Cluster.partOfNearer`).
        var part = false
        /// Of a body another track took this turn.
        var partOfTaken = false
        /// At least `wholeWidth` wide and not a part: a whole body.
        var whole = false
        /// The people within 1 m, and how far.
        var people: [(id: Int, distance: Double)] = []
    }

    /// Each track's turns, as text (`history`) and as `Turn`s.
    private(set) var lines: [Int: [String]] = [:]
    private(set) var lives: [Int: [Turn]] = [:]
    /// Crossing time → the track that made it, and the turn it was emitted in.
    private(set) var makers: [Int64: Int] = [:]
    private(set) var emitted: [Int64: Int64] = [:]
    /// Each track's line times (passed, held, hidden, emerged) at the last turn.
    private var pendingTimes: [Int: Set<Int64>] = [:]
    /// Each turn's clusters: centre, returns, width, nearest range, bearings, the body it is part of.
    private var turns: [(time: Int64, clusters: String)] = []

    mutating func record(
        _ detector: LidarDetector, time: Int64, new: ArraySlice<Crossing>, people: [Person]
    ) {
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
            var turn = Turn(time: time, position: track.position, shadowed: track.shadowedSince != nil)
            turn.people = people.map { ($0.id, $0.position.distance(to: track.position)) }
                .filter { $0.distance < 1 }
            var entry =
                "\(time) (\(f(track.position.x)),\(f(track.position.y))) v\(f(track.speed)) h\(track.hits)"
                + (track.confirmed ? "C" : "t") + " m\(track.misses)"
            if track.shadowedSince != nil { entry += " shadow" }
            entry += " o" + (track.origin.map { $0 == .a ? "A" : "B" } ?? "-") + " W\(track.wholeSightings)"
            if track.held != nil { entry += " held" }
            if track.pushedTurns > 0 { entry += " pushed\(track.pushedTurns)" }
            if track.turnedBack { entry += " turnedBack" }
            if track.hits == 1, let beside = track.bornBeside { entry += " beside t\(beside)" }
            let near = people.filter { $0.position.distance(to: track.position) < 0.8 }
            if !near.isEmpty {
                entry +=
                    " ~"
                    + near.map { "\($0.label)(\(f($0.position.x)),\(f($0.position.y)))" }
                    .joined(separator: ",")
            }
            if track.lastSeen == time, let cluster = clusters.first(where: { $0.centre == track.measured }) {
                turn.seen = true
                turn.part = cluster.partOfNearer
                turn.whole = cluster.extent >= detector.tracker.settings.wholeWidth && !cluster.partOfNearer
                turn.partOfTaken =
                    cluster.partOf.map { body in
                        detector.tracker.tracks.contains {
                            $0.id != track.id && $0.lastSeen == time && $0.measured == clusters[body].centre
                        }
                    } ?? false
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
            lives[track.id, default: []].append(turn)
            // A crossing carries the time its track passed the line (or was predicted to, or emerged): the
            // track that held that time last turn, or holds it now, made it.
            let times = Set(
                [track.lineTime, track.held?.time, track.hiddenCrossing, track.emergedAt].compactMap { $0 })
            for crossing in new
            where times.contains(crossing.time) || pendingTimes[track.id]?.contains(crossing.time) == true {
                makers[crossing.time] = track.id
                emitted[crossing.time] = time
            }
            pendingTimes[track.id] = times
        }
        // Or one that ended this turn (lost, with a crossing pending, held or hidden).
        for (id, times) in pendingTimes where !alive.contains(id) {
            for crossing in new where times.contains(crossing.time) {
                makers[crossing.time] = id
                emitted[crossing.time] = time
            }
            pendingTimes[id] = nil
        }
    }

    /// How far the track that made the crossing at `time` was from each person near it, on average over
    /// its turns within 0.3 s of it (a turn a person was farther than 1 m counts 1 m).
    func people(nearCrossingAt time: Int64) -> [Int: Double] {
        guard let track = makers[time] else { return [:] }
        let turns = (lives[track] ?? []).filter { abs($0.time - time) <= 300 }
        var sums: [Int: Double] = [:]
        for turn in turns { for person in turn.people { sums[person.id] = 0 } }
        for turn in turns {
            for id in sums.keys { sums[id]! += turn.people.first { $0.id == id }?.distance ?? 1 }
        }
        return sums.mapValues { $0 / Double(max(turns.count, 1)) }
    }

    /// What the track behind the crossing at `time` saw from 1 s before it until the crossing was emitted:
    /// its sightings, how many were parts of nearer bodies and of bodies another track took, how many
    /// showed a whole body, its turns unseen in a nearer body's shadow and in plain view, and how long
    /// before the crossing it was last seen whole and after it first (ms, -1 for never).
    func evidence(ofCrossingAt time: Int64) -> String {
        guard let id = makers[time], let all = lives[id], let end = emitted[time] else { return "?" }
        let window = all.filter { $0.time >= time - 1000 && $0.time <= end }
        let before = all.last { $0.whole && $0.time <= time }.map { time - $0.time } ?? -1
        let after = all.first { $0.whole && $0.time > time && $0.time <= end }.map { $0.time - time } ?? -1
        return "seen \(window.count { $0.seen }), parts \(window.count { $0.part }) "
            + "(of a taken body \(window.count { $0.partOfTaken })), whole \(window.count { $0.whole }), "
            + "unseen \(window.count { !$0.seen && $0.shadowed }) in a shadow and "
            + "\(window.count { !$0.seen && !$0.shadowed }) in view; "
            + "whole \(before) ms before, \(after) ms after; emitted \(end - time) ms after"
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
        switch Environment.value("PASSANT_TRACE") {
        case "window":
            // Every other track alive from 2 s before the crossing to 1.5 s after, and the clusters about it.
            return text + "\n      clusters about the crossing:" + clusters(from: time - 600, to: time + 300)
                + "\n      other tracks about the crossing:"
                + tracks(from: time - 2000, to: time + 1500, except: id)
        case "neighbours":
            // The other tracks alive around the track's first turn.
            guard let birth = entries.first.flatMap(turnTime) else { return text }
            return text + "\n      clusters about the crossing:" + clusters(from: time - 600, to: time + 300)
                + tracks(from: birth - 1000, to: birth + 500, except: id)
        default:
            return text
        }
    }

    /// The turn of track `id` nearest `time`, as text.
    func entry(ofTrack id: Int, at time: Int64) -> String? {
        (lines[id] ?? []).min { abs((turnTime($0) ?? 0) - time) < abs((turnTime($1) ?? 0) - time) }
    }

    /// A track's whole life.
    func history(ofTrack id: Int) -> String {
        "    track \(id):\n      " + (lines[id] ?? []).joined(separator: "\n      ")
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
