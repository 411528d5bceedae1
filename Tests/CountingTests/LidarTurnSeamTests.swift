// Where the detector's turns begin: opposite the counting line, so no one on it is seen half in one
// turn and half in the next.

import LD06
import Testing

@testable import Counting

@Suite("LD06 turns cut opposite the line")
struct LidarTurnSeamTests {
    /// A turn from `time` to `time + 100` ms whose samples read `turn` millimetres, 0° to 359.2°.
    static func turn(_ turn: UInt16, at time: Int64) -> LD06Scan {
        let points = (0..<450).map { ScanPoint(angle: Double($0) * 0.8, distance: turn, intensity: 200) }
        return LD06Scan(time: time, endTime: time + 100, points: points)
    }

    @Test func aTurnIsCutBehindTheSensorWhenTheLineIsAhead() throws {
        var seam = TurnSeam(line: Street.line)
        #expect(seam.angle == 180)
        // The first turn only supplies the second half of the next.
        #expect(seam.recut(Self.turn(1, at: 0)) == nil)
        let cut = try #require(seam.recut(Self.turn(2, at: 100)) as LD06Scan?)
        // From when the sensor passed 180° in the first turn to when it did in the second: looking at
        // the line halfway through.
        #expect(cut.time == 50 && cut.endTime == 150)
        #expect(cut.points.count == 450)
        #expect(cut.points.map(\.angle) == cut.points.map(\.angle).sorted())
        #expect(cut.points.allSatisfy { $0.distance == ($0.angle < 180 ? 2 : 1) })
        let next = try #require(seam.recut(Self.turn(3, at: 200)) as LD06Scan?)
        #expect(next.points.allSatisfy { $0.distance == ($0.angle < 180 ? 3 : 2) })
    }

    @Test func theCutFollowsTheLine() {
        // A line off to the sensor's right (90° clockwise is −y): cut at 270°.
        let right = CountingLine(p: PlanePoint(x: -1, y: -2), q: PlanePoint(x: 1, y: -2))
        #expect(TurnSeam(line: right).angle == 270)
        let left = CountingLine(p: PlanePoint(x: -1, y: 2), q: PlanePoint(x: 1, y: 2))
        #expect(TurnSeam(line: left).angle == 90)
    }

    @Test func aTurnThatComesLateOnlySuppliesHalfOfTheNext() {
        var seam = TurnSeam(line: Street.line)
        _ = seam.recut(Self.turn(1, at: 0))
        #expect(seam.recut(Self.turn(2, at: 100)) != nil)
        // A turn lost (its packets never arrived): the half carried over is a turn stale.
        #expect(seam.recut(Self.turn(4, at: 300)) == nil)
        let next = seam.recut(Self.turn(5, at: 400))
        #expect(next?.time == 350 && next?.endTime == 450)
    }

    @Test func aTurnThatStartsPartWayIsTimedByItsAngles() {
        // The first turn after a start begins where the sensor happened to be, at 270°: it passes 180°
        // before it starts.
        var seam = TurnSeam(line: Street.line)
        let points = (0..<113).map { ScanPoint(angle: 270 + Double($0) * 0.8, distance: 1, intensity: 200) }
        #expect(TurnSeam.time(of: LD06Scan(time: 0, endTime: 25, points: points), at: 180) == -25)
        #expect(seam.recut(LD06Scan(time: 0, endTime: 25, points: points)) == nil)
        let cut = seam.recut(Self.turn(2, at: 25))
        #expect(cut?.time == -25 && cut?.endTime == 75)
        // The samples it carried, from 270° on, and the next turn's up to 180°: nothing between.
        #expect(cut.map { $0.points.count } == 225 + 113)
    }

    @Test func aResetForgetsTheHalfTurnCarried() {
        var seam = TurnSeam(line: Street.line)
        _ = seam.recut(Self.turn(1, at: 0))
        seam.reset()
        // After a link loss the samples before it are stale: the next turn again only supplies a half.
        #expect(seam.recut(Self.turn(2, at: 5_000)) == nil)
        #expect(seam.recut(Self.turn(3, at: 5_100)) != nil)
    }

    /// A bicycle (1.8 m long) ridden at `speed` m/s along the walkway, 1.5 m out, over the line straight
    /// ahead of a sensor whose head sweeps: the sensor passes 0°, where its turns begin, as it looks at
    /// the line. Every turn while the bicycle is on the line shows it whole, as long as it is (not
    /// stretched or squeezed by the 100 ms between a turn's first samples and its last), and it is
    /// counted once, as a fast mover.
    @Test(arguments: [6.0, -6.0])
    func aBicycleOnTheLineIsSeenWholeWhereTheTurnsOfTheSensorBegin(speed: Double) {
        var detector = LidarDetector(configuration: .init(line: Street.line, background: Street.background))
        let start = speed > 0 ? -4.0 : 4.0
        func centre(_ seconds: Double) -> PlanePoint { PlanePoint(x: 1.5, y: start + speed * seconds) }
        var crossings: [Crossing] = []
        var lengths: [Double] = []
        for turn in 0..<14 {
            let time = Int64(turn) * 100
            detector.handle(Street.sweep(at: time, bicycles: { [centre($0)] }), into: &crossings)
            // The cut turn's time is when the sensor looked at the line: halfway between its seams.
            guard let looked = detector.turnTime else { continue }
            #expect(looked == time)
            if abs(centre(Double(looked) / 1000).y) < 0.6 {
                lengths.append(contentsOf: detector.clusters.map(\.extent))
            }
        }
        detector.reset(into: &crossings)
        #expect(!lengths.isEmpty)
        #expect(lengths.allSatisfy { abs($0 - 1.7) < 0.2 }, "lengths on the line: \(lengths)")
        #expect(crossings.map(\.kind) == [.fastMover])
    }
}
