// Things pushed ahead of a walker: a pram, a shopping trolley. They cross the line, and are no one.

extension LidarTracker {
    /// Notes, for every track seen this turn that is longer than anyone at hip height (`pushedSpan`),
    /// whether a walker keeps step right behind it in its lane (`isPushing`). A pram is 0.8–1 m long and
    /// moves rigidly ahead of whoever pushes it; a person is at most some 0.5 m along their way at hip
    /// height, and someone walking close behind another is behind a person-sized body.
    mutating func notePushed() {
        guard tracks.count > 1 else { return }
        for index in tracks.indices
        where tracks[index].misses == 0 && tracks[index].typicalSpan >= settings.pushedSpan {
            let pushed = tracks.indices.contains { other in
                other != index && isPushing(tracks[other], tracks[index])
            }
            if pushed { tracks[index].pushedTurns += 1 }
        }
    }

    /// Whether `pusher` walks right behind `ahead`, in its lane and at its pace, over the last second.
    private func isPushing(_ pusher: Track, _ ahead: Track) -> Bool {
        guard pusher.hits >= settings.confirmHits, pusher.typicalSpan < settings.pushedSpan else {
            return false
        }
        let velocity = (pusher.steadyVelocity + ahead.steadyVelocity) * 0.5
        let pace = velocity.length
        guard pace > 0.3,
            pusher.steadyVelocity.distance(to: ahead.steadyVelocity) <= settings.pushedPaceTolerance
        else { return false }
        let heading = velocity * (1 / pace)
        let offset = ahead.position - pusher.position
        let along = offset.x * heading.x + offset.y * heading.y
        let across = abs(offset.x * heading.y - offset.y * heading.x)
        return along > 0 && along <= settings.pushedReach && across <= settings.pushedLane
    }

    /// A track that was pushed ahead of a walker for `pushedTurns` turns and is still longer than anyone:
    /// its crossings count nothing. (A walker's track that followed two people seen as one for a few
    /// turns, with someone behind them, is person-sized again by the time it counts.)
    func isPushed(_ track: Track) -> Bool {
        track.pushedTurns >= settings.pushedTurns && track.typicalSpan >= settings.pushedSpan
    }
}
