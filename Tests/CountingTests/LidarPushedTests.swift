// Something pushed ahead of a walker (a pram, a trolley) is no one; someone close behind another is.

import Testing

@testable import Counting

@Suite("LD06 tracking: prams and trolleys")
struct LidarPushedTests {
    /// The crossings of a walker (0.3 m along their way at hip height) at x = 1.5 walking towards +y at
    /// 1.2 m/s, with something `length` long `ahead` metres in front of their centre.
    private static func crossings(ahead: Double, length: Double) -> [LineEvent] {
        LidarRiderTests.follow(turns: 60) { turn in
            let y = -3.5 + 0.12 * Double(turn)
            return LidarRiderTests.view([(x: 1.5, y: y + ahead, length: length), (x: 1.5, y: y, length: 0.3)])
        }
    }

    @Test func aPramPushedAheadOfAWalkerIsNoOne() {
        // A pram is 0.85 m long; its middle 0.85 m ahead of the pusher's, with a hand's gap between them.
        // The pusher passes the line at 2.92 s, the pram at 2.21 s: the one crossing is the pusher's.
        let events = Self.crossings(ahead: 0.85, length: 0.85)
        #expect(events.count == 1, "\(events)")
        guard case .crossed(.aToB, let time) = events.first else {
            Issue.record("not a walker crossing a→b: \(events)")
            return
        }
        #expect(abs(time - 2917) <= 150, "the pusher's time: \(events)")
    }

    @Test func aPramFollowedByTwoTracksIsStillAsLongAsAPram() {
        // A track on each half of a pram (a ghost born on its rear): the clusterer splits it between
        // them, and each half must still tell the tracker how long the whole is.
        let pram = LidarRiderTests.surface(x: 1.5, y: 0, length: 0.85)
        let hints = [-0.21, 0.21].map {
            TrackHint(position: PlanePoint(x: 1.6, y: $0), speed: 1.1, confirmed: true, speedKnown: true)
        }
        let halves = LidarRiderTests.clusters(pram, hints: hints)
        #expect(halves.count == 2)
        #expect(halves.allSatisfy { $0.extent < 0.5 && $0.span > 0.8 }, "\(halves)")
    }

    @Test(arguments: [0.6, 0.85, 1.2])
    func twoPeopleCloseBehindEachOtherAreTwo(apart: Double) {
        // The one in front is person-sized: someone walking close behind another pushes nothing.
        let events = Self.crossings(ahead: apart, length: 0.3)
        #expect(events.count == 2, "\(events)")
        #expect(events.allSatisfy { if case .crossed(.aToB, _) = $0 { true } else { false } })
    }
}
