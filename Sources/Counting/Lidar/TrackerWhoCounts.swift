// Tracks whose crossings count nothing: those that are no one, those whose walker turned back unseen, and
// echoes of a walker counted already.

extension LidarTracker {
    /// Whether `cluster` shows a whole body: `wholeWidth` wide, not a part of a nearer one. (A track's
    /// detection with far fewer returns than usual, a body partly hidden, does not either: see `correct`.)
    func showsWhole(_ cluster: Cluster) -> Bool {
        !cluster.partOfNearer && cluster.extent >= settings.wholeWidth
    }

    /// Whether `track`, which passed the line at `time`, is someone: seen whole (`wholeWidth` wide, not
    /// partly hidden, not a part of a nearer body) at least `wholeSightingsToCount` times. Slivers (the arm
    /// or bag of someone nearer, the edge of a body behind them) can make a track that moves, coasts and
    /// crosses like a walker.
    ///
    /// A track first seen `walkedInDistance` or more from the line and not seen whole since passing it
    /// needs `walkedInWholeSightings`: someone who walks up to the line is seen whole on the way, bar a
    /// turn or two hidden behind someone nearer. A track born on a rider's rear, left behind as the rider
    /// rides on, or on two people as one, may ride the slivers at the edge of a walker's body and coast in
    /// their shadow across the line with them, having been seen whole only where it was born.
    func isSomeone(_ track: Track, crossedAt time: Int64) -> Bool {
        let walkedIn =
            track.lastWholeTime < time && abs(line.signedDistance(track.bornAt)) >= settings.walkedInDistance
        return track.wholeSightings
            >= (walkedIn ? settings.walkedInWholeSightings : settings.wholeSightingsToCount)
    }

    /// Whether `track`'s crossings count: it is not a pram (`isPushed`), and its walker was not seen
    /// again turning back (`turnedBack`). (Whether it is someone at all, `emit` decides.)
    func mayCount(_ track: Track) -> Bool {
        !isPushed(track) && !track.turnedBack
    }

    /// Whether a walker's crossing by `track` the way of `direction`, past the line at `time`, is that of
    /// a walker counted already (see `remember`).
    ///
    /// A track may drift off its walker (their cluster cut in two as someone passes, the edge of a passer-by
    /// taken for them, their far arm) while a new track is born on their body, beside it (`bornBeside`).
    /// The elder then rides slivers of that body and coasts in its shadow, and crosses the line with it:
    /// the walker would count twice. So two walkers' crossings the same way within `echoMillis`, by a
    /// track and the one born beside it, are one walker's if the elder was not seen whole after the turn
    /// the younger was born; the second counts nothing. (On that turn the elder took some other cluster:
    /// a passer-by's part as wide as a body may be all it had.) Were the elder seen whole after it, it kept
    /// its own walker: two people who walk abreast, or one emerging from behind another, each count.
    ///
    /// Two tracks kept closer together than two people can (`wereClose`) follow one body as well: a track
    /// born on a rider's rear, left behind as the rider rode on, may take the slivers at the edge of a
    /// walker's body as it coasts on, beside the walker's own track. Of two crossings by such a pair, the
    /// second counts nothing unless both were seen whole after passing the line: a track on slivers, or
    /// coasting in a shadow, is not.
    func isEcho(_ track: Track, direction: Direction, time: Int64) -> Bool {
        walkerCrossings.contains { earlier in
            guard earlier.direction == direction, abs(earlier.time - time) <= settings.echoMillis else {
                return false
            }
            // The earlier track's latest whole sighting, up to now if it is still followed.
            let earlierWhole = tracks.first { $0.id == earlier.track }?.lastWholeTime ?? earlier.lastWholeTime
            if wereClose(earlier.track, track.id),
                earlierWhole < earlier.time || track.lastWholeTime < time
            {
                return true
            }
            if earlier.track == track.bornBeside { return earlierWhole <= track.born }
            return earlier.bornBeside == track.id && track.lastWholeTime <= earlier.born
        }
    }

    /// The confirmed track within `besideReach` of `point` that a track born there at `time` was born
    /// beside (see `isEcho`): the nearest not seen whole this turn, else the nearest. A track that drifted
    /// off its walker, onto a sliver of them or into their shadow, is not seen whole; a neighbour who is,
    /// nearer the new track, stays where they are and is no one's echo.
    func besideTrack(of point: PlanePoint, time: Int64) -> Int? {
        let reach = settings.besideReach
        let near = tracks.lazy.filter { $0.confirmed && $0.position.distance(to: point) < reach }
        func nearest(_ candidates: some Sequence<Track>) -> Int? {
            candidates.min { $0.position.distance(to: point) < $1.position.distance(to: point) }?.id
        }
        return nearest(near.filter { $0.lastWholeTime < time }) ?? nearest(near)
    }

    /// Keeps a walker's crossing by `track` that counted, for `isEcho` to compare those to come with, for
    /// `memoryMillis`. (One that counted nothing, an echo, is the walker's counted already.)
    mutating func remember(_ track: Track, direction: Direction, time: Int64) {
        walkerCrossings.removeAll { $0.time < time - Self.memoryMillis }
        walkerCrossings.append(
            WalkerCrossing(
                track: track.id, bornBeside: track.bornBeside, direction: direction, time: time,
                born: track.born, lastWholeTime: track.lastWholeTime))
    }

    /// Marks the tracks coasting unseen whose walker was just seen again, walking back the way they came.
    ///
    /// Someone who stops at the line and turns back while a person nearer the sensor hides them leaves a
    /// track coasting on across the line; they are seen again as someone new, going back. So: a track
    /// confirmed at most `turnBackLateSightings` sightings ago (someone turning back may stand a moment
    /// first), first seen on the side a coasting track came from and walking away from the
    /// line at a walker's pace (`emergedSpeed`), born within `turnBackReach` and `turnBackMillis` of the
    /// coasting track's last whole sighting, or within `turnBackStepReach` and `turnBackStepMillis` of its
    /// last measured position on that side (`lastBeforeLine`), either within `turnBackNear` of the line.
    /// A whole sighting of the coasting track undoes the mark (`correct`), one where it is looked for: its
    /// gate grows no more (see `update`). The new track, first seen on the line in someone's shadow, is
    /// then that walker coming back, not someone who crossed while hidden: it loses its emerged crossing
    /// (see `emergedAt`), for good (were the coasting track seen whole again, the new one was someone
    /// else, and their crossing is lost: the rarer mistake).
    mutating func noteTurnedBack(time: Int64) {
        for newIndex in tracks.indices
        where (settings.confirmHits...settings.confirmHits + settings.turnBackLateSightings).contains(
            tracks[newIndex].hits) && tracks[newIndex].lastSeen == time
        {
            let new = tracks[newIndex]
            let away = line.signedDistance(new.position + new.velocity) - line.signedDistance(new.position)
            let bornOn = side(of: new.bornAt)
            guard (bornOn == .a ? -away : away) >= settings.emergedSpeed, side(of: new.position) == bornOn
            else {
                continue
            }
            for index in tracks.indices where tracks[index].misses > 0 {
                let old = tracks[index]
                guard cameFrom(old) == bornOn else { continue }
                let lastWhole = (time: old.lastWholeTime, at: old.lastWholeAt)
                let byWhole = isWhereTurnedBack(
                    new, lastWhole, reach: settings.turnBackReach, millis: settings.turnBackMillis)
                let byStep =
                    old.lastBeforeLine.map {
                        isWhereTurnedBack(
                            new, $0, reach: settings.turnBackStepReach, millis: settings.turnBackStepMillis)
                    } ?? false
                guard byWhole || byStep else { continue }
                tracks[index].turnedBack = true
                forgetEmerging(&tracks[newIndex])
            }
        }
    }

    /// Whether `new` was born within `reach` metres and `millis` after where and when a track's walker was
    /// last `seen`, that within `turnBackNear` of the line.
    private func isWhereTurnedBack(
        _ new: Track, _ seen: (time: Int64, at: PlanePoint), reach: Double, millis: Int64
    ) -> Bool {
        new.born >= seen.time && new.born - seen.time <= millis && new.bornAt.distance(to: seen.at) <= reach
            && abs(line.signedDistance(seen.at)) <= settings.turnBackNear
    }

    /// Takes back `track`'s emerged crossing: its origin is the side it was first seen on after all. (It
    /// may have been committed to this very turn, the one it was confirmed in.)
    private func forgetEmerging(_ track: inout Track) {
        guard let emerged = track.emergedAt else { return }
        track.emergedAt = nil
        if let held = track.held, held.time == emerged {
            track.held = nil
        } else if track.origin != nil, track.held == nil {
            track.origin = side(of: track.bornAt)
            track.lineTime = nil
        }
    }

    /// The side `track` came from: that of a crossing it is committed to, or its origin.
    private func cameFrom(_ track: Track) -> Side? {
        if let held = track.held { return held.side.opposite }
        return track.origin
    }
}
