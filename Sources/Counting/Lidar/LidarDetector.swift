// One LD06's turns in, crossings out: background subtraction, clustering, tracking, the counting line.

import LD06

/// Detects people crossing a counting line in a 2D LiDAR's turns, on sensor time.
///
/// Without a calibrated background it learns one from the first `learnMillis` of turns and counts
/// nothing meanwhile (`isLearning`); `passant calibrate background` makes that unnecessary.
public struct LidarDetector: Sendable {
    public struct Configuration: Sendable, Hashable {
        public var line: CountingLine
        /// Only people whose centre lies inside it are followed (points up to `regionMargin` outside
        /// still count towards a body that reaches in); nil: everywhere within `maxRange`.
        public var region: Region?
        /// The empty scene; nil: learn it from the first turns.
        public var background: LidarBackground?
        /// Something that stays put this long becomes background (a parked bicycle, a new bench).
        public var absorbAfterMillis: Int64
        /// A bin that reads farther than its background this long takes the farther range.
        public var releaseAfterMillis: Int64
        /// Faster than this (m/s) from the line to 1 m past it, or on the 1.9 m before it when faster than
        /// walking at the line, is a fast mover (cyclist, scooter); nil: no exclusion.
        public var fastMoverSpeed: Double?
        /// Returns farther than this (m) are ignored.
        public var maxRange: Double
        /// How long to learn a background when none is given.
        public var learnMillis: Int64

        public init(
            line: CountingLine, region: Region? = nil, background: LidarBackground? = nil,
            absorbAfterMillis: Int64 = 120_000, releaseAfterMillis: Int64 = 5_000,
            fastMoverSpeed: Double? = 3.0, maxRange: Double = 8, learnMillis: Int64 = 20_000
        ) {
            self.line = line
            self.region = region
            self.background = background
            self.absorbAfterMillis = absorbAfterMillis
            self.releaseAfterMillis = releaseAfterMillis
            self.fastMoverSpeed = fastMoverSpeed
            self.maxRange = maxRange
            self.learnMillis = learnMillis
        }
    }

    /// How far outside the region points are still clustered, metres: half a bicycle's length. Cut at
    /// the region's edge, something long entering it would seem to grow rather than move, and its speed
    /// would be measured at half its own.
    static let regionMargin = 1.0

    public let configuration: Configuration
    private var background: AdaptiveBackground?
    private var learner: BackgroundLearner?
    private var learningSince: Int64?
    private var seam: TurnSeam
    private var clusterer = Clusterer()
    private(set) var tracker: LidarTracker
    private var nearest = Array(repeating: Double.nan, count: LidarBackground.bins)
    private(set) var foreground: [ForegroundPoint] = []
    /// This turn's person candidates (for tests and the diagnosis).
    private(set) var clusters: [Cluster] = []
    private var hints: [TrackHint] = []
    private var events: [LineEvent] = []
    /// Fast movers counted per direction since start (never pedestrians).
    public private(set) var fastMovers: [Direction: Int] = [:]
    /// Turns received from the sensor.
    public private(set) var turns = 0
    /// Sensor time of the latest turn as the detector cut it (see `TurnSeam`), when it looked at the line;
    /// nil when the latest turn received only supplied half of the next one.
    public private(set) var turnTime: Int64?

    public init(configuration: Configuration) {
        self.configuration = configuration
        var settings = LidarTracker.Settings()
        settings.fastMoverSpeed = configuration.fastMoverSpeed
        tracker = LidarTracker(line: configuration.line, region: configuration.region, settings: settings)
        seam = TurnSeam(line: configuration.line)
        if let background = configuration.background {
            self.background = AdaptiveBackground(
                background, absorbMillis: configuration.absorbAfterMillis,
                releaseMillis: configuration.releaseAfterMillis)
        } else {
            learner = BackgroundLearner()
        }
        foreground.reserveCapacity(1024)
    }

    /// Still learning the empty scene: nothing is counted yet.
    public var isLearning: Bool { background == nil }

    /// Sensor time of the earliest line passage not decided yet.
    public var pendingSince: Int64? { tracker.pendingSince }

    /// People being tracked now.
    public var trackedPeople: Int { tracker.confirmedCount }

    /// The background now, after adaptation (for `passant calibrate` and tests).
    public var currentBackground: LidarBackground? {
        background.map { LidarBackground(ranges: $0.ranges.map { $0.isFinite ? $0 : nil }) }
    }

    /// Handles one turn; appends the walkers it decided to `crossings`.
    public mutating func handle(_ scan: LD06Scan, into crossings: inout [Crossing]) {
        turns += 1
        // Cut where nobody walks, so everyone in a turn is seen within a few milliseconds.
        guard let scan = seam.recut(scan) else {
            turnTime = nil
            return
        }
        let time = (scan.time + scan.endTime) / 2
        turnTime = time
        guard var model = background else {
            learn(scan)
            return
        }
        for index in nearest.indices { nearest[index] = .nan }
        foreground.removeAll(keepingCapacity: true)
        for point in scan.points {
            let bin = LidarBackground.bin(ofDegrees: point.angle)
            let range = point.distance == 0 ? Double.infinity : Double(point.distance) / 1000
            if !(nearest[bin] <= range) { nearest[bin] = range }
            guard range <= configuration.maxRange, model.isForeground(bin: bin, metres: range) else {
                continue
            }
            let position = PlanePoint(degrees: point.angle, metres: range)
            if let region = configuration.region, !region.contains(position, margin: Self.regionMargin) {
                continue
            }
            foreground.append(ForegroundPoint(angle: point.angle, range: range, point: position))
        }
        startAtWidestGap()
        model.observe(nearest: nearest, time: time)
        background = model
        let step = max(0.3, Double(scan.speed) / Double(LD06Packet.samplesPerSecond))
        // The tracks' predictions guide the clustering: people whose bodies touch in the view are split
        // between the tracks that expect them, a bicycle is kept whole.
        tracker.predict(to: time)
        tracker.hints(into: &hints)
        clusterer.clusters(
            of: foreground, stepDegrees: step, hints: hints, region: configuration.region, into: &clusters)
        tracker.update(clusters, time: time, events: &events)
        take(into: &crossings)
    }

    /// The link was lost or the sensor restarted: tracks past the line count, the rest are forgotten.
    public mutating func reset(into crossings: inout [Crossing]) {
        tracker.finishAll(events: &events)
        seam.reset()
        turnTime = nil
        take(into: &crossings)
    }

    /// Rotates the foreground so it starts after the widest empty arc: someone where the turn begins
    /// and ends (a sensor whose line is off to one side, with people all round it) is not cut in two.
    private mutating func startAtWidestGap() {
        guard foreground.count > 1 else { return }
        var widest = foreground[0].angle + 360 - foreground[foreground.count - 1].angle
        var start = 0
        for index in 1..<foreground.count {
            let gap = foreground[index].angle - foreground[index - 1].angle
            if gap > widest {
                widest = gap
                start = index
            }
        }
        guard start > 0 else { return }
        var rotated = Array(foreground[start...])
        for var point in foreground[..<start] {
            point.angle += 360
            rotated.append(point)
        }
        foreground = rotated
    }

    private mutating func learn(_ scan: LD06Scan) {
        if learningSince == nil { learningSince = scan.time }
        learner?.add(scan)
        if let since = learningSince, scan.endTime - since >= configuration.learnMillis, let learned = learner
        {
            background = AdaptiveBackground(
                learned.background, absorbMillis: configuration.absorbAfterMillis,
                releaseMillis: configuration.releaseAfterMillis)
            learner = nil
        }
    }

    private mutating func take(into crossings: inout [Crossing]) {
        for event in events {
            switch event {
            case .crossed(let direction, let time):
                crossings.append(Crossing(direction: direction, time: time))
            case .fastMover(let direction, let time):
                fastMovers[direction, default: 0] += 1
                crossings.append(Crossing(direction: direction, time: time, kind: .fastMover))
            }
        }
        events.removeAll(keepingCapacity: true)
    }
}
