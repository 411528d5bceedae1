import CountBins
import Counting
import LD06
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Builds turns of a sensor looking at a wall 5 m away (x = 5) with round bodies in front of it.
private struct Street {
    static let line = CountingLine(p: PlanePoint(x: 0.3, y: 0), q: PlanePoint(x: 3.0, y: 0))

    /// A turn at `time` ms with bodies of radius 0.2 m at `people` (sensor frame, metres).
    static func scan(at time: Int64, people: [PlanePoint]) -> LD06Scan {
        var points: [ScanPoint] = []
        for index in 0..<450 {
            let degrees = Double(index) * 0.8
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
            let millimetres = nearest.isFinite && nearest < 12 ? UInt16(nearest * 1000) : 0
            points.append(ScanPoint(angle: degrees, distance: millimetres, intensity: 200))
        }
        return LD06Scan(time: time, endTime: time + 100, points: points)
    }

    static var background: LidarBackground {
        var learner = BackgroundLearner()
        for turn in 0..<20 { learner.add(scan(at: Int64(turn) * 100, people: [])) }
        return learner.background
    }

    /// Runs `walk(t)` (positions at time t in seconds) for `seconds`, one turn every 100 ms.
    static func count(
        seconds: Double, absorbAfterMillis: Int64 = 120_000, _ walk: (Double) -> [PlanePoint]
    ) -> (crossings: [Crossing], detector: LidarDetector) {
        var detector = LidarDetector(
            configuration: .init(line: line, background: background, absorbAfterMillis: absorbAfterMillis))
        var crossings: [Crossing] = []
        var time = 0.0
        while time < seconds {
            detector.handle(scan(at: Int64(time * 1000), people: walk(time)), into: &crossings)
            time += 0.1
        }
        detector.reset(into: &crossings)
        return (crossings, detector)
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

    @Test func twoPeopleSideBySideAreTwo() {
        let result = Street.count(seconds: 6) { t in
            [PlanePoint(x: 1.2, y: -2.5 + 1.2 * t), PlanePoint(x: 1.8, y: -2.45 + 1.2 * t)]
        }
        #expect(result.crossings.map(\.direction) == [.aToB, .aToB])
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
        #expect(zip(read.ranges, background.ranges).allSatisfy { a, b in a == nil ? b == nil : abs(a! - b!) < 0.001 })
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
