// The LD06 detector against cyclists and e-scooter riders on a street of its own (`FieldStreet`,
// `FieldRider`), independent of the simulator and of its single-ellipse bicycle: a rider is never a
// pedestrian, alone, overtaking a walker, or in the middle of walking traffic.

import Counting
import LD06
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A rider alone on the street, as a test argument.
struct LoneRider: Sendable, CustomTestStringConvertible {
    var rider: FieldRider
    var testDescription: String { rider.description }
    /// The street's seed (its noise).
    var seed: UInt64 { 40 + UInt64(rider.speed * 10 + rider.lane) }

    /// Each kind of rider both ways, close to the sensor and at the far edge, slow and fast, and a few
    /// more: dark clothes, a step-through frame, the middle of the walkway.
    static let all: [LoneRider] = {
        let kinds: [FieldRider] = [
            FieldRider(kind: .bicycle, lane: 0, heading: 1, speed: 0, start: 1),
            FieldRider(kind: .bicycle, lane: 0, heading: 1, speed: 0, start: 1, basket: true, rearLoad: true),
            FieldRider(
                kind: .bicycle, lane: 0, heading: 1, speed: 0, start: 1, frame: false, basket: true,
                rearLoad: true, spread: 0.07),
            FieldRider(kind: .scooter, lane: 0, heading: 1, speed: 0, start: 1),
        ]
        var riders: [LoneRider] = []
        for kind in kinds {
            let speeds = kind.kind == .bicycle ? [3.5, 7.5] : [4.0, 6.0]
            for heading in [1.0, -1.0] {
                for lane in [0.7, 2.8] {
                    for speed in speeds {
                        var rider = kind
                        rider.heading = heading
                        rider.lane = lane
                        rider.speed = speed
                        riders.append(LoneRider(rider: rider))
                    }
                }
            }
        }
        var dark = kinds[1]
        dark.dark = 0.2
        dark.lane = 1.8
        dark.speed = 5
        riders.append(LoneRider(rider: dark))
        var darkScooter = kinds[3]
        darkScooter.dark = 0.2
        darkScooter.lane = 2.2
        darkScooter.speed = 5
        darkScooter.heading = -1
        riders.append(LoneRider(rider: darkScooter))
        var stepThrough = kinds[0]
        stepThrough.frame = false
        stepThrough.lane = 1.5
        stepThrough.speed = 5
        riders.append(LoneRider(rider: stepThrough))
        return riders
    }()
}

/// A rider overtaking a walker, as a test argument.
struct Overtake: Sendable, CustomTestStringConvertible {
    var walker: FieldWalker
    var rider: FieldRider
    var testDescription: String { "\(rider) past a walker in lane \(walker.lane)" }
    var seed: UInt64 { 70 + UInt64(rider.lane * 10) }

    /// A long bicycle and a scooter at 5 m/s, each way, 0.7 m nearer the sensor than the walker or
    /// 0.7 m beyond, side by side with them 0.3 m before the line.
    static let all: [Overtake] = {
        var cases: [Overtake] = []
        for kind in [FieldRider.Kind.bicycle, .scooter] {
            for lane in [0.8, 2.2] {
                for heading in [1.0, -1.0] {
                    let walker = FieldWalker(
                        lane: 1.5, heading: heading, speed: 1.3, start: 1, company: .alone, bag: false,
                        dark: 0.02, stride: 1.4)
                    var rider = FieldRider(
                        kind: kind, lane: lane, heading: heading, speed: 5, start: 0, basket: true,
                        rearLoad: true)
                    let together = walker.start + (FieldWalker.from - 0.3) / walker.speed
                    rider.start = together - (FieldRider.from - 0.3) / rider.speed
                    cases.append(Overtake(walker: walker, rider: rider))
                }
            }
        }
        return cases
    }()
}

@Suite("LD06 detector on a street of its own: riders")
struct LidarFieldRiderTests {
    /// Every lone rider is one fast mover. How the long bicycles came right (traced with
    /// `LidarFieldRiderTrace`): a long bicycle (basket ahead, child seat behind: some 1.6 m of separate
    /// parts at hip height) is seen as clusters some 0.55–0.6 m apart along its way, close to the distance
    /// it moves per turn (0.35 m at 3.5 m/s, 0.75 m at 7.5 m/s).
    /// - A track seen once took the nearest cluster at its second turn, often the next part coming up
    ///   from behind, so every part's track read 1–2.5 m/s (aliasing). A newborn track now takes the step
    ///   that most clusters around it made (`LidarTracker.commonShift`).
    /// - A young part's track moving a vehicle's way at 1.8 m/s or more (and half its speed) at its last
    ///   two steps is taken into it (`LidarTracker.isUnmeasuredPart`).
    /// - At 3.5 m/s the bicycle's track read 3.3–3.5 m/s on its way in and dipped to 2.5–2.9 m/s by the
    ///   line, where the sensor sees it first by its front, then whole, then by its rear: the speed held on
    ///   the way in now counts for a track faster than a walker at the line (`LidarTracker.crossingSpeed`).
    @Test(arguments: LoneRider.all)
    func aRiderAloneIsAFastMoverNeverAPedestrian(_ lone: LoneRider) {
        var street = FieldStreet(random: SeededGenerator(seed: lone.seed))
        let background = street.background()
        street.time = 0
        let crossings = street.count([], riders: [lone.rider], background: background, until: 8)
        #expect(!crossings.contains { $0.kind == .pedestrian }, "\(crossings)")
        #expect(crossings.map(\.direction) == [lone.rider.direction], "\(crossings)")
        #expect(crossings.allSatisfy { $0.kind == .fastMover }, "\(crossings)")
    }

    /// A rider passing a walker going the same way near the line, between them and the sensor (hiding
    /// them for a moment) or beyond them: the walker is counted once, the rider never as a pedestrian.
    ///
    /// Mended (traced with `LidarFieldRiderTrace`, `overtake-3`): a bicycle's rear parts start tracks
    /// that alias, moving askew at 1.5–1.9 m/s while the bicycle goes −y at 5. One, confirmed after three
    /// detections, coasted in the bicycle's shadow across the line and counted as someone hidden across
    /// it; that takes four detections now (`hiddenCrossingHits`). Before the newborn tracks took their
    /// neighbours' step, such a track took the walker's cluster and the walker went uncounted.
    @Test(arguments: Overtake.all)
    func aRiderOvertakingAWalkerLeavesTheWalkerCountedOnce(_ overtake: Overtake) {
        var street = FieldStreet(random: SeededGenerator(seed: overtake.seed))
        let background = street.background()
        street.time = 0
        let crossings = street.count(
            [overtake.walker], riders: [overtake.rider], background: background, until: 20)
        #expect(
            crossings.filter { $0.kind == .pedestrian }.map(\.direction) == [overtake.walker.direction],
            "\(crossings)")
        #expect(
            crossings.filter { $0.kind == .fastMover }.map(\.direction) == [overtake.rider.direction],
            "\(crossings)")
    }

    /// Moderate walking traffic (as `LidarFieldTests`) with 60 riders an hour each way, a quarter of
    /// them overtaking a walker. The walkers of a seed are those of the walkers-only test, run again
    /// here to tell what the riders added. Measured (the test prints it; `PASSANT_RIDER_LIST=1` lists the
    /// riders not counted as fast movers):
    /// - seed 1: a→b 70/67, b→a 38/38 (walkers alone 68/67, 37/38: riders added 2 and 1 pedestrians);
    ///   riders counted as fast movers 16 of 17, none matched to a pedestrian crossing (the one not
    ///   counted rode behind two walkers abreast as they passed the line, hidden: it was matched to one
    ///   of theirs before walkers were matched first, see `FieldOutcome`);
    /// - seed 2: a→b 63/60, b→a 51/49 (alone 63/60, 51/49: added none); all 15 riders counted as fast
    ///   movers.
    /// Before newborn tracks took the step their neighbours made (`LidarTracker.commonShift`) it was 11
    /// of 17 and 13 of 15, with 2 riders as pedestrians on each seed. The floors and ceilings sit beyond
    /// those figures; the aim (issue 4) is no rider ever counted as a pedestrian.
    @Test(arguments: [1, 2] as [UInt64])
    func ridersAmongWalkersAreNotCountedAsPedestrians(seed: UInt64) {
        let outcome = fieldTraffic(
            seed: seed, seconds: 600, perHour: 300, pairs: 0.15, ridersPerHour: 60, overtaking: 0.25)
        let alone = fieldTraffic(seed: seed, seconds: 600, perHour: 300, pairs: 0.15)
        // Pedestrians the riders added (or took away, hiding walkers), against the same walkers alone.
        let added = Direction.allCases.map { outcome.counted[$0, default: 0] - alone.counted[$0, default: 0] }
        print("field, moderate with riders, seed \(seed): \(outcome); pedestrians added by riders \(added)")
        if getenv("PASSANT_RIDER_LIST") != nil {
            for (rider, asPedestrian) in outcome.ridersNotFast {
                print(
                    "  not a fast mover: \(rider), crossing at \((rider.lineTime * 10).rounded() / 10) s\(asPedestrian ? ": a pedestrian" : "")"
                )
            }
        }
        #expect(outcome.truth[.aToB, default: 0] > 30 && outcome.truth[.bToA, default: 0] > 30)
        #expect(outcome.riders[.aToB, default: 0] > 5 && outcome.riders[.bToA, default: 0] > 5)
        #expect(outcome.accuracy(.aToB) >= 0.8, "\(outcome)")
        #expect(outcome.accuracy(.bToA) >= 0.8, "\(outcome)")
        let riders = outcome.riders.values.reduce(0, +)
        #expect(outcome.ridersAsPedestrians <= 2, "\(outcome)")
        #expect(added.allSatisfy { $0 <= 4 } && added.reduce(0, +) <= 5, "\(added)")
        #expect(outcome.fastMovers.values.reduce(0, +) * 4 >= riders * 3, "\(outcome)")
    }
}
