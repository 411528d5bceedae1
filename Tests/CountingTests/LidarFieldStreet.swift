// A street of its own for testing the LD06 detector, independent of the simulator (`PassantSimulator`'s
// LD06Renderer) and with a different body model. At hip height a walker is a hip ellipse with two
// hands swinging beside it, a bag on one side for some; some push a pram ahead of them, some walk with
// a child at their side, some walk two abreast, some stop on the way, some turn back before the line;
// in some tests they cross the walkway at an angle.
// Riders (`FieldRider`) are several blobs along their way: hips and thighs, a handlebar, a basket, a
// child seat. The sensor sweeps (a turn's last samples see the street a period after its first) and adds
// range noise, dark clothing that returns nothing, a turn that starts at a different angle every time
// and a turn period that wanders. Shared by `LidarFieldTests` (walkers) and
// `LidarFieldRiderTests`.

import Counting
import LD06
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A shape at the sensor's height: an ellipse with axes across (x) and along (y) the walkway.
struct FieldBlob: Sendable {
    var x: Double
    var y: Double
    var across: Double
    var along: Double
    /// Chance that a sample hitting it returns nothing (dark, matt clothing).
    var dark: Double = 0

    /// Distance along the unit ray (dx, dy) from the sensor to the blob, or nil.
    func hit(_ dx: Double, _ dy: Double) -> Double? {
        let (px, py, cx, cy) = (dx / across, dy / along, x / across, y / along)
        let a = px * px + py * py
        let b = -2 * (px * cx + py * cy)
        let discriminant = b * b - 4 * a * (cx * cx + cy * cy - 1)
        guard discriminant >= 0 else { return nil }
        let t = (-b - discriminant.squareRoot()) / (2 * a)
        return t > 0 ? t : nil
    }
}

/// Someone on the walkway, walking along y (towards +y when `heading` is +1).
struct FieldWalker: Sendable, CustomStringConvertible {
    enum Company: Sendable { case alone, pram, child }

    var lane: Double
    var heading: Double
    var speed: Double
    var start: Double
    var company: Company
    var bag: Bool
    var dark: Double
    var stride: Double
    /// Stops at this y for this long.
    var stop: (y: Double, seconds: Double)?
    /// Turns round at this y (before the line) and walks back.
    var turnAt: Double?
    /// Crosses the walkway at an angle: metres across for each metre along (x = lane + slope · y), kept
    /// on the walkway (0.5–3.0 m out).
    var slope = 0.0
    /// Walks abreast of the walker before them in the street's list.
    var isCompanion = false
    /// How far they have stepped aside for those they meet, every `FieldStreetSteps.period` seconds from
    /// `sidestepsFrom` (see `stepAside`).
    var sidesteps: [Double] = []
    var sidestepsFrom = 0.0

    static let from = 6.0

    /// Position along the walkway at `t` seconds, nil when not on it.
    func y(at t: Double) -> Double? {
        var elapsed = t - start
        guard elapsed >= 0 else { return nil }
        let entry = -heading * Self.from
        if let turnAt {
            let out = abs(turnAt - entry) / speed
            let y =
                elapsed < out ? entry + heading * speed * elapsed : turnAt - heading * speed * (elapsed - out)
            return abs(y) > Self.from + 0.01 ? nil : y
        }
        if let stop {
            let reach = abs(stop.y - entry) / speed
            if elapsed > reach { elapsed = max(reach, elapsed - stop.seconds) }
        }
        let y = entry + heading * speed * elapsed
        return abs(y) > Self.from + 0.01 ? nil : y
    }

    /// How far out the walker is at `t`, `y` along the walkway (before their sway).
    func x(at t: Double, y: Double) -> Double {
        min(3.0, max(0.5, lane + slope * y + sidestep(at: t)))
    }

    /// What the sensor sees of this walker (and a child or pram with them) at `t`.
    func blobs(at t: Double, into blobs: inout [FieldBlob]) {
        guard let y = y(at: t) else { return }
        let phase = 2 * .pi * t * speed / stride
        let sway = 0.03 * sin(phase / 2)
        let x = x(at: t, y: y) + sway
        blobs.append(FieldBlob(x: x, y: y, across: 0.18, along: 0.12, dark: dark))
        // Hands swing opposite each other, a little ahead of and behind the hips.
        let swing = 0.14 * sin(phase)
        blobs.append(FieldBlob(x: x - 0.25, y: y + swing, across: 0.045, along: 0.05, dark: dark))
        blobs.append(FieldBlob(x: x + 0.25, y: y - swing, across: 0.045, along: 0.05, dark: dark))
        if bag { blobs.append(FieldBlob(x: x + 0.33, y: y - 0.05, across: 0.09, along: 0.16)) }
        switch company {
        case .alone: break
        case .pram:
            blobs.append(
                FieldBlob(x: x + slope * heading * 0.75, y: y + heading * 0.75, across: 0.28, along: 0.42))
        case .child:
            blobs.append(FieldBlob(x: x - 0.5, y: y + 0.1 * sin(phase * 1.4), across: 0.11, along: 0.08))
        }
    }

    /// When the walker passes the line (y = 0), seconds; after a stop before it.
    var lineTime: Double {
        var time = start + Self.from / speed
        if let stop, heading * stop.y < 0 { time += stop.seconds }
        return time
    }

    var direction: Direction { heading > 0 ? .aToB : .bToA }

    var description: String {
        func f(_ value: Double) -> String { "\((value * 100).rounded() / 100)" }
        var text = "walker in lane \(f(lane)) at \(f(speed)) m/s"
        switch company {
        case .alone: break
        case .pram: text += ", pushing a pram"
        case .child: text += ", with a child"
        }
        if bag { text += ", a bag" }
        if let stop { text += ", stopping \(f(stop.seconds)) s at y = \(f(stop.y))" }
        if let turnAt { text += ", turning back at y = \(f(turnAt))" }
        if slope != 0 { text += ", \(f(slope)) m across per metre" }
        return text
    }

    /// People this walker stands for who cross the line (a child is a person, a pram is not).
    var people: Int {
        guard turnAt == nil else { return 0 }
        return company == .child ? 2 : 1
    }
}

/// A street: a facade with the sensor at x = 0, a walkway from x = 0.3 to 3.2, a kerb post, a bench,
/// and a shop front across the road at x = 6. The sensor may be turned on its mount by `mounting`
/// degrees (clockwise, as its raw angles run); the line and region are then set in its frame.
struct FieldStreet {
    static let line = CountingLine(p: PlanePoint(x: 0.3, y: 0), q: PlanePoint(x: 3.2, y: 0))
    static let region = Region(corners: [
        PlanePoint(x: 0.2, y: -4), PlanePoint(x: 3.3, y: -4), PlanePoint(x: 3.3, y: 4),
        PlanePoint(x: 0.2, y: 4),
    ])
    static let fixed = [
        FieldBlob(x: 3.45, y: -1.2, across: 0.06, along: 0.06),
        FieldBlob(x: 3.5, y: 2.5, across: 0.25, along: 0.8),
    ]

    var random: SeededGenerator
    var turnStart = 0.0
    var time: Double = 0
    /// Degrees the sensor is turned by: a return from the street's bearing β has the raw angle β + mounting.
    var mounting = 0.0

    /// The counting line as the technician sets it in the sensor's frame.
    var line: CountingLine { CountingLine(p: sensorFrame(Self.line.p), q: sensorFrame(Self.line.q)) }
    var region: Region { Region(corners: Self.region.corners.map(sensorFrame)) }

    /// A street point in the sensor's frame (turned clockwise by `mounting`).
    func sensorFrame(_ point: PlanePoint) -> PlanePoint {
        let (c, s) = (cos(mounting * .pi / 180), sin(mounting * .pi / 180))
        return PlanePoint(x: point.x * c + point.y * s, y: -point.x * s + point.y * c)
    }

    mutating func gaussian() -> Double {
        let u = 1 - Double.random(in: 0..<1, using: &random)
        let v = Double.random(in: 0..<1, using: &random)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }

    /// The next turn: about 450 samples over 100 ± 3 ms, starting at a different angle each time.
    mutating func turn(_ walkers: [FieldWalker], riders: [FieldRider] = []) -> LD06Scan {
        let period = 0.1 + 0.003 * gaussian()
        let offset = Double.random(in: 0..<0.8, using: &random)
        var blobs: [FieldBlob] = []
        var points: [ScanPoint] = []
        points.reserveCapacity(450)
        for index in 0..<450 {
            // The head sweeps: each packet of 12 samples sees the street as it is then, the turn's last
            // a whole period after its first.
            if index % 12 == 0 {
                let now = time + (Double(index) + 6) / 450 * period
                blobs = Self.fixed
                for walker in walkers { walker.blobs(at: now, into: &blobs) }
                for rider in riders { rider.blobs(at: now, into: &blobs) }
            }
            let degrees = offset + Double(index) * 0.8
            let radians = (degrees - mounting) * .pi / 180
            let (dx, dy) = (cos(radians), -sin(radians))
            var nearest = dx > 0.02 ? 6 / dx : Double.infinity
            var dark = 0.0
            for blob in blobs {
                if let t = blob.hit(dx, dy), t < nearest {
                    nearest = t
                    dark = blob.dark
                }
            }
            var millimetres: UInt16 = 0
            if nearest < 12, Double.random(in: 0..<1, using: &random) >= 0.01 + dark {
                millimetres = UInt16(max(20, (nearest + 0.012 * gaussian()) * 1000))
            }
            points.append(
                ScanPoint(
                    angle: degrees.truncatingRemainder(dividingBy: 360), distance: millimetres, intensity: 180
                ))
        }
        let scan = LD06Scan(time: Int64(time * 1000), endTime: Int64((time + period) * 1000), points: points)
        time += period
        return scan
    }

    /// Walkers arriving over `seconds` at `perHour` per direction, with the street's mix of company.
    mutating func traffic(seconds: Double, perHour: Double, pairs: Double) -> [FieldWalker] {
        var walkers: [FieldWalker] = []
        for heading in [1.0, -1.0] {
            var t = 2.0
            while true {
                t += -log(1 - Double.random(in: 0..<1, using: &random)) * 3600 / perHour
                guard t < seconds else { break }
                var walker = FieldWalker(
                    lane: Double.random(in: 0.7...2.8, using: &random), heading: heading,
                    speed: min(1.9, max(0.7, 1.3 + 0.22 * gaussian())), start: t,
                    company: .alone, bag: Double.random(in: 0..<1, using: &random) < 0.3,
                    dark: Double.random(in: 0..<1, using: &random) < 0.25 ? 0.15 : 0.02,
                    stride: Double.random(in: 1.2...1.6, using: &random))
                let mix = Double.random(in: 0..<1, using: &random)
                if mix < 0.05 {
                    walker.company = .pram
                    walker.speed = min(walker.speed, 1.1)
                } else if mix < 0.10 {
                    walker.company = .child
                    walker.lane = max(walker.lane, 1.0)
                    walker.speed = min(walker.speed, 1.1)
                } else if mix < 0.16 {
                    walker.stop = (
                        heading * Double.random(in: -1.5...1.5, using: &random),
                        Double.random(in: 2...8, using: &random)
                    )
                } else if mix < 0.20 {
                    walker.turnAt = -heading * Double.random(in: 0.6...1.5, using: &random)
                }
                walkers.append(walker)
                if Double.random(in: 0..<1, using: &random) < pairs {
                    // A companion abreast, at the same pace.
                    var companion = walker
                    companion.lane =
                        walker.lane < 1.8
                        ? walker.lane + Double.random(in: 0.55...0.75, using: &random)
                        : walker.lane - Double.random(in: 0.55...0.75, using: &random)
                    companion.company = .alone
                    companion.bag = false
                    companion.isCompanion = true
                    companion.stride = walker.stride * 1.05
                    companion.start += 0.1 * gaussian()
                    walkers.append(companion)
                }
            }
        }
        return walkers
    }

    /// Turns until `end` seconds with `walkers` and `riders` about, counted by a detector that knows the
    /// empty street as `background`; what it counted, the last ones too.
    mutating func count(
        _ walkers: [FieldWalker], riders: [FieldRider] = [], background: LidarBackground, until end: Double
    ) -> [Crossing] {
        var detector = LidarDetector(
            configuration: .init(line: line, region: region, background: background))
        var crossings: [Crossing] = []
        var active: [FieldWalker] = []
        var activeRiders: [FieldRider] = []
        while time < end {
            active.removeAll(keepingCapacity: true)
            for walker in walkers where walker.y(at: time) != nil || walker.y(at: time + 0.1) != nil {
                active.append(walker)
            }
            activeRiders.removeAll(keepingCapacity: true)
            for rider in riders where rider.y(at: time) != nil || rider.y(at: time + 0.1) != nil {
                activeRiders.append(rider)
            }
            detector.handle(turn(active, riders: activeRiders), into: &crossings)
        }
        detector.reset(into: &crossings)
        return crossings
    }

    /// The background of the empty street, learned from two seconds of turns.
    mutating func background() -> LidarBackground {
        var learner = BackgroundLearner()
        for _ in 0..<20 { learner.add(turn([])) }
        return learner.background
    }
}

/// What crossed the field street and what the detector made of it.
struct FieldOutcome: CustomStringConvertible {
    /// Walkers' people per direction (a child is one, a pram is not, a turn-back crosses nothing).
    var truth: [Direction: Int] = [:]
    /// Crossings counted as pedestrians per direction.
    var counted: [Direction: Int] = [:]
    var riders: [Direction: Int] = [:]
    /// Crossings counted as fast movers per direction.
    var fastMovers: [Direction: Int] = [:]
    /// Riders matched to a pedestrian crossing (see `init`).
    var ridersAsPedestrians = 0
    /// Each rider not matched to a fast-mover crossing, and whether it took a pedestrian one.
    var ridersNotFast: [(rider: FieldRider, asPedestrian: Bool)] = []
    /// The walkers no pedestrian crossing was matched to (once for each person of theirs missed, a child
    /// being one), and the pedestrian crossings matched to no one: what to trace (`LidarFieldRiderTrace`).
    var missed: [FieldWalker] = []
    var extra: [Crossing] = []

    init() {}

    /// Tallies `crossings` against the walkers and riders that made them. Riders are matched first to
    /// fast-mover crossings within a second of their passing the line; walkers to pedestrian crossings
    /// within 1.5 s, closest in time first; then the riders left to the pedestrian crossings left, within
    /// 0.75 s (a rider's time at the line is sharp): a rider who takes one was counted as a pedestrian.
    /// (Walkers first: a rider hidden behind walkers as they pass the line was not counted at all, and
    /// would otherwise take a walker's crossing that happened to be nearer the rider's time. So a rider
    /// counted as a pedestrian beside a walker missed within 1.5 s is put down as that walker's crossing:
    /// `ridersAsPedestrians` is a lower bound.)
    init(walkers: [FieldWalker], riders: [FieldRider], crossings: [Crossing]) {
        // Walking towards +y crosses from side A (y < 0, right of P→Q) to side B.
        for walker in walkers { truth[walker.direction, default: 0] += walker.people }
        for rider in riders { self.riders[rider.direction, default: 0] += 1 }
        for crossing in crossings {
            switch crossing.kind {
            case .pedestrian: counted[crossing.direction, default: 0] += 1
            case .fastMover: fastMovers[crossing.direction, default: 0] += 1
            }
        }
        for direction in Direction.allCases {
            let ridden = riders.filter { $0.direction == direction }
            let allRiderTimes = ridden.map { Int64($0.lineTime * 1000) }
            let fast = crossings.filter { $0.direction == direction && $0.kind == .fastMover }.map(\.time)
            let notFast = Self.unmatched(allRiderTimes, windows: ridden.map { _ in 1000 }, by: fast).events
            let riderTimes = notFast.map { allRiderTimes[$0] }
            // Walkers (once per person) to pedestrian crossings, then the riders left to those left.
            var walkerTimes: [Int64] = []
            var people: [FieldWalker] = []
            for walker in walkers where walker.direction == direction {
                walkerTimes += Array(repeating: Int64(walker.lineTime * 1000), count: walker.people)
                people += Array(repeating: walker, count: walker.people)
            }
            let pedestrians = crossings.filter { $0.direction == direction && $0.kind == .pedestrian }
            let byWalkers = Self.unmatched(
                walkerTimes, windows: walkerTimes.map { _ in 1500 }, by: pedestrians.map(\.time))
            missed += byWalkers.events.map { people[$0] }
            let left = byWalkers.times.map { pedestrians[$0] }
            let byRiders = Self.unmatched(
                riderTimes, windows: riderTimes.map { _ in 750 }, by: left.map(\.time))
            extra += byRiders.times.map { left[$0] }
            let notAsPedestrians = Set(byRiders.events)
            ridersAsPedestrians += riderTimes.indices.count { !notAsPedestrians.contains($0) }
            for (offset, index) in notFast.enumerated() {
                ridersNotFast.append((ridden[index], !notAsPedestrians.contains(offset)))
            }
        }
    }

    /// The indices of the `events` that no crossing at `times` is matched to, and of the `times` matched to
    /// no event, pairs closest in time first.
    private static func unmatched(_ events: [Int64], windows: [Int64], by times: [Int64]) -> (
        events: [Int], times: [Int]
    ) {
        var pairs: [(gap: Int64, event: Int, time: Int)] = []
        for (event, eventTime) in events.enumerated() {
            for (index, time) in times.enumerated() where abs(time - eventTime) <= windows[event] {
                pairs.append((abs(time - eventTime), event, index))
            }
        }
        var eventTaken = Array(repeating: false, count: events.count)
        var timeTaken = Array(repeating: false, count: times.count)
        for pair in pairs.sorted(by: { $0.gap < $1.gap })
        where !eventTaken[pair.event] && !timeTaken[pair.time] {
            eventTaken[pair.event] = true
            timeTaken[pair.time] = true
        }
        return (events.indices.filter { !eventTaken[$0] }, times.indices.filter { !timeTaken[$0] })
    }

    /// Adds `other`'s tallies to these: the total over several runs.
    mutating func add(_ other: FieldOutcome) {
        truth.merge(other.truth, uniquingKeysWith: +)
        counted.merge(other.counted, uniquingKeysWith: +)
        riders.merge(other.riders, uniquingKeysWith: +)
        fastMovers.merge(other.fastMovers, uniquingKeysWith: +)
        ridersAsPedestrians += other.ridersAsPedestrians
        ridersNotFast += other.ridersNotFast
        missed += other.missed
        extra += other.extra
    }

    func accuracy(_ direction: Direction) -> Double {
        let truth = Double(truth[direction, default: 0])
        let counted = Double(counted[direction, default: 0])
        return truth == 0 ? (counted == 0 ? 1 : 0) : max(0, 1 - abs(counted - truth) / truth)
    }

    var description: String {
        var text =
            "a→b \(counted[.aToB, default: 0])/\(truth[.aToB, default: 0]), b→a \(counted[.bToA, default: 0])/\(truth[.bToA, default: 0])"
        if !riders.isEmpty {
            text +=
                "; riders fast a→b \(fastMovers[.aToB, default: 0])/\(riders[.aToB, default: 0]), b→a \(fastMovers[.bToA, default: 0])/\(riders[.bToA, default: 0]), as pedestrians \(ridersAsPedestrians)"
        }
        return text
    }
}

/// `seconds` of walkers (`perHour` per direction, `pairs` of them with a companion) and, from a random
/// stream of their own, riders (`ridersPerHour` per direction, `overtaking` of them passing a walker), on
/// a street seeded with `seed` whose background is learnt; at an angle within `slopes`, if given, and
/// stepping aside for each other when `avoiding` (`stepAside`).
struct FieldTraffic {
    var street: FieldStreet
    let background: LidarBackground
    let walkers: [FieldWalker]
    let riders: [FieldRider]
    /// When the last of them has left, seconds.
    let end: Double

    init(
        seed: UInt64, seconds: Double, perHour: Double, pairs: Double, ridersPerHour: Double = 0,
        overtaking: Double = 0, mounting: Double = 0, slopes: ClosedRange<Double>? = nil,
        avoiding: Bool = false
    ) {
        street = FieldStreet(random: SeededGenerator(seed: seed), mounting: mounting)
        background = street.background()
        var walkers = street.traffic(seconds: seconds, perHour: perHour, pairs: pairs)
        if let slopes {
            // Drawn apart from the rest, so the walkers are those of the seed, set at an angle.
            var random = SeededGenerator(seed: seed &+ 0xA_4C1E)
            for index in walkers.indices {
                // A companion abreast walks the same way as the walker before them.
                walkers[index].slope =
                    walkers[index].isCompanion
                    ? walkers[index - 1].slope : Double.random(in: slopes, using: &random)
            }
        }
        if avoiding { stepAside(&walkers) }
        self.walkers = walkers
        var random = SeededGenerator(seed: seed &+ 0x5EED_0F_21DE45)
        riders =
            ridersPerHour > 0
            ? FieldRider.traffic(
                seconds: seconds, perHour: ridersPerHour, overtaking: overtaking, walkers: walkers,
                random: &random)
            : []
        end = seconds + 2 * FieldWalker.from / 0.7 + 10
    }
}

extension FieldTraffic {
    /// Counts the traffic and tallies what was counted against it.
    mutating func outcome() -> FieldOutcome {
        let crossings = street.count(walkers, riders: riders, background: background, until: end)
        return FieldOutcome(walkers: walkers, riders: riders, crossings: crossings)
    }
}

/// Runs `FieldTraffic` and counts it.
func fieldTraffic(
    seed: UInt64, seconds: Double, perHour: Double, pairs: Double, ridersPerHour: Double = 0,
    overtaking: Double = 0, mounting: Double = 0, slopes: ClosedRange<Double>? = nil, avoiding: Bool = false
) -> FieldOutcome {
    var traffic = FieldTraffic(
        seed: seed, seconds: seconds, perHour: perHour, pairs: pairs, ridersPerHour: ridersPerHour,
        overtaking: overtaking, mounting: mounting, slopes: slopes, avoiding: avoiding)
    return traffic.outcome()
}

/// Ten minutes of the moderate traffic `moderateTrafficOnMoreSeeds` and the trace tool
/// (`LidarFieldRiderTrace`) run, as the environment varies it: `PASSANT_FIELD_RATE` walkers an hour each
/// way (300), `PASSANT_FIELD_RIDERS` riders (none; a quarter overtaking a walker), at an angle up to
/// `PASSANT_FIELD_SLOPE` m across per metre along, stepping aside with `PASSANT_FIELD_AVOID`.
struct FieldOptions {
    var perHour = 300.0
    var ridersPerHour = 0.0
    var slopes: ClosedRange<Double>?
    var avoiding = false

    static func fromEnvironment() -> FieldOptions {
        func number(_ name: String) -> Double? { getenv(name).flatMap { Double(String(cString: $0)) } }
        return FieldOptions(
            perHour: number("PASSANT_FIELD_RATE") ?? 300, ridersPerHour: number("PASSANT_FIELD_RIDERS") ?? 0,
            slopes: number("PASSANT_FIELD_SLOPE").map { -$0...$0 },
            avoiding: getenv("PASSANT_FIELD_AVOID") != nil)
    }

    func traffic(seed: UInt64) -> FieldTraffic {
        FieldTraffic(
            seed: seed, seconds: 600, perHour: perHour, pairs: 0.15, ridersPerHour: ridersPerHour,
            overtaking: 0.25, slopes: slopes, avoiding: avoiding)
    }
}
