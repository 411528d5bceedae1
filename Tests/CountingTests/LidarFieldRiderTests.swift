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

/// What the detector is known to get wrong about a case, and how (from `LidarFieldRiderTrace`).
enum KnownRiderIssue: Sendable {
    /// Counted as a pedestrian (and perhaps as a fast mover too).
    case countedAsPedestrian(String)
    /// Never a pedestrian, but not one fast mover either: not counted at all, or counted twice.
    case notOneFastMover(String)
}

/// A rider alone on the street, as a test argument.
struct LoneRider: Sendable, CustomTestStringConvertible {
    var rider: FieldRider
    var known: KnownRiderIssue?
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
        for (index, issue) in knownIssues { riders[index].known = issue }
        return riders
    }()

    /// Cases the detector gets wrong (as of main at 5e28c9d, which decides walker or fast mover on the
    /// fastest a track went from the line to 1 m past it), by index in `all`.
    ///
    /// A long bicycle (basket ahead, child seat behind: some 1.6 m of separate parts at hip height) is
    /// seen as three clusters some 0.55–0.6 m apart along its way: the clusterer cuts anything wider
    /// than a person into 0.5 m parts unless fast tracks alone claim it, and the fast track claims only
    /// the returns within 0.35 m of its centre. Every unclaimed part starts a track; at its second turn
    /// that track takes the nearest cluster, which is often the next part coming up from behind rather
    /// than its own part gone ahead (the parts' spacing is close to the distance moved per turn: 0.35 m
    /// at 3.5 m/s, 0.75 m at 7.5 m/s), so its speed is measured at 1–2.5 m/s. Below `vehicleSpeed`
    /// (2.5 m/s) such tracks are never merged with the fast one (`mergeVehicles`). Slow (3.5 m/s), one
    /// of them is confirmed behind the fast track at 2.1–2.4 m/s and counted as a pedestrian (the
    /// trace of case 10: track 0 on the basket counts a fast mover, at the line at 2.77 s; track 10,
    /// born on the rear part at (2.91,−0.42), confirmed at 2.26 m/s and no faster than 2.31 m/s by 1 m
    /// past the line, counts a pedestrian, at the line at 2.99 s). Close to the sensor the rear part's
    /// track may reach 3 m/s, and the bicycle is counted as two fast movers (case 20). Fast (7.5 m/s),
    /// the aliasing is complete: every part is taken over by a chain of tracks moving at 1–2 m/s that
    /// coast and end before they are 0.4 m past the line, and nothing is counted (case 11).
    ///
    /// A scooter (hips, and 0.45–0.5 m ahead the stem and two hands) aliases the same way close to the
    /// sensor, where its two parts are separate clusters: at 4 m/s (0.4 m per turn) each new track's
    /// second hit is the hips arriving where the handlebar was, a track confirmed at 0.4 m/s speeds up
    /// to 2.1 m/s by 1 m past the line and counts as a pedestrian (case 24: track 6, at the line at
    /// 2.79 s; it reaches 4 m/s a few turns later); at 6 m/s the
    /// tracks' speeds stay at 1–2.3 m/s, and the one confirmed coasts off the region uncounted while
    /// the front part's track is born past the line (case 25).
    ///
    /// With its parts spread further (a step-through frame: no top tube between hips and handlebar,
    /// 1.8 m in all) at 3.5 m/s, the parts merge and split from turn to turn, and even the front track's
    /// speed reads 2.5–2.8 m/s, under `fastMoverSpeed` (3 m/s): case 18 counts the front track (at most
    /// 2.78 m/s) at 3.02 s and a rear part's (at most 2.33 m/s) at 3.20 s, both as pedestrians.
    static let knownIssues: [Int: KnownRiderIssue] = {
        let longSlow = KnownRiderIssue.countedAsPedestrian(
            "a long bicycle's rear parts alias at 3.5 m/s: a track behind the fast one at ~2.2 m/s counts a pedestrian"
        )
        let spreadSlow = KnownRiderIssue.countedAsPedestrian(
            "a 1.8 m bicycle at 3.5 m/s: its front track reads 2.5–2.8 m/s, a rear part's 0.7–1.4 m/s: both count as pedestrians"
        )
        let longFast = KnownRiderIssue.notOneFastMover(
            "a long bicycle's parts alias at 7.5 m/s: tracks at 1–2 m/s coast out short of the commit distance"
        )
        let scooterSlow = KnownRiderIssue.countedAsPedestrian(
            "a scooter's hips and handlebar alias at 4 m/s: a track at 0.4–1.5 m/s counts a pedestrian")
        let scooterMissed = KnownRiderIssue.notOneFastMover(
            "a scooter's hips and handlebar alias: tracks at 1–2.3 m/s, none counted")
        return [
            10: longSlow, 11: longFast, 14: longSlow, 15: longFast, 18: spreadSlow, 19: longFast,
            20: .notOneFastMover(
                "a 1.8 m bicycle at 3.5 m/s close to the sensor: its front and a rear part's track count two fast movers"
            ),
            22: spreadSlow, 23: longFast, 24: scooterSlow, 25: scooterMissed,
            28: scooterMissed,
            32: .countedAsPedestrian("a dark long bicycle at 5 m/s: a rear part's track counts a pedestrian"),
            33: scooterMissed,
        ]
    }()
}

/// A rider overtaking a walker, as a test argument.
struct Overtake: Sendable, CustomTestStringConvertible {
    var walker: FieldWalker
    var rider: FieldRider
    var known: String?
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
        for (index, why) in knownIssues { cases[index].known = why }
        return cases
    }()

    /// Cases the detector gets wrong today, by index in `all` (see `LoneRider.knownIssues` for the
    /// aliasing of a rider's parts, from `LidarFieldRiderTrace`).
    ///
    /// 3: the bicycle's rear parts start tracks that alias (moving *backwards*, +y, at 1.5–1.9 m/s while
    /// the bicycle goes −y at 5); one born at (2.2,−0.3), past the line on side A, confirmed at 2.2 m/s,
    /// drifts across onto the walker's cluster just as the walker crosses (5.87 s); the walker's own track
    /// (33 hits, from B, at (1.36,−0.16)) went unseen that turn and `removeDuplicates` drops it for the
    /// 4-hit track, whose origin is A where the walker now is: the walker is never counted.
    static let knownIssues: [Int: String] = [
        2: "the long bicycle's parts alias (tracks at 1–2 m/s): the rider is not counted, the walker is",
        3:
            "a rider-part track born on side A takes the walker's cluster as it crosses; the walker's track is dropped as its duplicate: neither is counted",
        7:
            "the scooter's hips and handlebar alias (tracks at 1–2 m/s): the rider is not counted, the walker is",
    ]
}

@Suite("LD06 detector on a street of its own: riders")
struct LidarFieldRiderTests {
    @Test(arguments: LoneRider.all)
    func aRiderAloneIsAFastMoverNeverAPedestrian(_ lone: LoneRider) {
        var street = FieldStreet(random: SeededGenerator(seed: lone.seed))
        let background = street.background()
        street.time = 0
        let crossings = street.count([], riders: [lone.rider], background: background, until: 8)
        let pedestrians = { #expect(!crossings.contains { $0.kind == .pedestrian }, "\(crossings)") }
        let fastMover = {
            #expect(crossings.map(\.direction) == [lone.rider.direction], "\(crossings)")
            #expect(crossings.allSatisfy { $0.kind == .fastMover }, "\(crossings)")
        }
        switch lone.known {
        case nil:
            pedestrians()
            fastMover()
        case .countedAsPedestrian(let why):
            withKnownIssue(Comment(rawValue: why)) {
                pedestrians()
                fastMover()
            }
        case .notOneFastMover(let why):
            pedestrians()
            withKnownIssue(Comment(rawValue: why)) { fastMover() }
        }
    }

    /// A rider passing a walker going the same way near the line, between them and the sensor (hiding
    /// them for a moment) or beyond them: the walker is counted once, the rider never as a pedestrian.
    @Test(arguments: Overtake.all)
    func aRiderOvertakingAWalkerLeavesTheWalkerCountedOnce(_ overtake: Overtake) {
        var street = FieldStreet(random: SeededGenerator(seed: overtake.seed))
        let background = street.background()
        street.time = 0
        let crossings = street.count(
            [overtake.walker], riders: [overtake.rider], background: background, until: 20)
        let check = {
            #expect(
                crossings.filter { $0.kind == .pedestrian }.map(\.direction) == [overtake.walker.direction],
                "\(crossings)")
            #expect(
                crossings.filter { $0.kind == .fastMover }.map(\.direction) == [overtake.rider.direction],
                "\(crossings)")
        }
        if let why = overtake.known { withKnownIssue(Comment(rawValue: why)) { check() } } else { check() }
    }

    /// Moderate walking traffic (as `LidarFieldTests`) with 60 riders an hour each way, a quarter of
    /// them overtaking a walker. The walkers of a seed are those of the walkers-only test, run again
    /// here to tell what the riders added. Measured on main at 5e28c9d (the test prints it;
    /// `PASSANT_RIDER_LIST=1` lists the riders not counted as fast movers):
    /// - seed 1: a→b 71/67, b→a 43/38 (walkers alone 71/67, 40/38: riders added 0 and 3 pedestrians);
    ///   riders counted as fast movers 11 of 17, matched to a pedestrian crossing 2;
    /// - seed 2: a→b 64/60, b→a 53/49 (alone 61/60, 53/49: added 3 and 0); fast movers 13 of 15, as
    ///   pedestrians 2.
    /// The riders it gets wrong here are bicycles 2–2.5 m from the facade at 4.4–7.4 m/s (missed, or
    /// a pedestrian; plain ones too: `PASSANT_RIDER_TRACE=mixed-1-146.3` shows a dark bicycle at
    /// 6.7 m/s seen as two parts, whose tracks alias to 1.5–2.8 m/s and die tentative) and two scooters
    /// at 4–5 m/s. The floors and ceilings sit beyond those figures; the aim (issue 4) is no rider ever
    /// counted as a pedestrian.
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
        #expect(outcome.ridersAsPedestrians <= 4, "\(outcome)")
        #expect(added.allSatisfy { $0 <= 6 } && added.reduce(0, +) <= 8, "\(added)")
        #expect(outcome.fastMovers.values.reduce(0, +) * 2 >= riders, "\(outcome)")
    }
}
