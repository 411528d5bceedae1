// What a LiDAR sees past the edge of a walker's body: their far arm or bag is part of them, someone
// walking behind them is not.

@testable import Counting
import Testing

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
            return ForegroundPoint(angle: angle, range: metres, point: PlanePoint(degrees: angle, metres: metres))
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
}
