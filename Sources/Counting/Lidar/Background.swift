// The static scene (walls, posts, benches, parked things) as the LiDAR sees it, per angle bin. Anything
// clearly nearer than the background is foreground: a candidate person.

import LD06

/// The empty scene: for each 1° bin, the range of the nearest static surface, or nil when the sensor
/// gets no return there (open space beyond its range).
///
/// Learned by `BackgroundLearner` (`passant calibrate background`), stored as text (`text`,
/// `init(text:)`), and adapted while counting by `AdaptiveBackground`.
public struct LidarBackground: Sendable, Hashable {
    public static let bins = 360

    /// Metres per bin; `nil` means nothing within range.
    public var ranges: [Double?]

    public init(ranges: [Double?]) {
        precondition(ranges.count == Self.bins, "a background has one range per degree")
        self.ranges = ranges
    }

    /// A scene with nothing in range: everything the sensor sees is foreground.
    public static let empty = LidarBackground(ranges: Array(repeating: nil, count: bins))

    /// The bin of a raw angle in degrees.
    @inline(__always) public static func bin(ofDegrees degrees: Double) -> Int {
        let bin = Int(degrees)
        return bin >= bins ? bin - bins : (bin < 0 ? 0 : bin)
    }

    /// The file format: a comment, then one line per bin, `degree millimetres` (0 = nothing in range).
    public var text: String {
        var text = "# passant LD06 background v1: degree, range of the static scene in mm (0 = no return)\n"
        for (bin, range) in ranges.enumerated() {
            text += "\(bin) \(range.map { Int(($0 * 1000).rounded()) } ?? 0)\n"
        }
        return text
    }

    /// A problem with a background file's contents.
    public struct FormatError: Error, CustomStringConvertible, Sendable, Hashable {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    /// Reads `text` as written by `text`.
    public init(text: String) throws(FormatError) {
        var ranges: [Double?] = Array(repeating: nil, count: Self.bins)
        var seen = Array(repeating: false, count: Self.bins)
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard fields.count == 2, let bin = Int(fields[0]), let millimetres = Int(fields[1]) else {
                throw FormatError(line: index + 1, message: "expected 'degree millimetres', found '\(line)'")
            }
            guard (0..<Self.bins).contains(bin), (0...65_535).contains(millimetres) else {
                throw FormatError(
                    line: index + 1, message: "degree must be 0–359 and millimetres 0–65535, found '\(line)'")
            }
            ranges[bin] = millimetres == 0 ? nil : Double(millimetres) / 1000
            seen[bin] = true
        }
        if let missing = seen.firstIndex(of: false) {
            throw FormatError(line: 0, message: "degree \(missing) is missing; the file needs all 360")
        }
        self.init(ranges: ranges)
    }
}

/// Learns the empty scene from turns of the sensor (a calibration run of some 20 s).
///
/// Per bin it keeps every return and counts the samples without one. The background is the 20th
/// percentile of the returns: passers-by present in fewer than a fifth of the turns are ignored, and a
/// bin on the edge of a post keeps the post (the nearer surface), so the edge never reads as a person.
/// A bin where most samples have no return is open space.
public struct BackgroundLearner: Sendable {
    private var returns: [[Float]] = Array(repeating: [], count: LidarBackground.bins)
    private var misses: [Int] = Array(repeating: 0, count: LidarBackground.bins)
    public private(set) var turns = 0

    public init() {}

    public mutating func add(_ scan: LD06Scan) {
        turns += 1
        for point in scan.points {
            let bin = LidarBackground.bin(ofDegrees: point.angle)
            if point.distance == 0 {
                misses[bin] += 1
            } else {
                returns[bin].append(Float(point.distance) / 1000)
            }
        }
    }

    /// The background learned so far.
    public var background: LidarBackground {
        LidarBackground(
            ranges: (0..<LidarBackground.bins).map { bin in
                let hits = returns[bin].count
                guard hits > 0, hits * 2 >= misses[bin] / 2 else { return nil }
                let sorted = returns[bin].sorted()
                return Double(sorted[min(sorted.count - 1, sorted.count / 5)])
            })
    }
}
