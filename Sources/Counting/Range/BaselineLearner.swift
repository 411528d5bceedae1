// Learning the empty scene of one rangefinder channel: what `passant calibrate baseline` does over a
// live port or a capture, and what a pipeline does at start when no baseline was configured.

/// Collects samples and tells the channel's baseline: the distance the scene shows most of the time.
///
/// Someone walking through while it learns shortens some readings; the baseline is the median
/// distance, which holds as long as the scene was empty for more than half of the samples with a
/// return. When more than half of the samples had no return, the scene is open. Memory is a fixed
/// histogram (1 cm buckets up to 20 m): no allocation per sample.
public struct BaselineLearner: Sendable {
    public static let bucketMillimetres = 10
    public static let maximumMillimetres = 20_000

    private var histogram: [Int32]
    public private(set) var samples = 0
    public private(set) var distances = 0
    public private(set) var noReturn = 0
    public private(set) var saturated = 0

    public init() {
        histogram = Array(repeating: 0, count: Self.maximumMillimetres / Self.bucketMillimetres + 1)
    }

    public mutating func observe(_ reading: RangeReading) {
        samples += 1
        switch reading {
        case .distance(let millimetres):
            distances += 1
            let bucket = min(max(0, millimetres), Self.maximumMillimetres) / Self.bucketMillimetres
            histogram[bucket] += 1
        case .noReturn: noReturn += 1
        case .saturated: saturated += 1
        }
    }

    /// The `fraction` quantile of the distances seen (0…1), in mm, or nil when none was seen.
    public func distanceQuantile(_ fraction: Double) -> Int? {
        guard distances > 0 else { return nil }
        let rank = Int((Double(distances - 1) * min(max(fraction, 0), 1)).rounded())
        var seen = 0
        for (bucket, count) in histogram.enumerated() where count > 0 {
            seen += Int(count)
            if seen > rank { return bucket * Self.bucketMillimetres + Self.bucketMillimetres / 2 }
        }
        return nil
    }

    /// The learned baseline, or nil when too few samples were readable to say (saturation, or nothing).
    public var baseline: RangeBaseline? {
        guard samples > 0, saturated * 2 < samples else { return nil }
        if noReturn * 2 > samples { return .open }
        return distanceQuantile(0.5).map { .surface(millimetres: $0) }
    }

    /// Share of the distances more than `margin` nearer than the baseline: how busy the scene was while
    /// learning. A technician should repeat a calibration that saw a busy scene.
    public func shareNearer(than margin: Int) -> Double {
        guard case .surface(let distance) = baseline, distances > 0 else { return 0 }
        let limit = max(0, distance - margin) / Self.bucketMillimetres
        let nearer = histogram[..<min(limit, histogram.count)].reduce(0) { $0 + Int($1) }
        return Double(nearer) / Double(distances)
    }
}
