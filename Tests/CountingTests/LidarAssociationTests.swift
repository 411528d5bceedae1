// Which track takes which cluster when tracks vie for one.

import Testing

@testable import Counting

@Suite("LD06 tracking: association")
struct LidarAssociationTests {
    /// Two people walk side by side towards +y at 1.4 m/s, 0.6 m apart: `walker` at x = 1.6, and someone
    /// at x = 1.0 who drops out of view at turn 5 (dark clothes, or a track that was only ever on a bag).
    /// Their track coasts on in plain view, its gate widening by 0.9 m a second. The walker, seen every
    /// turn 0.6 m from that prediction, keeps their own track: a track unsure where it is does not take
    /// the cluster of someone followed turn by turn.
    @Test func aTrackCoastingInPlainViewDoesNotTakeTheClusterOfSomeoneFollowedBesideIt() {
        var tracker = LidarTracker(line: LidarRiderTests.line, settings: LidarTracker.Settings())
        var events: [LineEvent] = []
        func y(_ turn: Int) -> Double { -2.5 + 0.14 * Double(turn) }
        for turn in 0..<5 {
            tracker.update(
                [LidarRiderTests.body(1.6, y(turn)), LidarRiderTests.body(1.0, y(turn))],
                time: Int64(turn) * 100, events: &events)
        }
        #expect(tracker.confirmedCount == 2)
        let walker = tracker.tracks.first { $0.position.x > 1.3 }?.id
        let beside = tracker.tracks.first { $0.position.x < 1.3 }?.id
        for turn in 5..<20 {
            tracker.update([LidarRiderTests.body(1.6, y(turn))], time: Int64(turn) * 100, events: &events)
            let walkerTrack = tracker.tracks.first { $0.id == walker }
            #expect(walkerTrack?.misses == 0, "turn \(turn)")
            #expect(walkerTrack.map { abs($0.position.x - 1.6) < 0.05 } == true, "turn \(turn)")
            let besideTrack = tracker.tracks.first { $0.id == beside }
            #expect(besideTrack.map { $0.misses > 0 } ?? true, "turn \(turn)")
        }
    }

    /// Someone walking alone towards +y at 1.4 m/s goes unseen for a second (dark clothes) and slows down
    /// meanwhile: they are seen again 1.2 m behind where their track coasted to, within its gate. Nobody
    /// else wants that cluster, so their track takes it, however unsure where they were.
    @Test func aTrackAloneTakesAClusterAnywhereWithinItsGate() {
        var tracker = LidarTracker(line: LidarRiderTests.line, settings: LidarTracker.Settings())
        var events: [LineEvent] = []
        for turn in 0..<5 {
            tracker.update(
                [LidarRiderTests.body(1.6, -2.5 + 0.14 * Double(turn))], time: Int64(turn) * 100,
                events: &events)
        }
        let id = tracker.tracks.first?.id
        for turn in 5..<15 { tracker.update([], time: Int64(turn) * 100, events: &events) }
        let predicted = -2.5 + 0.14 * 15
        tracker.update([LidarRiderTests.body(1.6, predicted - 1.2)], time: 1500, events: &events)
        #expect(tracker.tracks.count == 1)
        #expect(tracker.tracks.first?.id == id)
        #expect(tracker.tracks.first?.misses == 0)
    }

    /// Two people pass each other on the line, 0.15 m apart across the walkway, one walking towards +y at
    /// x = 2.2, the other towards −y at x = 2.05, both hidden behind someone standing on the line nearer
    /// the sensor while they are within half a metre of it. Their tracks coast on their predictions,
    /// which pass within `duplicateDistance` of each other: two people passing, not one body seen twice.
    /// Each is counted, one each way. (Were one track dropped as a ghost, its walker would be seen again
    /// past the line by a new track, and counted by none.)
    @Test func twoPeoplePassingEachOtherHiddenOnTheLineAreBothCounted() {
        var standing = Cluster(
            centre: PlanePoint(x: 1.4, y: 0), extent: 0.4, points: 24, nearestRange: 1.25)
        (standing.fromAngle, standing.toAngle) = (351.9, 368.1)
        let events = LidarRiderTests.tracked(turns: 40) { turn in
            var clusters = [standing]
            for (x, y) in [(2.2, -2.0 + 0.13 * Double(turn)), (2.05, 1.95 - 0.13 * Double(turn))]
            where abs(y) >= 0.5 {
                clusters.append(LidarRiderTests.body(x, y))
            }
            return clusters
        }
        let crossings = events.compactMap { event -> Direction? in
            if case .crossed(let direction, _) = event { direction } else { nil }
        }
        #expect(crossings.count == 2, "\(events)")
        #expect(Set(crossings) == [.aToB, .bToA], "\(events)")
    }

    /// Two people pass each other past the line: one walks towards +y at x = 2.0 and turns into a doorway
    /// at y = 1.2, out of view; the other walks towards −y at x = 1.6, a bag on their far side 0.35 m
    /// out, seen from y = 2 on. Where the first one's track looks for them, it finds the bag (it takes
    /// it once, where the two met), which then moves back at the oncoming walker's pace: it is theirs.
    /// Followed, it would turn the track round and take it back over the line, a third crossing where
    /// two people made two.
    @Test func aTrackWhoseWalkerWentOutOfViewAsTheyPassedSomeoneDoesNotFollowTheirBagBack() {
        func events(_ settings: LidarTracker.Settings = .init()) -> [LineEvent] {
            LidarRiderTests.tracked(turns: 90, settings: settings) { turn in
                let first = -3 + 0.13 * Double(turn)
                let oncoming = 5.5 - 0.13 * Double(turn)
                var clusters = [LidarRiderTests.body(1.6, oncoming)]
                if oncoming < 2 {
                    clusters.append(
                        Cluster(
                            centre: PlanePoint(x: 1.95, y: oncoming - 0.05), extent: 0.2, points: 12,
                            nearestRange: 1.9))
                }
                if first < 1.2 { clusters.append(LidarRiderTests.body(2.0, first)) }
                return clusters
            }
        }
        func crossings(_ events: [LineEvent]) -> [Direction] {
            events.compactMap { if case .crossed(let direction, _) = $0 { direction } else { nil } }
        }
        #expect(crossings(events()) == [.aToB, .bToA], "\(events())")
        var unaware = LidarTracker.Settings()
        unaware.backStepSpeed = .infinity
        #expect(crossings(events(unaware)).count == 3)
    }
}
