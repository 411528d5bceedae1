import CountBins
import Counting
import LD06
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Builds turns of a sensor looking at a wall 5 m away (x = 5) with round bodies in front of it.
struct Street {
    static let line = CountingLine(p: PlanePoint(x: 0.3, y: 0), q: PlanePoint(x: 3.0, y: 0))

    /// A turn at `time` ms with bodies of radius 0.2 m at `people` (sensor frame, metres), and bicycles
    /// (ellipses 0.4 m wide, 1.8 m long along y) at `bicycles`.
    static func scan(at time: Int64, people: [PlanePoint], bicycles: [PlanePoint] = []) -> LD06Scan {
        let points = (0..<450).map { index in
            let degrees = Double(index) * 0.8
            return ScanPoint(
                angle: degrees, distance: range(degrees: degrees, people: people, bicycles: bicycles),
                intensity: 200)
        }
        return LD06Scan(time: time, endTime: time + 100, points: points)
    }

    /// A turn at `time` ms as the sensor's head sweeps it: each sample sees the bicycles where they are
    /// as it is taken (`bicycles(t)`, t in seconds), the last a whole turn after the first.
    static func sweep(at time: Int64, bicycles: (Double) -> [PlanePoint]) -> LD06Scan {
        let points = (0..<450).map { index in
            let degrees = Double(index) * 0.8
            let seconds = (Double(time) + Double(index) / 450 * 100) / 1000
            return ScanPoint(
                angle: degrees, distance: range(degrees: degrees, people: [], bicycles: bicycles(seconds)),
                intensity: 200)
        }
        return LD06Scan(time: time, endTime: time + 100, points: points)
    }

    /// The millimetres a sample at `degrees` reads: the wall, or the nearest body or bicycle.
    private static func range(degrees: Double, people: [PlanePoint], bicycles: [PlanePoint]) -> UInt16 {
        let radians = degrees * .pi / 180
        let (dx, dy) = (cos(radians), -sin(radians))
        var nearest = dx > 0.05 ? 5 / dx : Double.infinity
        for centre in people {
            // |t·d − c|² = r²
            let b = dx * centre.x + dy * centre.y
            let c = centre.x * centre.x + centre.y * centre.y - 0.04
            let discriminant = b * b - c
            if discriminant >= 0, b - discriminant.squareRoot() > 0 {
                nearest = min(nearest, b - discriminant.squareRoot())
            }
        }
        for centre in bicycles {
            // ((t·dx − x)/0.2)² + ((t·dy − y)/0.9)² = 1
            let (ax, ay, cx, cy) = (dx / 0.2, dy / 0.9, centre.x / 0.2, centre.y / 0.9)
            let a = ax * ax + ay * ay
            let b = -2 * (ax * cx + ay * cy)
            let discriminant = b * b - 4 * a * (cx * cx + cy * cy - 1)
            if discriminant >= 0, (-b - discriminant.squareRoot()) / (2 * a) > 0 {
                nearest = min(nearest, (-b - discriminant.squareRoot()) / (2 * a))
            }
        }
        return nearest.isFinite && nearest < 12 ? UInt16(nearest * 1000) : 0
    }

    static var background: LidarBackground {
        var learner = BackgroundLearner()
        for turn in 0..<20 { learner.add(scan(at: Int64(turn) * 100, people: [])) }
        return learner.background
    }

    /// Runs `walk(t)` (positions at time t in seconds) for `seconds`, one turn every 100 ms.
    static func count(
        seconds: Double, absorbAfterMillis: Int64 = 120_000, bicycles: (Double) -> [PlanePoint] = { _ in [] },
        _ walk: (Double) -> [PlanePoint]
    ) -> (crossings: [Crossing], detector: LidarDetector) {
        var detector = LidarDetector(
            configuration: .init(line: line, background: background, absorbAfterMillis: absorbAfterMillis))
        var crossings: [Crossing] = []
        var time = 0.0
        while time < seconds {
            detector.handle(
                scan(at: Int64(time * 1000), people: walk(time), bicycles: bicycles(time)), into: &crossings)
            time += 0.1
        }
        detector.reset(into: &crossings)
        return (crossings.filter { $0.kind == .pedestrian }, detector)
    }
}

@Suite("LD06 detector")
struct LidarDetectorTests {
    @Test func theSignedDistanceFollowsTheSideConvention() {
        // Looking from P (0.3, 0) to Q (3, 0), i.e. along +x, the right-hand side is −y: side A.
        #expect(Street.line.signedDistance(PlanePoint(x: 1, y: -0.5)) < 0)
        #expect(Street.line.signedDistance(PlanePoint(x: 1, y: 0.5)) > 0)
        // The frame: 90° clockwise is −y.
        let point = PlanePoint(degrees: 90, metres: 2)
        #expect(abs(point.x) < 1e-9 && abs(point.y + 2) < 1e-9)
    }

    @Test func aWalkerFromSideAToSideBIsOneAToB() {
        let result = Street.count(seconds: 6) { t in [PlanePoint(x: 1.5, y: -2.5 + 1.2 * t)] }
        #expect(result.crossings.map(\.direction) == [.aToB])
        // Decided when the body centre passed the line: t = 2.5/1.2 s.
        #expect(abs(result.crossings[0].time - 2083) < 250)
    }

    @Test func aWalkerTheOtherWayIsOneBToA() {
        let result = Street.count(seconds: 6) { t in [PlanePoint(x: 2.2, y: 2.5 - 1.3 * t)] }
        #expect(result.crossings.map(\.direction) == [.bToA])
    }

    @Test func aTurnBackAtTheLineCountsNothing() {
        // Walks to 0.2 m past the line, stands, and goes back.
        let result = Street.count(seconds: 8) { t in
            let y = t < 2.5 ? -2.5 + 1.08 * t : (t < 3.5 ? 0.2 : 0.2 - 1.08 * (t - 3.5))
            return [PlanePoint(x: 1.5, y: y)]
        }
        #expect(result.crossings.isEmpty)
    }

    @Test func jitterOnTheLineCountsOnce() {
        // Stands on the line for 4 s, swaying ±8 cm, then walks on.
        let result = Street.count(seconds: 9) { t in
            let y: Double
            if t < 2 { y = -2.4 + 1.2 * t } else if t < 6 { y = 0.08 * sin(t * 7) } else { y = 1.2 * (t - 6) }
            return [PlanePoint(x: 1.5, y: y)]
        }
        #expect(result.crossings.map(\.direction) == [.aToB])
    }

    @Test func someoneWalkingAlongTheLineAcrossTheWalkwayCountsNothing() {
        // Out of a door on the line, across the walkway along it, meandering 25 cm to side B and then to
        // side A (past the hysteresis, short of the commit distance), then along the kerb into side B:
        // no crossing.
        let result = Street.count(seconds: 5) { t in
            let y = t < 2.5 ? 0.25 * sin(2 * .pi * t / 2.5) : 1.2 * (t - 2.5)
            return [PlanePoint(x: 0.5 + 1.0 * min(t, 2.5), y: y)]
        }
        #expect(result.crossings.isEmpty, "\(result.crossings)")
    }

    @Test func twoPeopleSideBySideAreTwo() {
        let result = Street.count(seconds: 6) { t in
            [PlanePoint(x: 1.2, y: -2.5 + 1.2 * t), PlanePoint(x: 1.8, y: -2.45 + 1.2 * t)]
        }
        #expect(result.crossings.map(\.direction) == [.aToB, .aToB])
    }

    @Test func twoPeopleAbreastHalfAMetreApartAreTwo() {
        // One behind the other as the sensor sees them: the nearer hides the farther at the line.
        for speed in [0.8, 1.3, 1.8] {
            let result = Street.count(seconds: 5 / speed + 1) { t in
                [PlanePoint(x: 1.2, y: -2.5 + speed * t), PlanePoint(x: 1.7, y: -2.5 + speed * t)]
            }
            #expect(result.crossings.map(\.direction) == [.aToB, .aToB], "at \(speed) m/s")
        }
    }

    @Test func aQueueOfThreeCloseBehindEachOtherIsThree() {
        // Bodies 0.4 m across, 0.45 m apart centre to centre: they touch in the sensor's view.
        let result = Street.count(seconds: 7) { t in
            (0..<3).map { PlanePoint(x: 1.6, y: 2.5 - 1.1 * t + 0.45 * Double($0)) }
        }
        #expect(result.crossings.map(\.direction) == [.bToA, .bToA, .bToA])
    }

    @Test func someoneHiddenBehindAStandingPersonIsCountedOnce() {
        // Someone waits on the line near the facade; a slow walker passes behind them and is hidden from
        // the sensor for about a second, then reappears on the other side.
        let result = Street.count(seconds: 11) { t in
            [PlanePoint(x: 0.9, y: 0.02), PlanePoint(x: 2.2, y: -2.8 + 0.6 * t)]
        }
        #expect(result.crossings.map(\.direction) == [.aToB])
    }

    @Test func aBicycleIsOneFastMoverNeverAWalker() {
        for (x, speed) in [(1.0, 4.0), (1.6, 5.5), (2.3, 7.0)] {
            let result = Street.count(
                seconds: 10 / speed, bicycles: { t in [PlanePoint(x: x, y: 5 - speed * t)] }
            ) {
                _ in []
            }
            #expect(result.crossings.isEmpty, "at \(x) m, \(speed) m/s")
            #expect(result.detector.fastMovers == [.bToA: 1], "at \(x) m, \(speed) m/s")
        }
    }

    @Test func peopleWalkingPastEachOtherKeepTheirDirections() {
        let result = Street.count(seconds: 7) { t in
            [PlanePoint(x: 1.0, y: -3 + 1.2 * t), PlanePoint(x: 2.0, y: 3 - 1.2 * t)]
        }
        #expect(result.crossings.map(\.direction).sorted { $0.rawValue < $1.rawValue } == [.aToB, .bToA])
    }

    @Test func aFastMoverIsNotAPedestrian() {
        let result = Street.count(seconds: 3) { t in [PlanePoint(x: 1.5, y: -5 + 5.5 * t)] }
        #expect(result.crossings.isEmpty)
        #expect(result.detector.fastMovers[.aToB] == 1)
    }

    @Test func somethingParkedOnTheLineBecomesBackground() {
        // A bin put down 0.3 m past the line stays there; after the absorb time a walker still counts once.
        let result = Street.count(seconds: 30, absorbAfterMillis: 5_000) { t in
            var people = [PlanePoint(x: 2.5, y: 0.3)]
            if t > 20 { people.append(PlanePoint(x: 1.2, y: -3 + 1.2 * (t - 20))) }
            return people
        }
        #expect(result.crossings.map(\.direction) == [.aToB])
        #expect(result.detector.trackedPeople == 0)
    }

    @Test func theBackgroundFileRoundTrips() throws {
        let background = Street.background
        #expect(background.ranges[0].map { abs($0 - 5) < 0.01 } == true)
        #expect(background.ranges[180] == nil)
        let read = try LidarBackground(text: background.text)
        #expect(read.text == background.text)
        #expect(
            zip(read.ranges, background.ranges).allSatisfy { a, b in
                a == nil ? b == nil : abs(a! - b!) < 0.001
            })
        #expect(throws: LidarBackground.FormatError.self) { try LidarBackground(text: "0 100\n") }
    }
}

@Suite("Optimal assignment")
struct AssignmentTests {
    @Test func theGloballyCheapestMatchingBeatsGreedy() {
        // Greedy would give track 0 column 0 (cost 1) and leave track 1 with 10.
        let result = LidarAssignment.solve([[1, 2], [2, 10]], columns: 2)
        #expect(result == [1, 0])
    }

    @Test func gatedPairsAreNeverMatched() {
        let result = LidarAssignment.solve([[.infinity, 1], [.infinity, 2], [3, .infinity]], columns: 2)
        #expect(result == [1, nil, 0])
    }
}

@Suite("LD06Counter")
struct LD06CounterTests {
    static let epoch: Int64 = 1_780_300_800_000  // 2026-06-01T08:00:00Z

    /// The wire bytes of `turns` turns at 10 Hz of `Street`, with walkers from `walk`.
    static func bytes(turns: Int, _ walk: (Double) -> [PlanePoint]) -> [UInt8] {
        var bytes: [UInt8] = []
        var packet = 0
        for turn in 0..<turns {
            let scan = Street.scan(at: Int64(turn) * 100, people: walk(Double(turn) / 10))
            // 450 samples at 0.8°: 37.5 packets a turn; cut into 12-sample packets along the stream.
            for start in stride(from: 0, to: 450 - 11, by: 12) {
                let points = scan.points[start..<(start + 12)].map {
                    LD06Point(distance: $0.distance, intensity: $0.intensity)
                }
                let startAngle = UInt16((scan.points[start].angle * 100).rounded())
                let endAngle = UInt16((scan.points[start + 11].angle * 100).rounded())
                let timestamp = UInt16((packet * 8 / 3) % 30_000)
                bytes +=
                    LD06Packet(
                        speed: 3600, startAngle: startAngle, endAngle: endAngle, timestamp: timestamp,
                        points: points
                    ).encoded
                packet += 1
            }
        }
        return bytes
    }

    static func counter() -> LD06Counter {
        LD06Counter(
            configuration: .init(
                bins: .init(node: "gw", sensor: "facade", length: .oneMinute, graceMillis: 5_000),
                detector: .init(line: Street.line, background: Street.background)),
            clock: .fixed(epoch: epoch))
    }

    @Test func walkersBecomeBinsWhateverTheSplit() {
        // Two walkers A→B and one B→A over 70 s.
        let stream = Self.bytes(turns: 700) { t in
            var people: [PlanePoint] = []
            if t > 5 && t < 12 { people.append(PlanePoint(x: 1.2, y: -3 + 1.2 * (t - 5))) }
            if t > 30 && t < 37 { people.append(PlanePoint(x: 2.0, y: 3 - 1.2 * (t - 30))) }
            if t > 61 && t < 68 { people.append(PlanePoint(x: 1.5, y: -3 + 1.2 * (t - 61))) }
            return people
        }
        var whole = Self.counter()
        let bins = whole.receive(stream) + whole.finish()
        #expect(bins.map(\.aToB) == [1, 1])
        #expect(bins.map(\.bToA) == [1, 0])
        #expect(bins[0].coverage >= 0.99 && bins[0].flags.isEmpty)
        #expect(
            whole.health.frames > 18_000 && whole.health.rejectedFrames == 0 && whole.health.lostFrames == 0)

        var split = Self.counter()
        var again: [CountBin] = []
        var offset = 0
        var size = 1
        while offset < stream.count {
            let end = min(stream.count, offset + size)
            again += split.receive(stream[offset..<end])
            offset = end
            size = size % 97 + 13
        }
        again += split.finish()
        #expect(again == bins)
    }

    @Test func aSilentLinkIsFlaggedAndGarbageIsCountedByReason() {
        var counter = Self.counter()
        let first = Self.bytes(turns: 100) { _ in [] }
        _ = counter.receive(first, arrival: nil)
        // Five seconds of line noise with no packet, then the link times out on the system clock.
        var noise: [UInt8] = []
        for index in 0..<2000 { noise.append(index % 7 == 0 ? 0x54 : UInt8(index % 251)) }
        _ = counter.receive(noise)
        #expect(counter.health.rejected["noise_bytes", default: 0] > 1000)
        let bins = counter.tick(now: Self.epoch + 70_000)
        #expect(counter.health.link == .down)
        #expect(bins.first?.flags.contains(.linkDown) == true)
        #expect((bins.first?.coverage ?? 1) < 0.5)
    }
}
