// Someone who crosses the line hidden behind a person nearer the sensor, and is first seen on it.

import Testing

@testable import Counting

@Suite("LD06 tracking: someone emerging on the line")
struct LidarEmergingTests {
    /// Someone standing by the facade just before the line (0.5 m out, up to the line), hiding the
    /// walkway 1.8 m out from 1.62 m before the line up to it.
    private static let bystander = (x: 0.5, y: -0.225, length: 0.45)

    /// The crossings of a walker 1.8 m out walking towards +y at 1.4 m/s from `start`, seen from
    /// `firstTurn` on (before it they are not there: out of a doorway, say), with or without the
    /// bystander. Walking from -1.45 they are hidden until turn 10 and emerge on the line at turn 11:
    /// 0.24 m of them shows, centred 0.12 m past it.
    /// `jogger`, if given, comes into view 1.4 m out at turn 12, 0.35 m past the line (on side B), and
    /// runs on towards +y at 2 m/s.
    private static func crossings(
        start: Double, firstTurn: Int = 0, bystander present: Bool, jogger: Bool = false
    ) -> [LineEvent] {
        LidarRiderTests.follow(turns: 50) { turn in
            var surfaces: [(x: Double, y: Double, length: Double)] = present ? [bystander] : []
            if turn >= firstTurn { surfaces.append((x: 1.8, y: start + 0.14 * Double(turn), length: 0.3)) }
            if jogger, turn >= 12 {
                surfaces.append((x: 1.4, y: 0.35 + 0.2 * Double(turn - 12), length: 0.3))
            }
            return LidarRiderTests.view(surfaces)
        }
    }

    @Test func someoneFirstSeenOnTheLineFromBehindSomeoneNearerCrossedIt() {
        let events = Self.crossings(start: -1.45, bystander: true)
        #expect(events.count == 1, "\(events)")
        guard case .crossed(.aToB, let time) = events.first else {
            Issue.record("not a walker crossing a→b: \(events)")
            return
        }
        // Counted at the turn they were first seen (1.1 s); they passed the line at 1.04 s.
        #expect(abs(time - 1100) <= 100, "\(events)")
    }

    @Test func someoneEmergingSeenNextAsASliverBesideSomeoneNearerIsCountedWhenSeenWhole() {
        // At turns 12 and 13 the jogger, nearer the sensor, hides part of them, and what shows lies right
        // beside the jogger's edge: a part of a nearer body, whose centre says little of where they walk.
        // Whole at turn 14, 0.5 m past the line, walking off it: they crossed while hidden.
        let events = Self.crossings(start: -1.45, bystander: true, jogger: true)
        #expect(events.count == 1, "\(events)")
        #expect(events.allSatisfy { if case .crossed(.aToB, _) = $0 { true } else { false } }, "\(events)")
    }

    @Test func binsWaitForSomeoneEmergingUntilTheyWalkOff() {
        // At the turn they are first seen on the line, which side they came from is not known yet; the
        // crossing it may become is dated then, so the bin that time falls in must not close.
        var clusterer = Clusterer()
        var tracker = LidarTracker(line: LidarRiderTests.line, settings: .init())
        var hints: [TrackHint] = []
        var clusters: [Cluster] = []
        var events: [LineEvent] = []
        for turn in 0...11 {
            tracker.predict(to: Int64(turn) * 100)
            tracker.hints(into: &hints)
            let walker = (x: 1.8, y: -1.45 + 0.14 * Double(turn), length: 0.3)
            clusterer.clusters(
                of: LidarRiderTests.view([Self.bystander, walker]), stepDegrees: LidarRiderTests.step,
                hints: hints, into: &clusters)
            tracker.update(clusters, time: Int64(turn) * 100, events: &events)
        }
        #expect(events.isEmpty)
        #expect(tracker.pendingSince == 1100)
    }

    @Test func someoneFollowedIntoTheShadowAndOutIsCountedOnce() {
        // Seen from 3.5 m before the line, hidden for 1.2 s behind the bystander, seen again past it.
        let events = Self.crossings(start: -3.5, bystander: true)
        #expect(events.count == 1, "\(events)")
        #expect(events.allSatisfy { if case .crossed(.aToB, _) = $0 { true } else { false } }, "\(events)")
    }

    @Test func someoneFirstSeenOnTheLineInTheOpenCameFromNowhere() {
        // Stepping onto the line out of a doorway, with no one nearer the sensor: no crossing.
        let events = Self.crossings(start: -1.45, firstTurn: 11, bystander: false)
        #expect(events.isEmpty, "\(events)")
    }
}
