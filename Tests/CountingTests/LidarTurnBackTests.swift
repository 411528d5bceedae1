// Tracks whose crossings count nothing: a walker who turned back unseen, and something that is no one.

import Testing

@testable import Counting

@Suite("LD06 tracking: turned back unseen, and no one")
struct LidarTurnBackTests {
    /// Someone standing by the facade just past the line (0.5 m out), hiding the walkway 1.8 m out from
    /// 0.18 m before the line to 0.9 m past it.
    private static let bystander = (x: 0.5, y: 0.1, length: 0.3)

    /// The crossings of a walker 1.8 m out, walking towards +y at 1.4 m/s from 2 m before the line,
    /// into the bystander's shadow. With `turnsBack`, they stop on the line for half a second, hidden,
    /// and walk back at 1.2 m/s; otherwise they walk on.
    private static func crossings(turnsBack: Bool, settings: LidarTracker.Settings = .init()) -> [LineEvent] {
        LidarRiderTests.follow(turns: 60, settings: settings) { turn in
            LidarRiderTests.view([
                bystander, (x: 1.8, y: walker(at: turn, turnsBack: turnsBack), length: 0.3),
            ])
        }
    }

    /// Where the walker is at `turn`: at turn 14, 4 cm before the line; turning back, on it from turn 15
    /// to 19.
    private static func walker(at turn: Int, turnsBack: Bool) -> Double {
        guard turnsBack, turn >= 15 else { return -2.0 + 0.14 * Double(turn) }
        return turn <= 19 ? 0 : -0.12 * Double(turn - 19)
    }

    @Test func aWalkerWhoTurnsBackWhileHiddenOnTheLineCountsNothing() {
        #expect(Self.crossings(turnsBack: true).isEmpty)
        // Without seeing them come back, their track coasts on across the line and counts (when it may
        // commit on its prediction alone: else it finds them on the line, and commits to nothing).
        var blind = LidarTracker.Settings()
        blind.turnBackReach = 0
        blind.turnBackStepReach = 0
        #expect(Self.crossings(turnsBack: true, settings: blind).isEmpty)
        blind.commitMeasuredDistance = -.infinity
        #expect(Self.crossings(turnsBack: true, settings: blind).count == 1)
    }

    @Test func aWalkerWhoWalksOnWhileHiddenCountsOnce() {
        let events = Self.crossings(turnsBack: false)
        #expect(events.count == 1, "\(events)")
        #expect(events.allSatisfy { if case .crossed(.aToB, _) = $0 { true } else { false } }, "\(events)")
    }

    /// At 1.8 m/s back, their new track is far enough from the line to commit to its crossing in the
    /// turn it is confirmed in, the one it is found to be the walker coming back.
    @Test(arguments: [1.2, 1.8])
    func aWalkerWhoTurnsBackHiddenAndIsRevealedOnTheLineCountsNothing(back: Double) {
        // As before, but they stop 5 cm before the line, hidden, for a second and a half; then the
        // bystander steps away (turn 30), revealing them on the line as they walk back. First seen on the
        // line where someone hid them the turn before, walking off it, they look like someone who crossed
        // while hidden, coming from side B; but they are the walker whose track coasts on across the line.
        func walker(at turn: Int) -> Double {
            turn < 14 ? -2.0 + 0.14 * Double(turn) : turn < 30 ? -0.05 : -0.05 - back / 10 * Double(turn - 30)
        }
        let events = LidarRiderTests.follow(turns: 70) { turn in
            LidarRiderTests.view(
                (turn < 30 ? [Self.bystander] : []) + [(x: 1.8, y: walker(at: turn), length: 0.3)])
        }
        #expect(events.isEmpty, "\(events)")
    }

    /// A walker 1.8 m out walks towards +y at 1.4 m/s into the shadow of a group standing by the facade
    /// across the line (0.5 m out, from 0.05 m before it to 1.25 m past: hiding the walker's lane from
    /// 0.18 m before the line to 4.5 m past it). Hidden, they stop on the line; a second later the one
    /// of the group nearest the line steps away (the rest still hide the lane from 0.9 m past it), and
    /// the walker is seen standing there for half a second, then walking back at 1.2 m/s. Their track
    /// coasts on across the line in the shadow. Their new track is confirmed while they stand, not
    /// walking away; a few turns later they are: they are the walker coming back, and count nothing.
    /// (Simulator, turn-backs seed 23: the walker stood 0.3 s where they were seen again.)
    @Test func aWalkerWhoTurnsBackHiddenAndStandsAMomentWhereSeenAgainCountsNothing() {
        func walker(at turn: Int) -> Double {
            if turn < 14 { return -2.0 + 0.14 * Double(turn) }
            if turn < 30 { return -0.02 }
            return -0.02 - 0.12 * Double(turn - 29)
        }
        func crossings(_ settings: LidarTracker.Settings = .init()) -> [LineEvent] {
            LidarRiderTests.follow(turns: 80, settings: settings) { turn in
                let group =
                    [(x: 0.5, y: 0.75, length: 1.0)] + (turn < 24 ? [(x: 0.5, y: 0.1, length: 0.3)] : [])
                return LidarRiderTests.view(group + [(x: 1.8, y: walker(at: turn), length: 0.3)])
            }
        }
        #expect(crossings().isEmpty, "\(crossings())")
        // Looked at only as it is confirmed, the new track is not walking away yet, and the coasting
        // track's hidden crossing counts.
        var hasty = LidarTracker.Settings()
        hasty.turnBackLateSightings = 0
        let counted = crossings(hasty)
        #expect(counted.count == 1, "\(counted)")
        #expect(counted.allSatisfy { if case .crossed(.aToB, _) = $0 { true } else { false } }, "\(counted)")
    }

    /// A walker 2 m out walks towards +y at 1.4 m/s, seen whole until 0.3 m before the line, then not
    /// seen; 0.9 s later they are seen again there, walking back at 1.2 m/s: their track, coasting on over
    /// the line, is marked as turned back. Half a second later someone walks by 0.4 m nearer the sensor,
    /// 0.1 m ahead of where the track looks for its walker. Unseen for 1.3 s, the track would take anything
    /// within 1.7 m, and seeing them whole, take back the mark and count the walker after all; marked, it
    /// looks for its walker only where it predicts them (within `gate`), and nothing counts.
    @Test func aTrackWhoseWalkerWasSeenGoingBackDoesNotTakeSomeoneWalkingByForThem() {
        let events = LidarRiderTests.tracked(turns: 60) { turn in
            var clusters: [Cluster] = []
            if turn <= 12 { clusters.append(LidarRiderTests.body(2.0, -2.0 + 0.14 * Double(turn))) }
            if turn >= 21 { clusters.append(LidarRiderTests.body(2.0, -0.2 - 0.12 * Double(turn - 21))) }
            if turn >= 25 { clusters.append(LidarRiderTests.body(1.6, 1.6 + 0.14 * Double(turn - 25))) }
            return clusters
        }
        #expect(events.isEmpty, "\(events)")
    }

    /// A walker 2 m out walks towards +y at 1.4 m/s, seen whole until 0.9 m before the line, then only in
    /// slivers (half hidden) until they stop 0.2 m before it, hidden. Their track goes on over the line on
    /// the far edge of someone walking beside them 1.4 m out (a part of that one's body), then loses it;
    /// half a second after their last sliver the walker comes back into view, walking back at 1.2 m/s,
    /// where their track last saw them. Last seen whole 0.9 m from the line, too far to tell by; the
    /// slivers tell.
    @Test func aWalkerSeenInSliversAsTheyStopBeforeTheLineAndTurnBackCountsNothing() {
        func crossings(_ settings: LidarTracker.Settings = .init()) -> [LineEvent] {
            LidarRiderTests.tracked(turns: 50, settings: settings) { turn in
                let beside = -1.8 + 0.14 * Double(turn)
                var clusters = [LidarRiderTests.body(1.4, beside)]
                let y = -2.0 + 0.14 * Double(min(turn, 13))
                if turn <= 8 {
                    clusters.append(LidarRiderTests.body(2.0, y))
                } else if turn <= 13 {
                    clusters.append(
                        Cluster(centre: PlanePoint(x: 2.0, y: y), extent: 0.1, points: 4, nearestRange: 1.9))
                } else if turn <= 17 {
                    var edge = Cluster(
                        centre: PlanePoint(x: 1.75, y: beside - 0.05), extent: 0.06, points: 3,
                        nearestRange: 1.7)
                    edge.partOf = 0
                    clusters.append(edge)
                } else {
                    clusters.append(LidarRiderTests.body(2.0, y - 0.12 * Double(turn - 17)))
                }
                return clusters
            }
        }
        // The one beside them crosses; they do not.
        #expect(LidarEchoTests.walkers(crossings()) == 1, "\(crossings())")
        // Without the slivers to go by, the track that went on over the line counts too.
        var wholeOnly = LidarTracker.Settings()
        wholeOnly.turnBackStepReach = 0
        #expect(LidarEchoTests.walkers(crossings(wholeOnly)) == 2, "\(crossings(wholeOnly))")
    }

    /// A walker 2 m out walks towards +y at 1.4 m/s, seen until 0.3 m before the line; unseen (behind
    /// someone nearer) they stop 9 cm past it, and are seen standing there 0.9 s later, then walk back at
    /// 1.2 m/s. Their track, coasting on meanwhile, was predicted 0.9 m past the line; the first
    /// detection of them pulls it back only to 0.43 m, past `commitDistance`, but the detection itself
    /// is short of `commitMeasuredDistance`: nothing is committed to, and nothing counts. (Simulator,
    /// turn-backs seed 30: the walker counted a→b as their track came back to them, then b→a as they
    /// walked back.)
    @Test func aWalkerWhoStopsJustPastTheLineWhileHiddenAndWalksBackCountsNothing() {
        func crossings(_ settings: LidarTracker.Settings = .init()) -> [LineEvent] {
            LidarRiderTests.tracked(turns: 60, settings: settings) { turn in
                switch turn {
                case ...12: [LidarRiderTests.body(2.0, -2.0 + 0.14 * Double(turn))]
                case 13...20: []
                case 21...30: [LidarRiderTests.body(2.0, 0.09)]
                default: [LidarRiderTests.body(2.0, 0.09 - 0.12 * Double(turn - 30))]
                }
            }
        }
        #expect(crossings().isEmpty, "\(crossings())")
        // Committing on the filtered position alone, the walker counts both ways.
        var filtered = LidarTracker.Settings()
        filtered.commitMeasuredDistance = -.infinity
        let both = crossings(filtered)
        #expect(both.count == 2 && LidarEchoTests.walkers(both) == 1, "\(both)")
    }

    /// A walker 2 m out walks towards +y at 1.4 m/s, seen whole until 0.6 m before the line, then out of
    /// sight (on a street, behind someone nearer as they stop; here simply not seen). Their track coasts
    /// on; 0.7 s later it takes the edge of them peeking out where they stopped, 0.25 m before the line
    /// (`sliverAt`), and its filtered position, pulled only part of the way back for a sliver, lies past
    /// the line. Then nothing more is seen of them, and the track coasts on in plain view. Dropped after
    /// two seconds of that, having stopped short of the line, they count nothing; a sliver past the line
    /// is someone who walked on and was lost as they did, and counts; so does a track that ends (the
    /// link lost, `turns`) before it was a second unseen in plain view. (Simulator, turn-backs seed 19:
    /// two walkers abreast stopped together 0.1 m short of the line and turned back, the far one hidden
    /// behind the near one; the far one's track counted.)
    @Test(arguments: [(-0.25, 60, 0), (0.3, 60, 1), (-0.25, 24, 1)])
    func aTrackLostAtTheLineCountsOnlyIfLastSeenPastItOrLostForLessThanASecond(
        sliverAt: Double, turns: Int, expected: Int
    ) {
        func crossings(_ settings: LidarTracker.Settings = .init()) -> [LineEvent] {
            LidarRiderTests.tracked(turns: turns, settings: settings) { turn in
                if turn <= 10 { return [LidarRiderTests.body(2.0, -2.0 + 0.14 * Double(turn))] }
                guard turn == 17 else { return [] }
                return [
                    Cluster(
                        centre: PlanePoint(x: 2.0, y: sliverAt), extent: 0.05, points: 2, nearestRange: 1.9)
                ]
            }
        }
        #expect(LidarEchoTests.walkers(crossings()) == expected, "\(crossings())")
        // Without the rule, the filtered position alone counts.
        var filtered = LidarTracker.Settings()
        filtered.lostInViewMillis = .max
        #expect(LidarEchoTests.walkers(crossings(filtered)) == 1, "\(crossings(filtered))")
    }

    /// The walker 1.8 m out walks into the shadow of someone standing by the facade on the line (hiding
    /// the walkway 1.8 m out from 0.36 m before the line to 0.36 m past it) and, with `stops`, stops 10 cm
    /// short of the line, hidden, for good. Their track coasts on, passes the line on its prediction while
    /// hidden, and out of the shadow into plain view, where nothing is seen of them. Dropped after a
    /// second or more of that, it counts nothing. A walker who walks on is seen past the shadow, and
    /// counts; so does a track that ends (the link lost, `turns` 24) half a second after its prediction
    /// left the shadow (widened by `shadowHalfWidth`, to 0.57 m past the line). (Simulator, turn-backs seeds 27 and 40: a walker who stopped at the line behind someone who
    /// stopped nearer the sensor, and turned back later.)
    @Test(arguments: [(true, 60, 0), (false, 60, 1), (true, 24, 1)])
    func aHiddenCrossingCountsNothingIfTheTrackThenGoesUnseenInPlainViewForASecond(
        stops: Bool, turns: Int, expected: Int
    ) {
        func crossings(_ settings: LidarTracker.Settings = .init()) -> [LineEvent] {
            LidarRiderTests.follow(turns: turns, settings: settings) { turn in
                let walker = min(-2.0 + 0.14 * Double(turn), stops ? -0.1 : .infinity)
                return LidarRiderTests.view([(x: 0.5, y: 0, length: 0.2), (x: 1.8, y: walker, length: 0.3)])
            }
        }
        #expect(LidarEchoTests.walkers(crossings()) == expected, "\(crossings())")
        // Without the rule, the crossing on the prediction counts whatever follows.
        var hidden = LidarTracker.Settings()
        hidden.lostInViewMillis = .max
        #expect(LidarEchoTests.walkers(crossings(hidden)) == 1, "\(crossings(hidden))")
    }

    /// A walker 2 m out walks towards +y at 1.4 m/s and is seen until 0.6 m before the line; then no more
    /// (they turned back beside someone coming the other way, and went out of view). Their track coasts
    /// on in plain view for as long as it may (`coastMillis`, 2 s); the turn after, a sliver of someone
    /// else shows 0.6 m past the line, within the 2.4 m its gate has grown to by then. The track is ended that
    /// turn, before it could take the sliver over the line with it, and counts nothing. (Simulator,
    /// turn-backs seed 5.)
    @Test func aTrackThatHasCoastedAsLongAsItMayIsNotRevivedBySomeoneElse() {
        func crossings(_ settings: LidarTracker.Settings = .init()) -> [LineEvent] {
            LidarRiderTests.tracked(turns: 60, settings: settings) { turn in
                if turn <= 10 { return [LidarRiderTests.body(2.0, -2.0 + 0.14 * Double(turn))] }
                guard turn == 31 else { return [] }
                return [
                    Cluster(centre: PlanePoint(x: 2.0, y: 0.6), extent: 0.05, points: 2, nearestRange: 1.9)
                ]
            }
        }
        #expect(crossings().isEmpty, "\(crossings())")
        // Allowed to coast a turn longer, it takes the sliver and counts.
        var longer = LidarTracker.Settings()
        longer.coastMillis = 2100
        #expect(LidarEchoTests.walkers(crossings(longer)) == 1, "\(crossings(longer))")
    }

    @Test(arguments: [(0.17, 0), (0.3, 1)])
    func somethingNeverSeenAsWideAsAPersonCountsNothing(width: Double, expected: Int) {
        // A sliver of someone, a dog: it moves and crosses like a walker, 1.8 m out at 1.4 m/s, in the open.
        func crossings(_ settings: LidarTracker.Settings) -> [LineEvent] {
            LidarRiderTests.follow(turns: 40, settings: settings) { turn in
                LidarRiderTests.view([(x: 1.8, y: -2.0 + 0.14 * Double(turn), length: width)])
            }
        }
        let events = crossings(.init())
        #expect(events.count == expected, "\(events)")
        // It is followed all the same: without the rule it would count.
        var anyone = LidarTracker.Settings()
        anyone.wholeSightingsToCount = 0
        anyone.walkedInWholeSightings = 0
        #expect(crossings(anyone).count == 1)
    }
}
