// What a LiDAR sees past the edge of a walker's body: their far arm or bag is part of them, someone
// walking behind them is not.

import Testing

@testable import Counting

@Suite("LD06 clustering: parts of a body")
struct LidarPartTests {
    static let step = 0.8

    /// `count` returns from bearing `from` on, one sample apart, at `range` metres (a body seen front on
    /// is a little nearer in its middle).
    static func returns(from: Double, count: Int, range: Double) -> [ForegroundPoint] {
        (0..<count).map { k in
            let angle = from + Double(k) * step
            let middle = Double(count - 1) / 2
            let metres = range + 0.01 * (Double(k) - middle) * (Double(k) - middle) / max(1, middle)
            return ForegroundPoint(
                angle: angle, range: metres, point: PlanePoint(degrees: angle, metres: metres))
        }
    }

    static func clusters(_ points: [ForegroundPoint], hints: [TrackHint] = []) -> [Cluster] {
        var clusterer = Clusterer()
        var clusters: [Cluster] = []
        clusterer.clusters(of: points, stepDegrees: step, hints: hints, into: &clusters)
        return clusters
    }

    @Test func aBagJustPastTheBodysEdgeIsPartOfIt() {
        // A hip 0.25 m across at 2 m, and right after it in the view three returns 0.35 m farther.
        let body = Self.returns(from: 340, count: 9, range: 2.0)
        let bag = Self.returns(from: 340 + 9 * Self.step, count: 3, range: 2.35)
        let clusters = Self.clusters(body + bag)
        #expect(clusters.count == 2)
        #expect(clusters.first?.partOf == nil)
        #expect(clusters.last?.partOf == 0)
    }

    @Test func theSameOnTheOtherSideOfTheBody() {
        let bag = Self.returns(from: 340, count: 3, range: 2.35)
        let body = Self.returns(from: 340 + 3 * Self.step, count: 9, range: 2.0)
        let clusters = Self.clusters(bag + body)
        #expect(clusters.count == 2)
        #expect(clusters.first?.partOf == 1)
        #expect(clusters.last?.partOf == nil)
    }

    @Test func someoneWalkingBehindIsNotAPart() {
        // Abreast on the walkway: the second person's front is 0.6 m behind the first's.
        let near = Self.returns(from: 340, count: 9, range: 2.0)
        let far = Self.returns(from: 340 + 9 * Self.step, count: 8, range: 2.6)
        let clusters = Self.clusters(near + far)
        #expect(clusters.count == 2)
        #expect(clusters.allSatisfy { $0.partOf == nil })
    }

    @Test func somethingApartInTheViewIsNotAPart() {
        // Returns placed like the bag, but with three samples of background between them and the body.
        let body = Self.returns(from: 340, count: 9, range: 2.0)
        let other = Self.returns(from: 340 + 12 * Self.step, count: 3, range: 2.35)
        let clusters = Self.clusters(body + other)
        #expect(clusters.count == 2)
        #expect(clusters.allSatisfy { $0.partOf == nil })
    }

    @Test func aKnownWalkerKeepsToTheBodyNotTheBagBesideIt() {
        // The walker's track predicts a point between their body and their bag, a little nearer the
        // bag; it must take the body and the bag must start no track of its own.
        let body = Self.returns(from: 340, count: 9, range: 2.0)
        let bag = Self.returns(from: 340 + 9 * Self.step, count: 4, range: 2.35)
        let clusters = Self.clusters(body + bag)
        let bodyCentre = clusters[0].centre
        let bagCentre = clusters[1].centre
        var tracker = LidarTracker(
            line: CountingLine(p: PlanePoint(x: 0.3, y: 0), q: PlanePoint(x: 3.2, y: 0)),
            settings: LidarTracker.Settings())
        var events: [LineEvent] = []
        // Three turns of the whole walker in one cluster, standing still, confirm the track.
        let whole = Cluster(
            centre: bodyCentre + (bagCentre - bodyCentre) * 0.55, extent: 0.5, points: 13,
            nearestRange: 2.0, fromAngle: 340, toAngle: 340 + 12 * Self.step)
        for turn in 0..<3 { tracker.update([whole], time: Int64(turn) * 100, events: &events) }
        #expect(tracker.confirmedCount == 1)
        tracker.update(clusters, time: 300, events: &events)
        #expect(tracker.tracks.count == 1)
        #expect(tracker.tracks.first.map { $0.measured == bodyCentre } == true)
    }

    /// A walker lost in plain view at x = 2 m (they left the plane, say), while someone at x = 1.2 m,
    /// 0.5 m behind, walks on with a bag at their far side: on the sixth turn unseen, the bag is the one
    /// cluster left within the lost track's gate. Returns the lost track after that turn, and after it
    /// when the same cluster is not seen as part of the body beside it (someone on their own).
    static func lostBesideABag() -> (bag: LidarTracker.Track?, someone: LidarTracker.Track?) {
        func run(partOfTheBody: Bool) -> LidarTracker.Track? {
            var tracker = LidarTracker(
                line: CountingLine(p: PlanePoint(x: 0.3, y: 3), q: PlanePoint(x: 3.2, y: 3)),
                settings: LidarTracker.Settings())
            var events: [LineEvent] = []
            for turn in 0..<12 {
                let y = -1.5 + 0.12 * Double(turn)
                var clusters = [LidarRiderTests.body(1.2, y - 0.5)]
                if turn < 6 { clusters.append(LidarRiderTests.body(2.0, y)) }
                if turn == 11 {
                    var bag = Cluster(
                        centre: PlanePoint(x: 1.55, y: y - 0.5), extent: 0.12, points: 5, nearestRange: 1.5)
                    bag.partOf = partOfTheBody ? 0 : nil
                    clusters.append(bag)
                }
                tracker.update(clusters, time: Int64(turn) * 100, events: &events)
            }
            return tracker.tracks.first { $0.bornAt.x > 1.8 }
        }
        return (run(partOfTheBody: true), run(partOfTheBody: false))
    }

    @Test func aTrackLostInPlainViewDoesNotTakeTheBagOfSomeoneFollowed() {
        let (bag, someone) = Self.lostBesideABag()
        #expect(bag?.misses == 6, "\(String(describing: bag))")
        // Not part of the body beside it, the same cluster is the lost track's to take.
        #expect(someone?.misses == 0, "\(String(describing: someone))")
    }
}
