// Riders, region edges and people passing one another: what the LiDAR clusterer and tracker make of
// them, on shapes laid out by hand (a flat surface along the walkway, as a LiDAR on the facade sees the
// near side of a body or of a bicycle).

import Testing

@testable import Counting

#if canImport(Glibc)
    import Glibc
#endif

@Suite("LD06 tracking: riders, region edges, passing")
struct LidarRiderTests {
    static let line = CountingLine(p: PlanePoint(x: 0.3, y: 0), q: PlanePoint(x: 3.2, y: 0))
    static let step = 0.8

    /// The returns of a surface at `x` metres from the facade, from `y - length/2` to `y + length/2`
    /// along the walkway, one per sample, in increasing angle (a turn that starts after the gap behind the
    /// sensor, as `LidarDetector` arranges it).
    static func surface(x: Double, y: Double, length: Double) -> [ForegroundPoint] {
        var points: [ForegroundPoint] = []
        let first = atan2(-(y + length / 2), x) * 180 / .pi
        let last = atan2(-(y - length / 2), x) * 180 / .pi
        var angle = (first / step).rounded(.up) * step
        while angle <= last {
            let radians = angle * .pi / 180
            let range = x / cos(radians)
            points.append(
                ForegroundPoint(
                    angle: angle + 360, range: range, point: PlanePoint(degrees: angle, metres: range)))
            angle += step
        }
        return points
    }

    static func clusters(_ points: [ForegroundPoint], hints: [TrackHint] = [], region: Region? = nil)
        -> [Cluster]
    {
        var clusterer = Clusterer()
        var clusters: [Cluster] = []
        clusterer.clusters(of: points, stepDegrees: step, hints: hints, region: region, into: &clusters)
        return clusters
    }

    /// Runs clusterer and tracker over `turns` turns of 100 ms; `shapes(turn)` lays out that turn.
    static func follow(
        turns: Int, settings: LidarTracker.Settings = .init(), _ shapes: (Int) -> [ForegroundPoint]
    ) -> [LineEvent] {
        var clusterer = Clusterer()
        var tracker = LidarTracker(line: line, settings: settings)
        var hints: [TrackHint] = []
        var clusters: [Cluster] = []
        var events: [LineEvent] = []
        for turn in 0..<turns {
            let time = Int64(turn) * 100
            tracker.predict(to: time)
            tracker.hints(into: &hints)
            clusterer.clusters(of: shapes(turn), stepDegrees: step, hints: hints, into: &clusters)
            tracker.update(clusters, time: time, events: &events)
        }
        tracker.finishAll(events: &events)
        return events
    }

    @Test func somethingWideAndNewIsFollowedWholeUntilItsSpeedIsKnown() {
        let bicycle = Self.surface(x: 2.0, y: 0, length: 1.1)
        let middle = PlanePoint(x: 2.1, y: 0)
        func hint(speed: Double, confirmed: Bool, known: Bool) -> TrackHint {
            TrackHint(position: middle, speed: speed, confirmed: confirmed, speedKnown: known)
        }
        // First seen, or followed by a track seen once: whole.
        #expect(Self.clusters(bicycle).count == 1)
        #expect(Self.clusters(bicycle, hints: [hint(speed: 0, confirmed: false, known: false)]).count == 1)
        // A rider's speed: whole; a walker's: people side by side, cut.
        #expect(Self.clusters(bicycle, hints: [hint(speed: 5, confirmed: false, known: true)]).count == 1)
        #expect(Self.clusters(bicycle, hints: [hint(speed: 1.2, confirmed: false, known: true)]).count == 2)
        #expect(Self.clusters(bicycle, hints: [hint(speed: 1.2, confirmed: true, known: true)]).count == 2)
    }

    @Test(arguments: [4.0, 5.5, 7.0])
    func aBicycleRidingPastIsOneFastMover(speed: Double) {
        // 1.1 m long, from 2.5 m before the line to 2.5 m after it.
        let events = Self.follow(turns: Int(5 / speed * 10) + 1) { turn in
            Self.surface(x: 2.0, y: -2.5 + speed * Double(turn) / 10, length: 1.1)
        }
        #expect(events == [.fastMover(.aToB, time: events.first.map(Self.time) ?? 0)], "\(events)")
    }

    @Test func aWalkerIsAWalker() {
        let events = Self.follow(turns: 40) { turn in
            Self.surface(x: 1.5, y: 2.5 - 1.3 * Double(turn) / 10, length: 0.4)
        }
        #expect(events.count == 1)
        #expect(events.first.map { if case .crossed(.bToA, _) = $0 { true } else { false } } == true)
    }

    @Test func aRiderMeasuredLateIsStillAFastMover() {
        // Seen at walking pace until 0.4 m before the line (partly hidden, or cut in parts: its centre
        // crawls), then at its own 5 m/s: the filtered speed is still under 3 m/s when the crossing is
        // committed, 0.4 m past the line, and over it by the time the kind is decided, 1 m past.
        func rider(_ turn: Int) -> [ForegroundPoint] {
            let t = Double(turn) / 10
            let y = t < 1.6 ? -2.0 + 1.0 * t : -0.4 + 5 * (t - 1.6)
            return y > 2.5 ? [] : Self.surface(x: 2.0, y: y, length: 0.4)
        }
        let events = Self.follow(turns: 30, rider)
        #expect(events.count == 1)
        #expect(events.first.map { if case .fastMover(.aToB, _) = $0 { true } else { false } } == true)
        // Decided at the commitment, it would have been a walker.
        var hasty = LidarTracker.Settings()
        hasty.decideDistance = hasty.commitDistance
        let early = Self.follow(turns: 30, settings: hasty, rider)
        #expect(early.first.map { if case .crossed(.aToB, _) = $0 { true } else { false } } == true)
    }

    @Test func anArmAloneStartsNoTrack() {
        // Two returns, 5 cm across, moving like a walker: never a person.
        let events = Self.follow(turns: 40) { turn in
            Self.surface(x: 2.0, y: -2.0 + 1.3 * Double(turn) / 10, length: 0.06)
        }
        #expect(events.isEmpty)
    }

    @Test func aBodyReachingIntoTheRegionIsSeenWholeAndOneOutsideNotAtAll() {
        let region = Region(corners: [
            PlanePoint(x: 0.2, y: -2.5), PlanePoint(x: 3.3, y: -2.5), PlanePoint(x: 3.3, y: 2.5),
            PlanePoint(x: 0.2, y: 2.5),
        ])
        #expect(region.contains(PlanePoint(x: 2, y: 2.9), margin: 0.5))
        #expect(!region.contains(PlanePoint(x: 2, y: 3.1), margin: 0.5))
        #expect(region.contains(PlanePoint(x: 3.6, y: 2.7), margin: 0.4))  // past a corner
        #expect(!region.contains(PlanePoint(x: 3.6, y: 2.9), margin: 0.4))
        // A bicycle whose middle has just entered: its centre is where its middle is, not where the
        // part inside the region is.
        let entering = Self.clusters(Self.surface(x: 2.0, y: -2.3, length: 1.1), region: region)
        #expect(entering.count == 1)
        #expect(entering.first.map { abs($0.centre.y + 2.3) < 0.05 } == true)
        // Its middle still outside: nothing yet.
        #expect(Self.clusters(Self.surface(x: 2.0, y: -2.7, length: 1.1), region: region).isEmpty)
    }

    @Test func aWalkerHiddenAsTheyPassIsNotPushedOntoTheOneInFront() {
        // Two walkers pass each other: `near` at x = 1.2 towards +y, `far` at x = 1.55 towards −y. As they
        // meet, `near` hides `far`, and a sliver of someone shows beside `near`. `far` must coast unseen,
        // not take `near`'s body while `near` takes the sliver.
        var tracker = LidarTracker(line: Self.line, settings: LidarTracker.Settings())
        var events: [LineEvent] = []
        for turn in 0..<6 {
            let t = Double(turn) / 10
            tracker.update(
                [Self.body(1.2, -0.9 + 1.1 * t), Self.body(1.55, 0.8 - 1.1 * t)], time: Int64(turn) * 100,
                events: &events)
        }
        #expect(tracker.confirmedCount == 2)
        let farID = tracker.tracks.first { $0.position.x > 1.4 }?.id
        // Turn 6: `near` where expected (y = −0.24), a sliver at (1.12, 0.04), `far` (y = 0.14) unseen.
        let sliver = Cluster(centre: PlanePoint(x: 1.12, y: 0.04), extent: 0.07, points: 5, nearestRange: 1.0)
        tracker.update([Self.body(1.2, -0.24), sliver], time: 600, events: &events)
        let far = tracker.tracks.first { $0.id == farID }
        #expect(far?.misses == 1)
        #expect(far.map { $0.position.x > 1.45 } == true)
        #expect(tracker.tracks.count { $0.confirmed } == 2)
    }

    /// What the sensor sees of surfaces along the walkway (x from the facade, y the middle, and length),
    /// the nearer hiding the farther: returns every `step` degrees from −80° to 80°.
    static func view(_ surfaces: [(x: Double, y: Double, length: Double)]) -> [ForegroundPoint] {
        var points: [ForegroundPoint] = []
        var angle = -80.0
        while angle <= 80 {
            let radians = angle * .pi / 180
            var nearest = Double.infinity
            for surface in surfaces {
                let y = -surface.x * tan(radians)
                if abs(y - surface.y) <= surface.length / 2 {
                    nearest = min(nearest, surface.x / cos(radians))
                }
            }
            if nearest.isFinite {
                points.append(
                    ForegroundPoint(
                        angle: angle + 360, range: nearest, point: PlanePoint(degrees: angle, metres: nearest)
                    ))
            }
            angle += step
        }
        return points
    }

    @Test(arguments: [4.0, 5.5, 7.0])
    func aRiderSeenInPartsAsFarApartAsItMovesIsOneFastMover(speed: Double) {
        // Hips, a basket 0.6 m ahead and a child seat 0.6 m behind, each 0.2 m long (0.4 m apart, more
        // than two parts of one person are), at 2.8 m from the facade, moving about as far per turn as
        // from one part to the next: one rider, never walkers. (The independent street's riders in
        // `LidarFieldRiderTests` are where the aliasing of such parts showed.)
        let events = Self.follow(turns: Int(5.5 / speed * 10) + 2) { turn in
            let y = -2.5 + speed * Double(turn) / 10
            return Self.view([(2.8, y - 0.6, 0.2), (2.8, y, 0.2), (2.8, y + 0.6, 0.2)])
        }
        #expect(events.count == 1, "\(events)")
        #expect(events.allSatisfy { if case .fastMover(.aToB, _) = $0 { true } else { false } }, "\(events)")
    }

    /// A walker at x = 2 towards +y at 1.2 m/s; from `before` metres before the line on, someone close to
    /// the sensor (x = 0.6) walks in step with them on the same bearing and hides them to the end.
    private static func hidden(from before: Double, settings: LidarTracker.Settings = .init()) -> [LineEvent]
    {
        Self.follow(turns: 80, settings: settings) { turn in
            let y = -2.0 + 1.2 * Double(turn) / 10
            guard y >= -before else { return Self.view([(2.0, y, 0.4)]) }
            return Self.view([(2.0, y, 0.4), (0.6, y * 0.3, 0.4)])
        }
    }

    @Test func someoneHiddenFromJustBeforeTheLineOnIsCountedOnTheirWay() {
        let events = Self.hidden(from: 0.4)
        #expect(events.count == 1)
        #expect(events.first.map { if case .crossed(.aToB, _) = $0 { true } else { false } } == true)
    }

    @Test func aTrackHiddenLongBeforeTheLineAndNeverSeenAgainCountsNothing() {
        // Last seen whole 1.5 m (1.25 s) before the line: its course is too stale to tell it crossed. The
        // one hiding it, 0.45 m before the line then, crosses too and counts.
        #expect(Self.hidden(from: 1.5).count == 1)
        // Its prediction did pass the line: allowed 1.5 s, it counts.
        var lenient = LidarTracker.Settings()
        lenient.hiddenWholeMillis = 1500
        #expect(Self.hidden(from: 1.5, settings: lenient).count == 2)
    }

    @Test func someoneWhoVanishesInTheOpenBeforeTheLineIsNotCounted() {
        let events = Self.follow(turns: 80) { turn in
            let y = -2.0 + 1.2 * Double(turn) / 10
            return y < -0.4 ? Self.view([(2.0, y, 0.4)]) : []
        }
        #expect(events.isEmpty)
    }

    static func time(_ event: LineEvent) -> Int64 {
        switch event {
        case .crossed(_, let time), .fastMover(_, let time): time
        }
    }

    /// The events of a tracker at the line given `clusters(turn)` at each of `turns` turns of 100 ms, then
    /// ended: what the tracker makes of clusters laid out by hand.
    static func tracked(
        turns: Int = 40, settings: LidarTracker.Settings = .init(), _ clusters: (Int) -> [Cluster]
    ) -> [LineEvent] {
        var tracker = LidarTracker(line: line, settings: settings)
        var events: [LineEvent] = []
        for turn in 0..<turns { tracker.update(clusters(turn), time: Int64(turn) * 100, events: &events) }
        tracker.finishAll(events: &events)
        return events
    }

    /// The crossing of a track that walks at `before` m/s until `from` metres past the line, then follows
    /// something at 5 m/s (a rider it went over to, or a rider it was on all along, seen late).
    private static func crossing(before: Double, speedingUpFrom from: Double) -> [LineEvent] {
        var y = -2.0
        return Self.tracked(turns: 30) { _ in
            defer { y += (y < from ? before : 5.0) * 0.1 }
            return [Self.body(1.6, y)]
        }
    }

    @Test func aTrackPastTheLineFasterThanAWalkerAndStillSpeedingUpIsAFastMover() {
        // At 1.8 m/s over the line, 5 m/s from just past it: its smoothed speed is still under
        // `fastMoverSpeed` a metre past the line, and rising.
        let events = Self.crossing(before: 1.8, speedingUpFrom: 0.1)
        #expect(events.count == 1)
        #expect(events.allSatisfy { if case .fastMover(.aToB, _) = $0 { true } else { false } }, "\(events)")
    }

    @Test func aWalkersTrackThatFollowsARiderOnceOverTheLineCountsTheWalker() {
        // At 1.2 m/s over the line, then on a rider's cluster from 0.3 m past it (the rider's own track
        // counts the rider).
        let events = Self.crossing(before: 1.2, speedingUpFrom: 0.3)
        #expect(events.count == 1)
        #expect(events.allSatisfy { if case .crossed(.aToB, _) = $0 { true } else { false } }, "\(events)")
    }

    /// The events of a track seen at each of `ys` in turn (one turn apart, at x = 1.6 m), then no more.
    private static func seen(at ys: [Double]) -> [LineEvent] {
        Self.tracked { turn in turn < ys.count ? [Self.body(1.6, ys[turn])] : [] }
    }

    @Test func aTrackAsFastAsARiderOnlyAtItsFirstSightingsIsNoOne() {
        // In a crowd, a new track may take a fragment of one person, then another's 0.8 m on, and be lost:
        // 8 m/s across the line for two turns is no rider (and no walker).
        #expect(Self.seen(at: [-0.3, 0.5, 1.3]).isEmpty)
        // A rider at that speed seen a turn longer is one.
        let rider = Self.seen(at: [-0.3, 0.5, 1.3, 2.1])
        #expect(rider.count == 1)
        #expect(rider.allSatisfy { if case .fastMover(.aToB, _) = $0 { true } else { false } }, "\(rider)")
    }

    /// A track first seen on a rider's rear 0.2 m before the line, seen at `rear` (y, a turn apart), and
    /// the rider's front seen from the third turn on, 0.55 m past the line, at 5.5 m/s: their events.
    private static func riderSeenByItsRear(_ rear: [Double]) -> [LineEvent] {
        Self.tracked { turn in
            var clusters = turn < rear.count ? [Self.body(2.0, rear[turn])] : []
            if turn >= 2, turn < 8 { clusters.append(Self.body(2.0, 0.55 + 0.55 * Double(turn - 2))) }
            return clusters
        }
    }

    @Test func aRidersRearSeenFromStandstillIsPartOfTheRider() {
        // The rear's track starts from standstill: at the line its filtered speed is a walker's, though it
        // moved 3 and 4 m/s at its last two steps before it was left behind. Its crossing is the rider's.
        let events = Self.riderSeenByItsRear([-0.2, -0.1, 0.2, 0.6])
        #expect(events.count == 1)
        #expect(events.allSatisfy { if case .fastMover(.aToB, _) = $0 { true } else { false } }, "\(events)")
        // Someone walking 0.6 m behind the rider, at their own pace, is a walker.
        let walker = Self.riderSeenByItsRear([-0.2, -0.07, 0.06, 0.19, 0.32, 0.45, 0.58, 0.71, 0.84, 0.97])
        #expect(walker.count == 1)
        #expect(walker.allSatisfy { if case .crossed(.aToB, _) = $0 { true } else { false } }, "\(walker)")
    }

    /// A body-sized cluster centred at (`x`, `y`), its nearest return 0.2 m nearer the sensor: what the
    /// tracker is given for a person seen whole.
    static func body(_ x: Double, _ y: Double) -> Cluster {
        Cluster(centre: PlanePoint(x: x, y: y), extent: 0.35, points: 18, nearestRange: x - 0.2)
    }
}
