// Foreground points of one turn grouped into person candidates.

/// A foreground return in the sensor frame.
struct ForegroundPoint: Sendable {
    var angle: Double
    var range: Double
    var point: PlanePoint
}

/// A person candidate: where its body centre probably is, and how wide it looks.
struct Cluster: Sendable, Hashable {
    var centre: PlanePoint
    /// Distance between the cluster's extreme points, metres.
    var extent: Double
    var points: Int
    /// The nearest return's range, metres: anything behind it, within its bearings, is in its shadow.
    var nearestRange = 0.0
    /// The bearings it covers, degrees as in the turn (the first may be above 360 after the turn was
    /// rotated to start in a gap, see `LidarDetector`).
    var fromAngle = 0.0
    var toAngle = 0.0
    /// Set when it touches a nearer cluster's edge in the view and its centre is closer to that one's
    /// than two people's can be: a walker's far arm or bag seen beside their body, not a person of its
    /// own (see `Clusterer.markParts`). The nearer cluster's index in the turn's clusters.
    var partOf: Int?
    var partOfNearer: Bool { partOf != nil }
    /// How long the returns it was cut from are, metres: its `extent`, unless it is a part of a longer
    /// segment (cut into person-wide parts, or between the tracks that claim it). A pram followed by two
    /// tracks, one on each half, is still as long as a pram.
    var span = 0.0

    /// Whether `point` lies in this cluster's shadow as seen from the sensor: behind it by more than
    /// `depth` and within its bearings widened by `halfWidth` metres (the hidden body's own half-width).
    func shadows(_ point: PlanePoint, depth: Double, halfWidth: Double) -> Bool {
        let range = point.length
        guard range > nearestRange + depth else { return false }
        let margin = halfWidth / max(range, 0.1) * 180 / .pi
        let bearing = point.degrees
        for candidate in [bearing, bearing + 360]
        where candidate >= fromAngle - margin
            && candidate <= toAngle + margin
        {
            return true
        }
        return false
    }
}

/// What the tracker expects this turn: a track's predicted centre and speed. Clusters that two sure
/// tracks claim are split between them; one claimed by fast movers alone is never split; one that only
/// new tracks claim is kept whole until their speed is known.
struct TrackHint: Sendable, Hashable {
    var position: PlanePoint
    var speed: Double
    /// Confirmed: someone the tracker is sure of.
    var confirmed: Bool
    /// Seen at least twice: `speed` is measured, not yet zero for want of a second sighting.
    var speedKnown: Bool
}

/// Groups one turn's foreground points (in angle order) into person candidates:
/// 1. **Segments** of consecutive points closer together than an adaptive breakpoint, which grows with
///    range because neighbouring samples lie further apart far away (`r·Δφ`).
/// 2. **Merge** neighbouring segments while the union stays as wide as one person: the torso and an arm
///    or a leg separated by a gap are one person.
/// 3. **Split** a segment that two sure tracks (confirmed, or fast with a measured speed) claim (their
///    predicted centres lie within `claimDistance` of its returns) between them, each return to the
///    nearest: people in a queue or abreast whose bodies touch in the view stay apart. Otherwise split a
///    segment wider than a person into person-wide parts, unless fast movers alone claim it (a bicycle
///    is longer than a person is wide), or nobody sure claims it and no claimant's speed is measured
///    yet: something wide that has just appeared is followed whole until its speed tells a bicycle
///    (never cut) from people side by side (cut at the next turn). Cut at once, a bicycle moving half its
///    length per turn hands each new track the part the previous one left, and no speed is ever learnt.
/// The centre is pushed back along the ray by `bodyRadius`, because the sensor sees the near side of a
/// body, not its middle.
struct Clusterer: Sendable {
    struct Settings: Sendable, Hashable {
        /// Smallest breakpoint, metres.
        var minimumBreak = 0.12
        /// Breakpoint growth with range, in multiples of the sample spacing `r·Δφ`.
        var breakSamples = 3.0
        /// The widest one person looks at hip height (shoulders, a bag), metres.
        var personWidth = 0.65
        /// Largest gap between two parts of one person, metres.
        var mergeGap = 0.35
        /// Width per person when a wide segment is split, metres.
        var splitWidth = 0.5
        var bodyRadius = 0.1
        /// How much farther one part of a person can be than another (a torso is 0.2–0.35 m deep, an arm
        /// swings beside it): segments farther apart in range are different people.
        var bodyDepth = 0.3
        /// A confirmed track claims returns within this of its predicted centre (a body radius plus
        /// what a prediction over one turn may be off by, at walking speeds).
        var claimDistance = 0.35
        /// A segment claimed by two tracks is split between them only if it is at least this wide: two
        /// bodies side by side in the view are each at least some 0.2 m wide.
        var twoPeopleWidth = 0.4
        /// A track faster than this (m/s) is a vehicle.
        var vehicleSpeed = Vehicle.speed
        /// The widest that parts nobody is known to walk in are merged to, metres: a bicycle's length.
        var vehicleLength = Vehicle.length
        var minimumPoints = 2
        /// Two clusters whose bearings are at most this many samples apart touch in the view (two returns
        /// lost to dark clothing at a body's edge included: a dark walker's bag far out then stays theirs).
        var touchingSamples = 3.5
        /// A cluster at least this much farther than one it touches is seen past that one's edge, metres.
        var behindDepth = 0.1
        /// Two people's centres are at least this far apart (two hips of some 0.25 m radius): a cluster
        /// whose centre is closer to a nearer one it touches is part of that body, metres.
        var partReach = 0.5
    }

    var settings = Settings()
    private var segments: [(start: Int, end: Int)] = []
    private var merged: [(start: Int, end: Int)] = []
    private var claimants: [Int] = []
    private var owner: [Int] = []
    private var cumulative: [Double] = []

    /// Clusters of `points`, which must be in increasing angle and start after a gap (see
    /// `LidarDetector`: the turn is cut where no foreground is, not at 0°). `stepDegrees` is the sample
    /// spacing. `hints` are the tracks' predicted positions (see `TrackHint`). Clusters whose centre lies
    /// outside `region` are left out.
    mutating func clusters(
        of points: [ForegroundPoint], stepDegrees: Double, hints: [TrackHint] = [], region: Region? = nil,
        into clusters: inout [Cluster]
    ) {
        clusters.removeAll(keepingCapacity: true)
        segments.removeAll(keepingCapacity: true)
        merged.removeAll(keepingCapacity: true)
        guard !points.isEmpty else { return }
        let step = stepDegrees * .pi / 180
        var start = 0
        for index in 1..<max(points.count, 1) where index < points.count {
            let previous = points[index - 1]
            let threshold = max(settings.minimumBreak, settings.breakSamples * previous.range * step)
            if points[index].point.distance(to: previous.point) > threshold {
                segments.append((start, index - 1))
                start = index
            }
        }
        segments.append((start, points.count - 1))
        // Merge neighbours that together are still one person wide and one body deep: an arm beside the
        // torso is at about its range, someone seen past a nearer person's edge is a body depth behind.
        // Up to a bicycle's length while no track that walks claims them: a rider's hips, basket and
        // child seat are apart in the view, and followed one by one, each part's track would take the
        // part coming up behind it at the next turn and never learn the rider's speed. People in a queue
        // merged so are cut again as soon as their track's speed is known.
        for segment in segments {
            if let previous = merged.last,
                gap(points, previous, segment) <= settings.mergeGap,
                abs(nearestRange(points, previous) - nearestRange(points, segment)) <= settings.bodyDepth,
                extent(points, (previous.start, segment.end))
                    <= (walkerClaims(points, previous, hints) || walkerClaims(points, segment, hints)
                        ? settings.personWidth : settings.vehicleLength)
            {
                merged[merged.count - 1].end = segment.end
            } else {
                merged.append(segment)
            }
        }

        for segment in merged {
            guard segment.end - segment.start + 1 >= settings.minimumPoints else { continue }
            let width = extent(points, segment)
            // The people the tracker is sure of here: two or more are split between them, whatever the
            // width.
            claimants.removeAll(keepingCapacity: true)
            var unmeasured = false
            var claimed = false
            for (index, hint) in hints.enumerated() where isClaimed(points, segment, by: hint.position) {
                claimed = true
                if hint.confirmed || (hint.speedKnown && hint.speed > settings.vehicleSpeed) {
                    claimants.append(index)
                } else if !hint.speedKnown {
                    unmeasured = true
                }
            }
            // Claimed by fast movers only (a bicycle is some 1.8 m long): one vehicle, never cut into
            // walkers.
            let vehicle =
                !claimants.isEmpty && claimants.allSatisfy { hints[$0].speed > settings.vehicleSpeed }
            if claimants.count >= 2 && width >= settings.twoPeopleWidth && !vehicle {
                splitBetween(points, segment, width: width, hints: hints, into: &clusters)
                continue
            }
            // New, or followed by a track whose speed is not measured yet: whole for now.
            let unknown = claimants.isEmpty && (!claimed || unmeasured)
            let parts =
                width > settings.personWidth && !vehicle && !unknown
                ? max(2, Int((width / settings.splitWidth).rounded())) : 1
            if parts == 1 {
                clusters.append(cluster(points, segment.start...segment.end, width: width))
                continue
            }
            // Split by length along the segment.
            cumulative.removeAll(keepingCapacity: true)
            cumulative.append(0)
            for k in (segment.start + 1)...segment.end {
                cumulative.append(
                    cumulative[cumulative.count - 1] + points[k].point.distance(to: points[k - 1].point))
            }
            let total = cumulative[cumulative.count - 1]
            var from = 0
            let count = segment.end - segment.start + 1
            for part in 1...parts {
                let limit = total * Double(part) / Double(parts)
                var to = from
                while to + 1 < count && cumulative[to + 1] <= limit + 1e-9 { to += 1 }
                if part == parts { to = count - 1 }
                if to - from + 1 >= settings.minimumPoints {
                    let slice = (segment.start + from)...(segment.start + to)
                    var part = cluster(
                        points, slice,
                        width: points[slice.lowerBound].point.distance(to: points[slice.upperBound].point))
                    part.span = width
                    clusters.append(part)
                }
                from = to + 1
                if from >= count { break }
            }
        }
        markParts(&clusters, step: stepDegrees)
        if let region { keep(&clusters, in: region) }
    }

    /// Drops the clusters whose centre lies outside `region`, and the parts of bodies outside it.
    private mutating func keep(_ clusters: inout [Cluster], in region: Region) {
        owner.removeAll(keepingCapacity: true)  // old index → new index, or -1
        var kept = 0
        for cluster in clusters {
            // A part is kept with its body (a body is nearer than its parts: the chain ends).
            var inside = region.contains(cluster.centre)
            var body = cluster.partOf
            while inside, let index = body {
                inside = region.contains(clusters[index].centre)
                body = clusters[index].partOf
            }
            owner.append(inside ? kept : -1)
            if inside { kept += 1 }
        }
        guard kept < clusters.count else { return }
        var next = 0
        for index in clusters.indices where owner[index] >= 0 {
            var cluster = clusters[index]
            cluster.partOf = cluster.partOf.map { owner[$0] }
            clusters[next] = cluster
            next += 1
        }
        clusters.removeLast(clusters.count - kept)
    }

    /// Marks the clusters that are only an arm or a bag seen past the edge of a nearer body
    /// (`Cluster.partOfNearer`). A LiDAR sees a walker's far arm, or a bag carried on the far side, as a
    /// few returns just beyond the edge of the body in the view, farther away, and not merged with it
    /// when it is more than a body depth behind the body's front. Someone walking behind another person
    /// is at least a body's width from them.
    private func markParts(_ clusters: inout [Cluster], step: Double) {
        guard clusters.count > 1 else { return }
        let touching = settings.touchingSamples * step
        for index in clusters.indices {
            let cluster = clusters[index]
            // Clusters are in bearing order: the ones that can touch it are its neighbours in the list.
            for other in stride(from: index - 1, through: index + 1, by: 2)
            where other >= 0 && other < clusters.count {
                let nearer = clusters[other]
                let gap =
                    other < index ? cluster.fromAngle - nearer.toAngle : nearer.fromAngle - cluster.toAngle
                if gap <= touching, nearer.nearestRange <= cluster.nearestRange - settings.behindDepth,
                    nearer.centre.distance(to: cluster.centre) < settings.partReach
                {
                    clusters[index].partOf = other
                }
            }
        }
    }

    /// Whether a track whose speed is measured and a walker's claims `segment`.
    private func walkerClaims(
        _ points: [ForegroundPoint], _ segment: (start: Int, end: Int), _ hints: [TrackHint]
    )
        -> Bool
    {
        hints.contains {
            $0.speedKnown && $0.speed <= settings.vehicleSpeed && isClaimed(points, segment, by: $0.position)
        }
    }

    /// A track claims a segment when its predicted centre lies within `claimDistance` of one of its
    /// returns: about a body radius behind the surface, plus what the prediction may be off by.
    private func isClaimed(
        _ points: [ForegroundPoint], _ segment: (start: Int, end: Int), by position: PlanePoint
    )
        -> Bool
    {
        let limit = settings.claimDistance * settings.claimDistance
        for index in segment.start...segment.end {
            let d = points[index].point - position
            if d.x * d.x + d.y * d.y <= limit { return true }
        }
        return false
    }

    /// Gives each return of `segment` to the nearest claimant and makes one cluster per claimant: people
    /// in a queue or abreast whose bodies touch in the sensor's view are followed one by one.
    private mutating func splitBetween(
        _ points: [ForegroundPoint], _ segment: (start: Int, end: Int), width: Double, hints: [TrackHint],
        into clusters: inout [Cluster]
    ) {
        owner.removeAll(keepingCapacity: true)
        for index in segment.start...segment.end {
            var best = claimants[0]
            var bestDistance = Double.infinity
            for claimant in claimants {
                let distance = points[index].point.distance(to: hints[claimant].position)
                if distance < bestDistance {
                    bestDistance = distance
                    best = claimant
                }
            }
            owner.append(best)
        }
        // Points are in angle order, and bodies side by side in the view own runs of them.
        var from = 0
        while from < owner.count {
            var to = from
            while to + 1 < owner.count && owner[to + 1] == owner[from] { to += 1 }
            if to - from + 1 >= settings.minimumPoints {
                let slice = (segment.start + from)...(segment.start + to)
                var part = cluster(points, slice, width: extent(points, (slice.lowerBound, slice.upperBound)))
                part.span = width
                clusters.append(part)
            }
            from = to + 1
        }
    }

    private func nearestRange(_ points: [ForegroundPoint], _ segment: (start: Int, end: Int)) -> Double {
        var nearest = Double.infinity
        for index in segment.start...segment.end { nearest = min(nearest, points[index].range) }
        return nearest
    }

    private func gap(_ points: [ForegroundPoint], _ a: (start: Int, end: Int), _ b: (start: Int, end: Int))
        -> Double
    {
        points[a.end].point.distance(to: points[b.start].point)
    }

    /// The widest distance between a segment's first, last and nearest points.
    private func extent(_ points: [ForegroundPoint], _ segment: (start: Int, end: Int)) -> Double {
        let first = points[segment.start].point
        let last = points[segment.end].point
        var nearest = first
        var nearestRange = Double.infinity
        for index in segment.start...segment.end where points[index].range < nearestRange {
            nearestRange = points[index].range
            nearest = points[index].point
        }
        return max(first.distance(to: last), first.distance(to: nearest), last.distance(to: nearest))
    }

    private func cluster(_ points: [ForegroundPoint], _ indices: ClosedRange<Int>, width: Double) -> Cluster {
        var sum = PlanePoint(x: 0, y: 0)
        var nearest = Double.infinity
        for index in indices {
            sum = sum + points[index].point
            nearest = min(nearest, points[index].range)
        }
        let centroid = sum * (1 / Double(indices.count))
        let range = centroid.length
        let centre = range > 0 ? centroid * ((range + settings.bodyRadius) / range) : centroid
        return Cluster(
            centre: centre, extent: width, points: indices.count, nearestRange: nearest,
            fromAngle: points[indices.lowerBound].angle, toAngle: points[indices.upperBound].angle,
            span: width)
    }
}
