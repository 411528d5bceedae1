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
}

/// Groups one turn's foreground points (in angle order) into person candidates:
/// 1. **Segments** of consecutive points closer together than an adaptive breakpoint, which grows with
///    range because neighbouring samples lie further apart far away (`r·Δφ`).
/// 2. **Merge** neighbouring segments while the union stays as wide as one person: the torso and an arm
///    or a leg separated by a gap are one person.
/// 3. **Split** segments wider than a person into person-wide parts: two people side by side who touch
///    in the sensor's view are still two.
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
        var minimumPoints = 2
    }

    var settings = Settings()
    private var segments: [(start: Int, end: Int)] = []

    /// Clusters of `points`, which must be in increasing angle and start after a gap (see
    /// `LidarDetector`: the turn is cut where no foreground is, not at 0°). `stepDegrees` is the sample
    /// spacing.
    mutating func clusters(of points: [ForegroundPoint], stepDegrees: Double, into clusters: inout [Cluster])
    {
        clusters.removeAll(keepingCapacity: true)
        segments.removeAll(keepingCapacity: true)
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
        // Merge neighbours that together are still one person wide.
        var merged: [(start: Int, end: Int)] = []
        for segment in segments {
            if let previous = merged.last,
                gap(points, previous, segment) <= settings.mergeGap,
                extent(points, (previous.start, segment.end)) <= settings.personWidth
            {
                merged[merged.count - 1].end = segment.end
            } else {
                merged.append(segment)
            }
        }

        for segment in merged {
            let indices = indexList(segment, count: points.count)
            guard indices.count >= settings.minimumPoints else { continue }
            let width = extent(points, segment)
            let parts =
                width > settings.personWidth ? max(2, Int((width / settings.splitWidth).rounded())) : 1
            if parts == 1 {
                clusters.append(cluster(points, indices[...], width: width))
                continue
            }
            // Split by length along the segment.
            var cumulative: [Double] = [0]
            for k in 1..<indices.count {
                cumulative.append(
                    cumulative[k - 1] + points[indices[k]].point.distance(to: points[indices[k - 1]].point))
            }
            let total = cumulative[cumulative.count - 1]
            var from = 0
            for part in 1...parts {
                let limit = total * Double(part) / Double(parts)
                var to = from
                while to + 1 < indices.count && cumulative[to + 1] <= limit + 1e-9 { to += 1 }
                if part == parts { to = indices.count - 1 }
                if to - from + 1 >= settings.minimumPoints {
                    let slice = indices[from...to]
                    clusters.append(
                        cluster(
                            points, slice,
                            width: points[slice.first!].point.distance(to: points[slice.last!].point)))
                }
                from = to + 1
                if from >= indices.count { break }
            }
        }
    }

    private func indexList(_ segment: (start: Int, end: Int), count: Int) -> [Int] {
        Array(segment.start...segment.end)
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
        for index in indexList(segment, count: points.count) where points[index].range < nearestRange {
            nearestRange = points[index].range
            nearest = points[index].point
        }
        return max(first.distance(to: last), first.distance(to: nearest), last.distance(to: nearest))
    }

    private func cluster(_ points: [ForegroundPoint], _ indices: ArraySlice<Int>, width: Double) -> Cluster {
        var sum = PlanePoint(x: 0, y: 0)
        for index in indices { sum = sum + points[index].point }
        let centroid = sum * (1 / Double(indices.count))
        let range = centroid.length
        let centre = range > 0 ? centroid * ((range + settings.bodyRadius) / range) : centroid
        return Cluster(centre: centre, extent: width, points: indices.count)
    }
}
