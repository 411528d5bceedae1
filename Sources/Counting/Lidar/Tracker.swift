// People followed from turn to turn, and counted when they cross the counting line.

/// What a track did at the line.
enum LineEvent: Sendable, Hashable {
    /// A walker crossed; `time` is when the track passed the line (sensor ms).
    case crossed(Direction, time: Int64)
    /// Something faster than a walker crossed (a cyclist, a scooter): not a pedestrian.
    case fastMover(Direction, time: Int64)
}

/// Multi-target tracking on sensor time, with counting at a line.
///
/// - **Prediction**: constant velocity; **update**: an α-β filter on the cluster centre.
/// - **Association**: the globally cheapest assignment of clusters to predicted tracks within a gate
///   that widens with speed and with the time a track went unseen (see `detectionCost`); a track the
///   assignment leaves unseen takes a cluster left over within its gate.
/// - **Life**: a track is confirmed after `confirmHits` detections (noise and fragments never count);
///   a confirmed track coasts on its velocity for up to `coastMillis` unseen (occlusion by someone
///   nearer the sensor), a tentative one is dropped at its second miss.
/// - **Counting**: a track's *origin* is the side it was first seen on, at least `hysteresis` from the
///   line. It counts when it is `commitDistance` past the line on the other side, and the detection
///   that put it there `commitMeasuredDistance` past it too, at the time it passed the line; then the
///   other side becomes its origin. A track that comes back before that
///   (a turn-back, jitter on the line) counts nothing. A track that ends on the far side, past the
///   hysteresis but short of the commit distance (lost in a crowd), counts too; not when only its
///   filtered position got there, its last detection being on its origin's side, and it then went
///   `lostInViewMillis` unseen in plain view (its walker stopped or turned back while hidden).
/// - **Occlusion**: a confirmed track unseen while its predicted position lies in the shadow of a nearer
///   cluster (someone between it and the sensor) coasts for up to `occlusionMillis`, not `coastMillis`;
///   once past its limit it is ended before the next turn's association (`hasCoastedOut`).
///   If its prediction passes the line while hidden and it is never seen again, it counts (someone walking
///   behind a person close to the sensor stays hidden from before the line until long after it), once it
///   was seen `hiddenCrossingHits` times, and seen whole within `hiddenWholeMillis` before; not if, its
///   last detection being on the side it came from, it went `lostInViewMillis` in all unseen in plain
///   view since that detection (someone who walked on would have been seen as the shadow ended). A
///   turn-back hidden up to the track's end is counted as a crossing; that is the rarer mistake.
/// - **Emerging**: someone first seen on the line, where a nearer cluster hid them the turn before, whole
///   (`wholeWidth` wide), who is then seen whole walking off it (before `decideDistance`), crossed it
///   while hidden: their origin is the side they walk away from. In a crowd a person's track is often
///   lost behind someone near the sensor before the line and a new one starts on it.
/// - **Parts**: returns just past the edge of a nearer body and closer to it than two people can be
///   (`Cluster.partOf`: a far arm, a bag) start no track beside someone known, and a track takes them
///   only when its body is not there; a track lost in plain view never takes a part of a body another
///   track took (`keepLostTracksOffTakenParts`).
/// - **Passing**: a track walking steadily does not take a cluster that lies farther behind its last
///   measured position than a walker steps back, beside someone moving the other way (`isOncomingStep`):
///   as two people pass, one hidden or out of view, the other's body or bag is where the hidden one's
///   track looks for them, and following it the track would turn round and count again.
/// - **No one**: a track seen whole fewer than `wholeSightingsToCount` times never counts as a walker
///   (`isSomeone`). Slivers (the arm or bag of someone nearer, the edge of a body behind them) can make a
///   track that moves, coasts and crosses like a person. One that walked up to the line from afar
///   (`walkedInDistance`) and was not seen whole since passing it needs `walkedInWholeSightings`.
/// - **Echoes**: a track that drifted off its walker onto slivers of them (an arm, the edge of their body,
///   their shadow) while a new track was born on their body beside it may cross with them: of two
///   crossings the same way close in time by the two, the second counts nothing (`isEcho`). So too for
///   two tracks that kept closer together than two people can for a while (`noteClosePairs`), one of them
///   not seen whole after passing the line.
/// - **Turned back unseen**: a track coasting on, unseen, after its walker stopped at the line, counts
///   nothing once its walker is seen again as someone new walking back the way they came, at once or
///   after standing a moment (`noteTurnedBack`); from then on it looks for its walker only where it
///   predicts them.
/// - **Duplicates**: of two tracks closer than `duplicateDistance`, one body seen twice, the weaker goes;
///   not when they walk opposite ways: two people passing, one coasting hidden (`removeDuplicates`).
/// - **Vehicles**: fast tracks moving alike within a bicycle's length are merged into one (`mergeVehicles`).
/// - **Pushed**: a track longer than anyone at hip height with a walker keeping step right behind it (a
///   pram, a trolley) counts nothing; its pusher counts (`notePushed`).
/// - A track faster than `fastMoverSpeed` anywhere from the line until `decideDistance` past it (twice
///   that while it is still speeding up, `isSpeedingUp`) counts as a fast mover, never as a walker: a
///   rider seen late (hidden, or cut in parts) is still being measured when it commits. One faster than
///   a walker at the line counts as a fast mover too if it held more than `fastMoverSpeed` on its last
///   `approachDistance` before the line (`crossingSpeed`). Its track must have been that fast at two
///   detections running, the later its `fastMoverSightings`th or after (`Track.sustainedSpeed`): a new
///   track that jumps between fragments of people in a crowd is as fast for a turn or two, and its
///   crossing counts nothing.
struct LidarTracker: Sendable {
    enum Side: Sendable, Hashable {
        case a, b

        /// The side of a point at `signedDistance` from the line (see `CountingLine.signedDistance`).
        init(signedDistance: Double) { self = signedDistance < 0 ? .a : .b }

        var opposite: Side { self == .a ? .b : .a }
    }

    /// A walker's crossing counted lately (`time`: when it passed the line), and the track that made it:
    /// its id, the one it was born beside, when it was born, and when it was last seen whole by the time
    /// its crossing was counted (see `isEcho`).
    struct WalkerCrossing: Sendable {
        var track: Int
        var bornBeside: Int?
        var direction: Direction
        var time: Int64
        var born: Int64
        var lastWholeTime: Int64
    }

    /// Two tracks, by id, whichever way round they are named.
    struct TrackPair: Hashable, Sendable {
        let lower: Int
        let higher: Int

        init(_ a: Int, _ b: Int) { (lower, higher) = (min(a, b), max(a, b)) }
    }

    /// How two confirmed tracks were seen within `closeDistance` of each other: on how many turns (running,
    /// until there were `closeTurns`), and when last.
    struct ClosePair: Sendable {
        var turns: Int
        var last: Int64
    }

    /// How long walkers' crossings and close pairs are kept, ms: as long as a crossing may wait to be
    /// decided (bar someone standing just past the line).
    static let memoryMillis: Int64 = 10_000

    let line: CountingLine
    /// Where people are followed: a track unseen outside it has left (nil: everywhere).
    let region: Region?
    var settings: Settings
    /// Everyone followed now (set by the tracker and its extensions only).
    var tracks: [Track] = []
    /// The walkers' crossings of the last seconds (kept by `remember`).
    var walkerCrossings: [WalkerCrossing] = []
    /// The pairs of tracks followed close together lately (kept by `noteClosePairs`).
    var closePairs: [TrackPair: ClosePair] = [:]
    private var nextID = 0
    private var costs: [[Double]] = []
    /// The previous turn's clusters: what moved with a newborn track (see `commonShift`), and whose shadow
    /// it may have emerged from.
    private(set) var previousClusters: [Cluster] = []
    /// When the previous turn was (sensor ms).
    private var lastTurn: Int64?

    init(line: CountingLine, region: Region? = nil, settings: Settings) {
        self.line = line
        self.region = region
        self.settings = settings
    }

    /// Sensor time of the earliest line passage not decided yet: bins after it must wait.
    var pendingSince: Int64? {
        var earliest: Int64?
        for track in tracks {
            let emerged = track.origin == nil ? track.emergedAt : nil
            for time in [track.lineTime, track.held?.time, track.hiddenCrossing, emerged] {
                if let time, time < earliest ?? .max { earliest = time }
            }
        }
        return earliest
    }

    /// Moves every track to where it should be at sensor time `time` (constant velocity). Done by
    /// `update` too; call it first to get this turn's `hints`.
    mutating func predict(to time: Int64) {
        for index in tracks.indices where tracks[index].lastUpdate != time {
            let dt = Double(time - tracks[index].lastUpdate) / 1000
            // Unseen: carry on as over the last second, not as the last (perhaps partial) detections.
            let velocity = tracks[index].misses > 0 ? tracks[index].steadyVelocity : tracks[index].velocity
            tracks[index].position = tracks[index].position + velocity * dt
            tracks[index].lastUpdate = time
        }
    }

    /// Where every track should be now (after `predict`), for the clusterer.
    func hints(into hints: inout [TrackHint]) {
        hints.removeAll(keepingCapacity: true)
        for track in tracks {
            hints.append(
                TrackHint(
                    position: track.position, speed: track.speed, confirmed: track.confirmed,
                    speedKnown: track.hits >= 2))
        }
    }

    /// Tracks confirmed and alive (for tests and the live monitor).
    var confirmedCount: Int { tracks.count { $0.confirmed } }

    /// One turn's clusters at sensor time `time`.
    mutating func update(_ clusters: [Cluster], time: Int64, events: inout [LineEvent]) {
        predict(to: time)
        // Associate: confirmed tracks first, so a tentative track (a fragment, noise) never takes a
        // known person's cluster; then tentative tracks among the clusters left.
        var taken = Array(repeating: false, count: clusters.count)
        var takenByKnown = taken
        for confirmed in [true, false] {
            // A confirmed track unseen for longer than it may coast is ended this turn, not revived by
            // whatever lies in the gate it has grown to (see `hasCoastedOut`).
            let rows = tracks.indices.filter {
                tracks[$0].confirmed == confirmed && !hasCoastedOut(tracks[$0], at: time)
            }
            guard !rows.isEmpty else { continue }
            costs.removeAll(keepingCapacity: true)
            for (row, index) in rows.enumerated() {
                let track = tracks[index]
                let unseen = Double(time - track.lastSeen) / 1000
                // A track whose walker was seen again walking back (`turnedBack`) is looked for only where
                // it predicts them: grown, its gate would take back the mark on whoever passes near.
                let gate =
                    track.hits == 1
                    ? settings.newTrackGate
                    : track.turnedBack
                        ? settings.gate : settings.gate + 0.3 * track.speed * unseen + 0.5 * unseen
                // Walkers keep their line better than their pace: a step sideways off the predicted path
                // costs `acrossWeight` times a step along it, so two people passing each other a little
                // apart (one hidden behind the other) are not swapped.
                let moving = track.hits > 1 && track.speed > 0.3
                let heading =
                    moving ? track.velocity * (1 / max(track.velocity.length, 1e-9)) : PlanePoint(x: 1, y: 0)
                let weight = moving ? settings.acrossWeight : 1
                var cost = clusters.indices.map { column in
                    guard !taken[column] else { return Double.infinity }
                    let offset = clusters[column].centre - track.position
                    let along = offset.x * heading.x + offset.y * heading.y
                    let across = (offset.x * heading.y - offset.y * heading.x) * weight
                    let distance = (along * along + across * across).squareRoot()
                    guard distance <= gate, !isOncomingStep(of: track, to: clusters[column], unseen: unseen)
                    else { return .infinity }
                    // An arm or a bag beside a nearer body costs a little more than the body: a track
                    // whose walker is seen split in two follows the body, not the bag.
                    let reach = clusters[column].partOfNearer ? distance + settings.partCost : distance
                    return detectionCost(reach, gate: gate)
                }
                if track.hits == 1, let column = commonShift(of: track, costs: cost, clusters: clusters) {
                    cost[column] = 0
                }
                // Going unseen this turn costs 1, what a detection at the edge of its gate costs a track
                // sure where it is: a track hidden behind someone is not pushed onto a neighbour's
                // cluster just so that every track gets one (which swaps people who pass each other).
                for other in rows.indices { cost.append(other == row ? 1 : .infinity) }
                costs.append(cost)
            }
            var assignment = optimalAssignment(costs, columns: clusters.count + rows.count)
            if confirmed {
                keepLostTracksOffTakenParts(&costs, rows: rows, assignment: assignment, clusters: clusters)
            }
            // What a track pays for its uncertainty decides contests only: alone, a track takes what lies
            // within its gate.
            assignLeftovers(&assignment, costs: costs, columns: clusters.count)
            for (row, index) in rows.enumerated() {
                if let column = assignment[row], column < clusters.count {
                    taken[column] = true
                    if confirmed { takenByKnown[column] = true }
                    var track = tracks[index]
                    correct(&track, with: clusters[column], time: time)
                    count(&track, time: time, events: &events)
                    tracks[index] = track
                } else {
                    tracks[index].misses += 1
                    if tracks[index].confirmed, isShadowed(tracks[index].position, by: clusters) {
                        tracks[index].shadowedSince = tracks[index].shadowedSince ?? time
                        passHidden(&tracks[index], time: time)
                    } else {
                        tracks[index].shadowedSince = nil
                        tracks[index].unseenInViewMillis += time - (lastTurn ?? time)
                    }
                }
            }
        }
        // End tracks unseen for too long, or unseen and predicted out of the region (gone: coasting on,
        // they would take the next person coming in); a track lost just past the line still counts.
        // One hidden behind someone nearer the sensor is not lost: it coasts for as long as the shadow
        // lasts, up to `occlusionMillis`.
        var survivors: [Track] = []
        for track in tracks {
            let left =
                track.misses > 0
                && region.map { !$0.contains(track.position, margin: settings.leaveMargin) } ?? false
            let ended = left || (track.confirmed ? hasCoastedOut(track, at: time) : track.misses >= 2)
            if ended {
                finish(track, events: &events)
            } else {
                survivors.append(track)
            }
        }
        tracks = survivors
        removeDuplicates(events: &events)
        mergeVehicles(events: &events)
        noteClosePairs(time: time)
        notePushed()
        noteTurnedBack(time: time)
        // New tracks for clusters nobody claimed, unless they are a fragment of a confirmed track.
        for (column, cluster) in clusters.enumerated() where !taken[column] {
            // An arm or a bag beside someone known is part of them.
            if let body = cluster.partOf, takenByKnown[body] { continue }
            // A small cluster (an arm, a bag, a sliver of someone half hidden) is no one new: somebody's
            // arm swings into view before their body, a half-hidden person shows more of themselves in
            // a turn or two.
            if cluster.extent < settings.smallExtent { continue }
            // A body-sized one near a known person is a fragment of them.
            let fragment = tracks.contains {
                $0.confirmed && $0.position.distance(to: cluster.centre) < settings.fragmentDistance
            }
            if fragment { continue }
            var track = Track(
                id: nextID, position: cluster.centre, velocity: PlanePoint(x: 0, y: 0), lastSeen: time,
                lastUpdate: time, measured: cluster.centre, born: time, bornAt: cluster.centre,
                lastWholeTime: time, lastWholeAt: cluster.centre)
            if showsWhole(cluster) { track.wholeSightings = 1 }
            track.bornBeside = besideTrack(of: cluster.centre, time: time)
            if cluster.extent >= settings.wholeWidth,
                abs(line.signedDistance(cluster.centre)) < settings.hysteresis,
                isShadowed(cluster.centre, by: previousClusters)
            {
                track.emergedAt = time
            }
            // Where it was first seen is where it came from: a rider first seen half a metre before the
            // line is past it at the next turn.
            count(&track, time: time, events: &events)
            tracks.append(track)
            nextID += 1
        }
        previousClusters = clusters
        lastTurn = time
    }

    /// Ends every track (link lost, shutdown): those past the line count, the rest are forgotten.
    mutating func finishAll(events: inout [LineEvent]) {
        for track in tracks { finish(track, events: &events) }
        tracks.removeAll()
        walkerCrossings.removeAll()
        closePairs.removeAll()
        previousClusters.removeAll()  // what hid someone before the gap hides no one after it
        lastTurn = nil
    }

    private func correct(_ track: inout Track, with cluster: Cluster, time: Int64) {
        let measurement = cluster.centre
        let dt = max(0.02, Double(time - track.lastSeen) / 1000)
        let partial = track.hits >= 3 && Double(cluster.points) < 0.5 * track.typicalPoints
        if track.hits == 1 {
            track.velocity = (measurement - track.measured) * (1 / dt)
            track.steadyVelocity = track.velocity
            track.position = measurement
        } else if partial {
            // Part of the body hidden: its centre is biased; follow it loosely, keep the velocity.
            track.position = track.position + (measurement - track.position) * (settings.alpha / 2)
        } else {
            let residual = measurement - track.position
            track.position = track.position + residual * settings.alpha
            track.velocity = track.velocity + residual * (settings.beta / dt)
            track.steadyVelocity = track.steadyVelocity * 0.85 + track.velocity * 0.15
        }
        track.seenWhole = !partial && !cluster.partOfNearer
        if !partial, showsWhole(cluster) {
            track.wholeSightings += 1
            track.lastWholeTime = time
            track.lastWholeAt = measurement
            track.turnedBack = false
        }
        if track.seenWhole {
            track.typicalSpan = track.hits == 1 ? cluster.span : 0.8 * track.typicalSpan + 0.2 * cluster.span
        }
        track.typicalPoints =
            track.hits == 1
            ? Double(cluster.points) : 0.8 * track.typicalPoints + 0.2 * Double(cluster.points)
        track.earlierSpeeds = (track.speed, track.earlierSpeeds.0)
        track.speed =
            track.hits == 1 ? track.velocity.length : 0.7 * track.speed + 0.3 * track.velocity.length
        if track.hits >= settings.fastMoverSightings - 1 {
            track.sustainedSpeed = max(track.sustainedSpeed, min(track.speed, track.earlierSpeeds.0))
        }
        track.steps = ((measurement - track.measured).length / dt, track.steps.latest)
        track.measured = measurement
        track.hits += 1
        track.misses = 0
        track.shadowedSince = nil
        track.unseenInViewMillis = 0
        track.hiddenCrossing = nil  // seen again: its measured positions decide
        track.lastSeen = time
        if track.hits >= settings.confirmHits { track.confirmed = true }
    }

    /// Whether confirmed `track` has gone unseen by `time` for longer than it may coast: `coastMillis`,
    /// or `occlusionMillis` if it was hidden behind someone nearer last turn. After two seconds unseen in
    /// plain view a walker's track takes anything within some 2.3 m of its prediction, and its walker has
    /// long gone where no one saw them. (Tentative tracks end after two misses instead.)
    private func hasCoastedOut(_ track: Track, at time: Int64) -> Bool {
        let limit = track.shadowedSince != nil ? settings.occlusionMillis : settings.coastMillis
        return track.confirmed && time - track.lastSeen > limit
    }

    private func isShadowed(_ position: PlanePoint, by clusters: [Cluster]) -> Bool {
        clusters.contains {
            $0.shadows(position, depth: settings.shadowDepth, halfWidth: settings.shadowHalfWidth)
        }
    }
}
