// Counting at the line: when a track has crossed, which way, and whether it was a walker.

extension LidarTracker {
    /// The side of the line `point` is on.
    func side(of point: PlanePoint) -> Side { Side(signedDistance: line.signedDistance(point)) }

    /// Updates `track`'s side of the line after a detection at `time`; commits to its crossing once it
    /// is `commitDistance` past the line, away from its origin, that detection itself at least
    /// `commitMeasuredDistance` past it, and emits it once it is `decideDistance` past, comes back, or
    /// ends (see `LidarTracker`).
    mutating func count(_ track: inout Track, time: Int64, events: inout [LineEvent]) {
        let signed = line.signedDistance(track.position)
        let along = line.position(track.position) * line.length
        let previous = track.lastSigned
        defer {
            track.lastSigned = signed
            track.lastSignedTime = time
        }
        let side = Side(signedDistance: signed)
        if track.held == nil, side == track.origin, self.side(of: track.measured) == side {
            track.lastBeforeLine = (time, track.measured)
        }
        if let held = track.held {
            track.heldSpeed = max(track.heldSpeed, track.speed)
            if side != held.side || (abs(signed) >= settings.decideDistance && !isSpeedingUp(track, signed)) {
                release(&track, events: &events)
            }
        }
        guard along >= -settings.lineOverhang, along <= line.length + settings.lineOverhang else { return }
        if track.origin == nil {
            guard abs(signed) >= settings.hysteresis else { return }
            if let emerged = track.emergedAt, abs(signed) < settings.decideDistance {
                // First seen on the line, where someone nearer hid them. Which way they walk off it, only
                // a sighting of the whole body tells: a sliver of them beside someone nearer (or the
                // edge of that someone) moves as that one does. So wait for one, up to `decideDistance`.
                guard track.seenWhole else { return }
                // Walking off the line: they came from the other side. Only at a walker's pace: the speed
                // of a first step is rough, and a walker taken for a rider here would be counted as a
                // fast mover.
                if (settings.emergedSpeed...settings.vehicleSpeed).contains(track.speed) {
                    track.origin = side.opposite
                    track.lineTime = emerged
                    track.lineSpeed = track.speed
                    return
                }
            }
            track.origin = side
            return
        }
        guard let origin = track.origin else { return }
        if side == origin {
            // Held for three detections running: one swap with a neighbour is no speed.
            let sustained = min(track.speed, track.earlierSpeeds.0, track.earlierSpeeds.1)
            track.approachSpeed =
                abs(signed) <= settings.approachDistance ? max(track.approachSpeed, sustained) : 0
        }
        if let previous, (previous < 0) != (signed < 0) {
            if side != origin {
                // Passed the line away from the origin: when, by linear interpolation.
                let fraction = abs(previous) / max(1e-9, abs(previous) + abs(signed))
                track.lineTime = track.lastSignedTime + Int64(fraction * Double(time - track.lastSignedTime))
                track.lineSpeed = track.speed
            } else {
                track.lineTime = nil  // came back: a turn-back or jitter
            }
        }
        // Committed to only once the walker was measured past the line too, not only predicted there: a
        // track coasting hidden overshoots someone who stopped just past the line, and a detection of
        // them there pulls it back only part of the way (a partial one, less).
        let measuredPast = line.signedDistance(track.measured) * (side == .b ? 1 : -1)
        if side != origin, abs(signed) >= settings.commitDistance, track.confirmed,
            measuredPast >= settings.commitMeasuredDistance
        {
            track.held = (side, track.lineTime ?? track.lastSeen)
            track.heldSpeed = max(track.lineSpeed, track.speed)
            track.heldApproachSpeed = track.approachSpeed
            track.approachSpeed = 0
            track.origin = side
            track.lineTime = nil
        }
    }

    /// Whether `track`, `signed` from the line with a crossing held, is a rider still being measured: it
    /// passed the line faster than most walkers (`speedingUpFrom`), is past a walker's pace now
    /// (`speedingUpPast`) and still speeding up, less than twice `decideDistance` past the line. A rider
    /// first seen late (on the line, or by the track of a walker they overtook) comes up to speed on the
    /// smoothed speed only over a metre or two. (A walker's track that took a rider's cluster after
    /// crossing was at a walker's pace at the line: its crossing is a walker's.)
    private func isSpeedingUp(_ track: Track, _ signed: Double) -> Bool {
        track.lineSpeed >= settings.speedingUpFrom && track.speed >= settings.speedingUpPast
            && track.speed > track.earlierSpeeds.0 && abs(signed) < 2 * settings.decideDistance
    }

    /// Emits `track`'s held crossing, as a walker or, faster than `fastMoverSpeed` at any time from the
    /// line to now (or on its way in, see `crossingSpeed`), as a fast mover (see `emit`).
    mutating func release(_ track: inout Track, events: inout [LineEvent]) {
        guard let held = track.held else { return }
        track.held = nil
        guard mayCount(track) else { return }
        let speed = crossingSpeed(track.heldSpeed, approach: track.heldApproachSpeed)
        emit(track, to: held.side, time: held.time, speed: speed, events: &events)
    }

    /// `track`'s crossing to `side` that passed the line at `time`: a fast mover's when `speed` exceeds
    /// `fastMoverSpeed` (a rider's parts may each be narrower than a person) and so does the track's
    /// `sustainedSpeed`, else a walker's if the track is someone (`isSomeone`). A crossing faster than
    /// `fastMoverSpeed` by a track that was never that fast at two detections running from its
    /// `fastMoverSightings`th on counts nothing at all: a track that jumped between fragments of people
    /// in a crowd.
    mutating func emit(_ track: Track, to side: Side, time: Int64, speed: Double, events: inout [LineEvent]) {
        let direction: Direction = side == .b ? .aToB : .bToA
        if let fast = settings.fastMoverSpeed, speed > fast {
            guard track.sustainedSpeed > fast else { return }
            events.append(.fastMover(direction, time: time))
        } else if isSomeone(track, crossedAt: time), !isEcho(track, direction: direction, time: time) {
            remember(track, direction: direction, time: time)
            events.append(.crossed(direction, time: time))
        }
    }

    /// The speed that decides a crossing's kind, from the highest speed at and past the line and the
    /// highest held on the way in: the way in counts only for something faster than a walker at the line
    /// (a long vehicle's measured speed dips as it passes the sensor's perpendicular; a walker's track
    /// may have swapped with someone fast on its way in).
    func crossingSpeed(_ atLine: Double, approach: Double) -> Double {
        atLine > settings.vehicleSpeed ? max(atLine, approach) : atLine
    }

    /// Notes when a track hidden behind someone nearer the sensor passes the line on its prediction:
    /// in a crowd, someone walking behind a person close to the sensor may stay hidden from before the
    /// line until long after it. Only within `hiddenWholeMillis` of its last whole sighting: a track
    /// that lost its walker a while ago coasts on a stale course.
    func passHidden(_ track: inout Track, time: Int64) {
        guard track.hiddenCrossing == nil, track.held == nil, track.hits >= settings.hiddenCrossingHits,
            time - track.lastWholeTime <= settings.hiddenWholeMillis,
            let origin = track.origin,
            let measured = track.lastSigned, Side(signedDistance: measured) == origin
        else { return }
        let signed = line.signedDistance(track.position)
        let along = line.position(track.position) * line.length
        guard along >= -settings.lineOverhang, along <= line.length + settings.lineOverhang else { return }
        if Side(signedDistance: signed) != origin { track.hiddenCrossing = time }
    }

    /// A track that ends (lost, or every track at a reset) counts if it had passed the line away from its
    /// origin by at least the hysteresis, or had passed it on its prediction while hidden. Not if only its
    /// prediction or its filtered position had passed it, its last detection being on the side it came
    /// from, and it went `lostInViewMillis` in all unseen in plain view since that detection: its walker
    /// stopped or turned back short of the line while hidden behind someone, and the track coasted on
    /// without them, out of the shadow. (Someone who walked on while hidden is seen as the shadow ends;
    /// one hidden until they leave the region is lost in the shadow.)
    mutating func finish(_ track: Track, events: inout [LineEvent]) {
        var track = track
        release(&track, events: &events)
        guard mayCount(track), track.confirmed, let origin = track.origin else { return }
        let lostShort =
            self.side(of: track.measured) == origin && track.unseenInViewMillis >= settings.lostInViewMillis
        if let hidden = track.hiddenCrossing {
            guard !lostShort else { return }
            emit(
                track, to: origin.opposite, time: hidden,
                speed: crossingSpeed(track.speed, approach: track.approachSpeed),
                events: &events)
            return
        }
        guard let lineTime = track.lineTime, let signed = track.lastSigned else { return }
        let side = Side(signedDistance: signed)
        if side != origin, abs(signed) >= settings.hysteresis, !lostShort {
            emit(
                track, to: side, time: lineTime,
                speed: crossingSpeed(max(track.lineSpeed, track.speed), approach: track.approachSpeed),
                events: &events)
        }
    }
}
