// The LD06 detector against street traffic from a generator of its own, independent of the simulator
// (`PassantSimulator`'s LD06Renderer) and with a different body model. At hip height a walker is a
// hip ellipse with two hands swinging beside it, a bag on one side for some; some push a pram ahead of
// them, some walk with a child at their side, some walk two abreast, some stop on the way, some turn
// back before the line. The sensor adds range noise, dark clothing that returns nothing, a turn that
// starts at a different angle every time and a turn period that wanders.

import Counting
import LD06
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A shape at the sensor's height: an ellipse with axes across (x) and along (y) the walkway.
private struct Blob {
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
private struct FieldWalker {
    enum Company { case alone, pram, child }

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

    /// What the sensor sees of this walker (and a child or pram with them) at `t`.
    func blobs(at t: Double, into blobs: inout [Blob]) {
        guard let y = y(at: t) else { return }
        let phase = 2 * .pi * t * speed / stride
        let sway = 0.03 * sin(phase / 2)
        let x = lane + sway
        blobs.append(Blob(x: x, y: y, across: 0.18, along: 0.12, dark: dark))
        // Hands swing opposite each other, a little ahead of and behind the hips.
        let swing = 0.14 * sin(phase)
        blobs.append(Blob(x: x - 0.25, y: y + swing, across: 0.045, along: 0.05, dark: dark))
        blobs.append(Blob(x: x + 0.25, y: y - swing, across: 0.045, along: 0.05, dark: dark))
        if bag { blobs.append(Blob(x: x + 0.33, y: y - 0.05, across: 0.09, along: 0.16)) }
        switch company {
        case .alone: break
        case .pram: blobs.append(Blob(x: x, y: y + heading * 0.75, across: 0.28, along: 0.42))
        case .child: blobs.append(Blob(x: x - 0.5, y: y + 0.1 * sin(phase * 1.4), across: 0.11, along: 0.08))
        }
    }

    /// People this walker stands for who cross the line (a child is a person, a pram is not).
    var people: Int {
        guard turnAt == nil else { return 0 }
        return company == .child ? 2 : 1
    }
}

/// A street: a facade with the sensor at x = 0, a walkway from x = 0.3 to 3.2, a kerb post, a bench,
/// and a shop front across the road at x = 6.
private struct FieldStreet {
    static let line = CountingLine(p: PlanePoint(x: 0.3, y: 0), q: PlanePoint(x: 3.2, y: 0))
    static let region = Region(corners: [
        PlanePoint(x: 0.2, y: -4), PlanePoint(x: 3.3, y: -4), PlanePoint(x: 3.3, y: 4),
        PlanePoint(x: 0.2, y: 4),
    ])
    static let fixed = [
        Blob(x: 3.45, y: -1.2, across: 0.06, along: 0.06),
        Blob(x: 3.5, y: 2.5, across: 0.25, along: 0.8),
    ]

    var random: SeededGenerator
    var turnStart = 0.0
    var time: Double = 0

    mutating func gaussian() -> Double {
        let u = 1 - Double.random(in: 0..<1, using: &random)
        let v = Double.random(in: 0..<1, using: &random)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }

    /// The next turn: about 450 samples over 100 ± 3 ms, starting at a different angle each time.
    mutating func turn(_ walkers: [FieldWalker]) -> LD06Scan {
        let period = 0.1 + 0.003 * gaussian()
        let offset = Double.random(in: 0..<0.8, using: &random)
        var blobs = Self.fixed
        for walker in walkers { walker.blobs(at: time + period / 2, into: &blobs) }
        var points: [ScanPoint] = []
        points.reserveCapacity(450)
        for index in 0..<450 {
            let degrees = offset + Double(index) * 0.8
            let radians = degrees * .pi / 180
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
                    companion.stride = walker.stride * 1.05
                    companion.start += 0.1 * gaussian()
                    walkers.append(companion)
                }
            }
        }
        return walkers
    }

    /// The background of the empty street, learned from two seconds of turns.
    mutating func background() -> LidarBackground {
        var learner = BackgroundLearner()
        for _ in 0..<20 { learner.add(turn([])) }
        return learner.background
    }
}

private struct FieldOutcome: CustomStringConvertible {
    var truth: [Direction: Int] = [:]
    var counted: [Direction: Int] = [:]

    func accuracy(_ direction: Direction) -> Double {
        let truth = Double(truth[direction, default: 0])
        let counted = Double(counted[direction, default: 0])
        return truth == 0 ? (counted == 0 ? 1 : 0) : max(0, 1 - abs(counted - truth) / truth)
    }

    var description: String {
        "a→b \(counted[.aToB, default: 0])/\(truth[.aToB, default: 0]), b→a \(counted[.bToA, default: 0])/\(truth[.bToA, default: 0])"
    }
}

/// Runs `seconds` of traffic and counts it.
private func field(seed: UInt64, seconds: Double, perHour: Double, pairs: Double) -> FieldOutcome {
    var street = FieldStreet(random: SeededGenerator(seed: seed))
    let background = street.background()
    let walkers = street.traffic(seconds: seconds, perHour: perHour, pairs: pairs)
    var detector = LidarDetector(
        configuration: .init(line: FieldStreet.line, region: FieldStreet.region, background: background))
    var crossings: [Crossing] = []
    let end = seconds + 2 * FieldWalker.from / 0.7 + 10
    var active: [FieldWalker] = []
    while street.time < end {
        active.removeAll(keepingCapacity: true)
        for walker in walkers where walker.y(at: street.time) != nil || walker.y(at: street.time + 0.1) != nil
        {
            active.append(walker)
        }
        detector.handle(street.turn(active), into: &crossings)
    }
    detector.reset(into: &crossings)
    var outcome = FieldOutcome()
    // Walking towards +y crosses from side A (y < 0, right of P→Q) to side B.
    for walker in walkers {
        outcome.truth[walker.heading > 0 ? .aToB : .bToA, default: 0] += walker.people
    }
    for crossing in crossings where crossing.kind == .pedestrian {
        outcome.counted[crossing.direction, default: 0] += 1
    }
    return outcome
}

@Suite("LD06 detector on a street of its own")
struct LidarFieldTests {
    /// Floors sit below what the detector measures here (the test prints it: 0.92–0.97 per direction
    /// over 10 minutes, seeds 1 and 2); they catch a tracker that breaks on bodies, noise or company
    /// unlike the simulator's. The extra counts include prams (counted as a second person).
    @Test(arguments: [1, 2] as [UInt64])
    func moderateTrafficWithCompanyIsCountedPerDirection(seed: UInt64) {
        let outcome = field(seed: seed, seconds: 600, perHour: 300, pairs: 0.15)
        print("field, moderate, seed \(seed): \(outcome)")
        #expect(outcome.truth[.aToB, default: 0] > 30 && outcome.truth[.bToA, default: 0] > 30)
        #expect(outcome.accuracy(.aToB) >= 0.85, "\(outcome)")
        #expect(outcome.accuracy(.bToA) >= 0.85, "\(outcome)")
    }
}

extension LidarFieldTests {
    /// One walker of each kind on an empty street, counted alone.
    fileprivate static let walkersAlone: [(String, FieldWalker)] = {
        let base = FieldWalker(
            lane: 1.5, heading: 1, speed: 1.3, start: 1, company: .alone, bag: false, dark: 0.02, stride: 1.4)
        func with(_ change: (inout FieldWalker) -> Void) -> FieldWalker {
            var walker = base
            change(&walker)
            return walker
        }
        return [
            ("plain", base), ("a bag on the far side", with { $0.bag = true }),
            (
                "a child alongside",
                with {
                    $0.company = .child; $0.speed = 1.0
                }
            ),
            ("stops on the line", with { $0.stop = (0.0, 5) }),
            ("stops before it", with { $0.stop = (-1.0, 5) }),
            ("turns back before it", with { $0.turnAt = -1.0 }), ("dark clothes", with { $0.dark = 0.15 }),
            ("close to the sensor", with { $0.lane = 0.7 }), ("at the far edge", with { $0.lane = 2.8 }),
            ("the other way", with { $0.heading = -1 }), ("slowly", with { $0.speed = 0.7 }),
            ("briskly", with { $0.speed = 1.9 }),
            (
                "a bag on the far side, far out",
                with {
                    $0.bag = true; $0.lane = 2.2
                }
            ),
            // Far out, the bag is seen past the walker's edge in the view for the whole way, 0.3–0.5 m
            // farther than the body: it must neither take the walker's track nor start one of its own.
            (
                "a bag on the far side, far out, the other way",
                with {
                    $0.bag = true; $0.lane = 2.2; $0.heading = -1
                }
            ),
            (
                "a bag on the far side, far out, dark",
                with {
                    $0.bag = true; $0.lane = 2.2; $0.dark = 0.15; $0.heading = -1
                }
            ),
        ]
    }()

    @Test(arguments: 0..<15)
    func oneWalkerAloneIsCountedOnceTheWayTheyWent(index: Int) {
        let (name, walker) = Self.walkersAlone[index]
        var street = FieldStreet(random: SeededGenerator(seed: 9 + UInt64(index)))
        let background = street.background()
        var detector = LidarDetector(
            configuration: .init(line: FieldStreet.line, region: FieldStreet.region, background: background))
        var crossings: [Crossing] = []
        street.time = 0
        while street.time < 30 { detector.handle(street.turn([walker]), into: &crossings) }
        detector.reset(into: &crossings)
        let expected = Array(repeating: walker.heading > 0 ? Direction.aToB : .bToA, count: walker.people)
        #expect(crossings.map(\.direction) == expected, "\(name)")
        #expect(crossings.allSatisfy { $0.kind == .pedestrian }, "\(name)")
    }
}
