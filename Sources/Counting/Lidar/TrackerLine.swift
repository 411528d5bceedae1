// Counting at the line: when a track has crossed, which way, and whether it was a walker.

extension LidarTracker {
    /// Updates `track`'s side of the line after a detection at `time`; emits its crossing once it is
    /// `commitDistance` past the line, away from its origin (see `LidarTracker`).
    func count(_ track: inout Track, time: Int64, events: inout [LineEvent]) {
        let signed = line.signedDistance(track.position)
        let along = line.position(track.position) * line.length
        let previous = track.lastSigned
        defer {
            track.lastSigned = signed
            track.lastSignedTime = time
        }
        guard along >= -settings.lineOverhang, along <= line.length + settings.lineOverhang else { return }
        let side: Side = signed < 0 ? .a : .b
        if track.origin == nil {
            if abs(signed) >= settings.hysteresis { track.origin = side }
            return
        }
        guard let origin = track.origin else { return }
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
        if side != origin, abs(signed) >= settings.commitDistance, track.confirmed {
            emit(track, to: side, events: &events)
            track.origin = side
            track.lineTime = nil
        }
    }

    /// A track that ends (lost, or every track at a reset) counts if it had passed the line away from its
    /// origin by at least the hysteresis.
    func finish(_ track: Track, events: inout [LineEvent]) {
        guard track.confirmed, let origin = track.origin, track.lineTime != nil,
            let signed = track.lastSigned
        else { return }
        let side: Side = signed < 0 ? .a : .b
        if side != origin, abs(signed) >= settings.hysteresis { emit(track, to: side, events: &events) }
    }

    /// The crossing, as a walker or, faster than `fastMoverSpeed` at the line, as a fast mover.
    func emit(_ track: Track, to side: Side, events: inout [LineEvent]) {
        let direction: Direction = side == .b ? .aToB : .bToA
        let time = track.lineTime ?? track.lastSeen
        let speed = max(track.lineSpeed, track.speed)
        if let fast = settings.fastMoverSpeed, speed > fast {
            events.append(.fastMover(direction, time: time))
        } else {
            events.append(.crossed(direction, time: time))
        }
    }
}
