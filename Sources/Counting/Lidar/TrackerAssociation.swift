// Which track takes which cluster: what a detection costs a track, the step a new track shares with its
// neighbours, what lies behind a walking track beside someone coming the other way, and the parts a lost
// track may not take.

#if canImport(Glibc)
    import Glibc  // log only
#elseif canImport(Darwin)
    import Darwin
#endif

extension LidarTracker {
    /// What it costs a track to take a detection `distance` from its prediction, `gate` being how far it
    /// may be: the distance in units of the gate, squared, plus `uncertaintyCost` × ln(gate / `gate`).
    /// Going unseen costs 1, what a detection at the edge of its gate costs a track sure where it is.
    ///
    /// The second term is what a track unsure where it is pays: one unseen for a second has a gate several
    /// times as wide as one seen last turn, and explains a cluster in it less well. Without it, a track
    /// coasting in plain view after losing its walker (a second track on someone, left behind) takes the
    /// cluster of the person followed turn by turn next to its prediction: measured against distance
    /// alone, going unseen once more would cost it its whole wide gate, the other track only its narrow one.
    func detectionCost(_ distance: Double, gate: Double) -> Double {
        let scaled = distance / gate
        return scaled * scaled + settings.uncertaintyCost * max(0, log(gate / settings.gate))
    }

    /// The cluster a track seen once should take when the things around it moved alike: the step from its
    /// first sighting to that cluster is the one most of last turn's clusters nearby also made (within
    /// `shiftTolerance`). A rider's hips, basket and child seat move together by more than the gap
    /// between them each turn; the nearest cluster is then the part behind, and a track taking it would
    /// never learn the rider's speed. Nil when no step is shared more than the nearest one's.
    func commonShift(of track: Track, costs: [Double], clusters: [Cluster]) -> Int? {
        var best: Int?
        var bestVotes = 0
        var nearest: Int?
        var nearestVotes = 0
        for column in clusters.indices where costs[column].isFinite {
            let shift = clusters[column].centre - track.measured
            var votes = 0
            for previous in previousClusters
            where previous.centre != track.measured
                && previous.centre.distance(to: track.measured) <= settings.vehicleLength
            {
                let moved = previous.centre + shift
                if clusters.contains(where: { $0.centre.distance(to: moved) <= settings.shiftTolerance }) {
                    votes += 1
                }
            }
            if votes > bestVotes {
                best = column
                bestVotes = votes
            }
            if nearest.map({ costs[column] < costs[$0] }) ?? true {
                nearest = column
                nearestVotes = votes
            }
        }
        return bestVotes > nearestVotes ? best : nil
    }

    /// Whether `cluster` is where someone walking the other way has come to, not `track`'s walker: it
    /// lies behind `track`'s last measured position, along its steady heading, by more than
    /// `backStepSpeed` × the `unseen` seconds since, and a confirmed track moving the other way is within
    /// `oncomingReach` of it.
    ///
    /// As two people pass close, one hidden behind the other or out of view for a moment, the hidden
    /// one's track finds the other's body, or the bag they carry on the far side, where it predicts its
    /// walker. Taking it turn after turn, it would turn round, follow them back over the line and count a
    /// second time. A walker does not go from walking on to walking back within a turn or two; one who
    /// turns back alone has no one beside them to be taken for (see `noteTurnedBack`). Only for a
    /// confirmed track seen `backStepSightings` times, walking steadily faster than `backStepSpeed`.
    func isOncomingStep(of track: Track, to cluster: Cluster, unseen: Double) -> Bool {
        let walking = track.steadyVelocity.length
        guard track.confirmed, track.hits >= settings.backStepSightings, walking > settings.backStepSpeed
        else { return false }
        let heading = track.steadyVelocity * (1 / walking)
        let along = (cluster.centre - track.measured).dot(heading)
        guard along < -settings.backStepSpeed * unseen else { return false }
        return tracks.contains {
            $0.id != track.id && $0.confirmed && $0.velocity.dot(heading) < 0
                && $0.position.distance(to: cluster.centre) < settings.oncomingReach
        }
    }

    /// Keeps a confirmed track lost in plain view (unseen last turn with no one nearer the sensor hiding
    /// where it should be) from taking, among the clusters left over, a part of a body another track took
    /// this turn (`Cluster.partOf`): that is the other person's arm or bag, not the walker the track
    /// lost, and riding it the track would cross the line with them. (A track hidden behind someone may
    /// see its walker come out as a sliver at the edge of the nearer body: it may still take it.)
    func keepLostTracksOffTakenParts(
        _ costs: inout [[Double]], rows: [Int], assignment: [Int?], clusters: [Cluster]
    ) {
        func isLost(_ row: Int) -> Bool {
            (assignment[row] ?? clusters.count) >= clusters.count && tracks[rows[row]].misses > 0
                && tracks[rows[row]].shadowedSince == nil
        }
        guard rows.indices.contains(where: isLost) else { return }  // most turns: nobody lost in view
        var taken = Array(repeating: false, count: clusters.count)
        for case let column? in assignment where column < clusters.count { taken[column] = true }
        for row in rows.indices where isLost(row) {
            for column in clusters.indices {
                if let body = clusters[column].partOf, taken[body] { costs[row][column] = .infinity }
            }
        }
    }
}
