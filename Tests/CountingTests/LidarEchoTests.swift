// A track that drifted off its walker onto slivers of them, beside the track born on their body, and a
// track that ran beside a walker's closer than two people can: one walker, counted once
// (`LidarTracker.isEcho`).

import Testing

@testable import Counting

@Suite("LD06 tracking: echoes of a walker")
struct LidarEchoTests {
    /// A walker at x = 1.6 m, from 2 m before the line, 0.13 m a turn. From the sixth turn on their body
    /// is hidden and a sliver is seen moving out to x = 2.1 m, which the walker's track follows; from the
    /// ninth on, their body is seen again with the sliver beside it (a part of it), and from `wholeAgain`
    /// on, the sliver is a whole body (someone else, who took over the track). The sliver trails the body
    /// by `lag` metres from the ninth turn on, and looks as wide as a body on the turns in `wide` (a
    /// passer-by's part taken for it). (The new track is born 0.5 m from the old: beside it, farther than
    /// a fragment of it.) With `neighbour`, someone walks abreast at that x, seen whole throughout.
    static func events(
        wholeAgain: Int = .max, lag: Double = 0, wide: Set<Int> = [], neighbour: Double? = nil,
        settings: LidarTracker.Settings = .init()
    ) -> [LineEvent] {
        LidarRiderTests.tracked(settings: settings) { turn in
            let y = -2.0 + 0.13 * Double(turn)
            var clusters: [Cluster] = []
            if turn < 6 || turn >= 9 {
                clusters.append(
                    Cluster(centre: PlanePoint(x: 1.6, y: y), extent: 0.35, points: 18, nearestRange: 1.4))
            }
            if turn >= 6 {
                let x = min(2.1, 1.6 + 0.17 * Double(turn - 5))
                let behind = turn >= 9 ? lag : 0
                let whole = turn >= wholeAgain || wide.contains(turn)
                var sliver = Cluster(
                    centre: PlanePoint(x: x, y: y - behind), extent: whole ? 0.35 : 0.15, points: 12,
                    nearestRange: x - 0.1)
                if turn >= 9, !whole { sliver.partOf = 0 }
                clusters.append(sliver)
            }
            if let neighbour { clusters.append(LidarRiderTests.body(neighbour, y)) }
            return clusters
        }
    }

    static func walkers(_ events: [LineEvent]) -> Int {
        events.count { if case .crossed(.aToB, _) = $0 { true } else { false } }
    }

    @Test func aTrackThatDriftedOffItsWalkerCountsThemOnce() {
        let events = Self.events()
        #expect(events.count == 1, "\(events)")
        #expect(Self.walkers(events) == 1, "\(events)")
        // Without the rule the drifted track counts the walker a second time.
        var unaware = LidarTracker.Settings()
        unaware.besideReach = 0
        #expect(Self.walkers(Self.events(settings: unaware)) == 2)
    }

    @Test func theSameWhenTheNewTrackCrossesFirst() {
        // The sliver trails the body by 0.3 m: the track born on the body crosses first, the drifted one
        // a quarter of a second later.
        let events = Self.events(lag: 0.3)
        #expect(Self.walkers(events) == 1, "\(events)")
        var unaware = LidarTracker.Settings()
        unaware.besideReach = 0
        #expect(Self.walkers(Self.events(lag: 0.3, settings: unaware)) == 2)
    }

    @Test func aTrackSeenWholeOnlyOnTheTurnTheNewOneWasBornDidNotKeepItsWalker() {
        // On the ninth turn, when the new track is born on the walker's body, the drifted track takes
        // something as wide as a body; slivers again after it.
        let events = Self.events(wide: [9])
        #expect(Self.walkers(events) == 1, "\(events)")
        #expect(Self.walkers(Self.events(lag: 0.3, wide: [9])) == 1)
        // Seen so on the tenth turn too, it kept a walker of its own.
        #expect(Self.walkers(Self.events(wide: [9, 10])) == 2)
    }

    @Test func aTrackBornNearerANeighbourSeenWholeIsStillTheDriftedTracksEcho() {
        // Someone walks abreast at x = 1.12 m: the new track is born 0.48 m from them, 0.5 m from the
        // drifted track. The neighbour, seen whole, is where they are; the drifted track is not.
        let events = Self.events(neighbour: 1.12)
        #expect(Self.walkers(events) == 2, "the neighbour and the walker: \(events)")
    }

    @Test func aTrackSeenWholeBesideTheNewOneKeptItsOwnWalker() {
        // The sliver is someone seen whole from the tenth turn on: two walkers.
        let events = Self.events(wholeAgain: 10)
        #expect(Self.walkers(events) == 2, "\(events)")
    }

    /// A walker at x = 1.3 m, from 2 m before the line, 0.12 m a turn, seen whole throughout; beside them
    /// at x = 2 m, someone else's track (a rider's rear left behind, say) seen whole for `wholeTurns`
    /// turns, then only on slivers at the walker's edge, drawn in to `gap` metres beside the walker's
    /// centre, `ahead` metres ahead of them. From `wholeFrom` on, what it follows is a whole body.
    static func beside(
        gap: Double = 0.25, ahead: Double = 0, wholeTurns: Int = 4, wholeFrom: Int = .max,
        settings: LidarTracker.Settings = .init()
    ) -> [LineEvent] {
        LidarRiderTests.tracked(settings: settings) { turn in
            let y = -2.0 + 0.12 * Double(turn)
            let x =
                turn < wholeTurns
                ? 2.0
                : max(
                    1.3 + (gap * gap - ahead * ahead).squareRoot(), 2.0 - 0.15 * Double(turn - wholeTurns + 1)
                )
            let whole = turn < wholeTurns || turn >= wholeFrom
            var other = Cluster(
                centre: PlanePoint(x: x, y: y + (turn < wholeTurns ? 0 : ahead)), extent: whole ? 0.35 : 0.08,
                points: whole ? 18 : 4, nearestRange: x - 0.1)
            if !whole { other.partOf = 0 }
            return [LidarRiderTests.body(1.3, y), other]
        }
    }

    @Test func aTrackRidingTheEdgeOfAWalkerBesideTheirOwnTrackCountsThemOnce() {
        let events = Self.beside()
        #expect(Self.walkers(events) == 1, "\(events)")
        // Without the rule the track on the slivers counts the walker a second time.
        var unaware = LidarTracker.Settings()
        unaware.closeTurns = .max
        #expect(Self.walkers(Self.beside(settings: unaware)) == 2)
    }

    @Test func theSameWhenTheTrackOnTheSliversCrossesFirst() {
        // The slivers lead the walker's centre by 0.15 m: their track crosses a turn earlier.
        let events = Self.beside(ahead: 0.15)
        #expect(Self.walkers(events) == 1, "\(events)")
        var unaware = LidarTracker.Settings()
        unaware.closeTurns = .max
        #expect(Self.walkers(Self.beside(ahead: 0.15, settings: unaware)) == 2)
    }

    @Test func twoBodiesSeenWholeWalkingOffTheLineCountTwiceHoweverCloseTheirTracksRan() {
        // Whole again from the 20th turn on, 0.4 m past the line.
        let events = Self.beside(wholeFrom: 20)
        #expect(Self.walkers(events) == 2, "\(events)")
    }

    @Test func aTrackSeenWholeOnlyWhereItWasBornThenOnSliversCountsNothing() {
        // Seen whole on its first two turns, 2 m before the line, then on slivers 0.4 m beside the walker:
        // farther apart than a close pair.
        let events = Self.beside(gap: 0.4, wholeTurns: 2)
        #expect(Self.walkers(events) == 1, "\(events)")
        var unaware = LidarTracker.Settings()
        unaware.walkedInWholeSightings = unaware.wholeSightingsToCount
        #expect(Self.walkers(Self.beside(gap: 0.4, wholeTurns: 2, settings: unaware)) == 2)
        // Seen whole again from 0.4 m past the line: someone after all.
        #expect(Self.walkers(Self.beside(gap: 0.4, wholeTurns: 2, wholeFrom: 20)) == 2)
    }

    @Test func aWalkerFirstSeenNearTheLineCountsSeenWholeTwice() {
        // First seen 1 m before the line (emerging from a crowd, say), whole on two turns, then only on
        // slivers as they cross.
        func events(_ settings: LidarTracker.Settings = .init()) -> [LineEvent] {
            LidarRiderTests.tracked(turns: 30, settings: settings) { turn in
                let y = -1.0 + 0.12 * Double(turn)
                guard turn >= 2 else { return [LidarRiderTests.body(1.6, y)] }
                return [Cluster(centre: PlanePoint(x: 1.6, y: y), extent: 0.1, points: 5, nearestRange: 1.5)]
            }
        }
        #expect(Self.walkers(events()) == 1)
        // Counted from afar, it would need a third whole sighting.
        var nearer = LidarTracker.Settings()
        nearer.walkedInDistance = 0.9
        #expect(Self.walkers(events(nearer)) == 0)
    }
}
