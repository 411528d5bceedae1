// Tracks that are one body seen twice: a ghost beside a person, the parts of one bicycle.

extension LidarTracker {
    /// A bicycle seen from the side is longer than a person is wide and may be cut in two; two fast
    /// tracks that move alike within a bicycle's length of each other along their way are one vehicle,
    /// followed from the middle of its parts. A part whose track has not learnt its speed yet is taken in
    /// too (see `isUnmeasuredPart`).
    mutating func mergeVehicles(events: inout [LineEvent]) {
        guard tracks.count > 1 else { return }
        var removed = Array(repeating: false, count: tracks.count)
        for i in tracks.indices where !removed[i] && isVehicle(tracks[i]) {
            // The parts of one vehicle become one track at their middle, kept by the oldest part (by
            // the vehicle's, for a part still being measured).
            var sum = tracks[i].position
            var velocity = tracks[i].velocity
            var parts = 1
            for j in tracks.indices where j != i && !removed[j] {
                let a = tracks[i]
                let b = tracks[j]
                // A part of it whose track has not caught up with its speed: taken in, not averaged in.
                let unmeasured = !isVehicle(b) && isUnmeasuredPart(b, of: a)
                guard (isVehicle(b) && j > i) || unmeasured else { continue }
                // The same way (within some 60°), one behind the other within a bicycle's length.
                guard a.velocity.dot(b.velocity) > 0.5 * a.velocity.length * b.velocity.length else {
                    continue
                }
                let heading = (a.velocity + b.velocity) * (1 / max((a.velocity + b.velocity).length, 1e-9))
                let offset = b.position - a.position
                let along = abs(offset.x * heading.x + offset.y * heading.y)
                let across = abs(offset.x * heading.y - offset.y * heading.x)
                guard along < settings.vehicleLength, across < (unmeasured ? 0.4 : 0.6) else { continue }
                removed[j] = true
                // What speed the part held is the vehicle's, and a crossing it committed to.
                tracks[i].sustainedSpeed = max(tracks[i].sustainedSpeed, b.sustainedSpeed)
                if tracks[i].held == nil {
                    tracks[i].held = b.held
                    tracks[i].heldSpeed = max(tracks[i].heldSpeed, b.heldSpeed)
                    tracks[i].heldApproachSpeed = max(tracks[i].heldApproachSpeed, b.heldApproachSpeed)
                } else {
                    var part = tracks[j]
                    part.sustainedSpeed = tracks[i].sustainedSpeed
                    release(&part, events: &events)  // it goes: its crossing is released as it was
                }
                if !unmeasured {
                    sum = sum + b.position
                    velocity = velocity + b.velocity
                    parts += 1
                }
                if b.hits > tracks[i].hits {
                    tracks[i].hits = b.hits
                    tracks[i].confirmed = tracks[i].confirmed || b.confirmed
                }
                // Seen if either part was seen.
                if b.lastSeen > tracks[i].lastSeen {
                    tracks[i].lastSeen = b.lastSeen
                    tracks[i].misses = b.misses
                    tracks[i].shadowedSince = b.shadowedSince
                    tracks[i].unseenInViewMillis = b.unseenInViewMillis
                }
                if tracks[i].origin == nil { tracks[i].origin = b.origin }
            }
            if parts > 1 {
                tracks[i].position = sum * (1 / Double(parts))
                tracks[i].velocity = velocity * (1 / Double(parts))
            }
        }
        if removed.contains(true) {
            tracks = tracks.enumerated().filter { !removed[$0.offset] }.map(\.element)
        }
    }

    func isVehicle(_ track: Track) -> Bool { track.hits >= 2 && track.speed > settings.vehicleSpeed }

    /// Whether `part`, not a vehicle by its speed, is a part of `vehicle` whose track has not learnt its
    /// speed yet: young (`unmeasuredPartSightings`), heading the vehicle's way, and moving at least
    /// `unmeasuredPartSpeed` and half the vehicle's speed at each of its last two measured steps (at its
    /// only one, if seen twice). A track born on a rider's rear wheel starts from standstill, and its
    /// filtered speed lags far behind the rider's (1.4 m/s at the line for a rider at 6.5 m/s); the
    /// centre of a walker near a passing rider may jump once, not twice running, and a walker followed for
    /// a while is no one's part.
    func isUnmeasuredPart(_ part: Track, of vehicle: Track) -> Bool {
        let stepping = part.hits > 2 ? min(part.steps.latest, part.steps.before) : part.steps.latest
        return part.hits <= settings.unmeasuredPartSightings && stepping >= settings.unmeasuredPartSpeed
            && stepping >= 0.5 * vehicle.speed
            && part.velocity.dot(vehicle.velocity) > 0.8 * part.velocity.length * vehicle.velocity.length
    }

    /// Notes the pairs of confirmed tracks within `closeDistance` of each other this turn (`ClosePair`).
    /// A run that breaks before `closeTurns` starts over; one that reached it is remembered for
    /// `memoryMillis`. (Noted after this turn's crossings: one decided on the turn a run reaches
    /// `closeTurns` does not see it yet.)
    mutating func noteClosePairs(time: Int64) {
        for i in tracks.indices where tracks[i].confirmed {
            for j in tracks.indices where j > i && tracks[j].confirmed {
                guard tracks[i].position.distance(to: tracks[j].position) < settings.closeDistance else {
                    continue
                }
                let pair = TrackPair(tracks[i].id, tracks[j].id)
                var close = closePairs[pair] ?? ClosePair(turns: 0, last: time)
                close.turns += 1
                close.last = time
                closePairs[pair] = close
            }
        }
        for (pair, close) in closePairs
        where close.last != time
            && (close.turns < settings.closeTurns || close.last < time - Self.memoryMillis)
        {
            closePairs[pair] = nil
        }
    }

    /// Whether the tracks `a` and `b` were within `closeDistance` of each other for `closeTurns` turns
    /// running lately.
    func wereClose(_ a: Int, _ b: Int) -> Bool {
        (closePairs[TrackPair(a, b)]?.turns ?? 0) >= settings.closeTurns
    }

    /// Drops the weaker of two tracks closer than `duplicateDistance`: one body seen twice. Not two tracks
    /// walking opposite ways (`arePassing`).
    mutating func removeDuplicates(events: inout [LineEvent]) {
        guard tracks.count > 1 else { return }
        var remove = Set<Int>()
        for i in tracks.indices {
            for j in tracks.indices where j > i && !remove.contains(i) && !remove.contains(j) {
                guard tracks[i].position.distance(to: tracks[j].position) < settings.duplicateDistance,
                    !arePassing(tracks[i], tracks[j])
                else { continue }
                // Closer than two bodies can be: one of them is a ghost. Drop the one not seen this
                // turn, else the one seen less often.
                let iWeaker =
                    tracks[i].misses != tracks[j].misses
                    ? tracks[i].misses > tracks[j].misses : tracks[i].hits < tracks[j].hits
                let weaker = iWeaker ? i : j
                // One body: the speed either track held is its own.
                let sustained = max(tracks[i].sustainedSpeed, tracks[j].sustainedSpeed)
                tracks[i].sustainedSpeed = sustained
                tracks[j].sustainedSpeed = sustained
                remove.insert(weaker)
                var ghost = tracks[weaker]
                release(&ghost, events: &events)
            }
        }
        if !remove.isEmpty {
            tracks = tracks.enumerated().filter { !remove.contains($0.offset) }.map(\.element)
        }
    }

    /// Whether `a` and `b`, both past the rough velocity of their first sightings, move opposite ways: two
    /// people passing each other, not one body seen twice. In a crowd one is often hidden behind someone
    /// nearer the sensor as they pass, and its track coasts on its prediction across the other's; dropping
    /// it as a ghost lost a walker whenever two crossed the line that way within a body's width of each
    /// other (in the simulated dense hours, two in three of the walkers missed were lost so).
    func arePassing(_ a: Track, _ b: Track) -> Bool {
        a.hits > 2 && b.hits > 2 && a.velocity.dot(b.velocity) < 0
    }
}
