import CountBins
import Counting
import Testing

/// 2026-11-27T10:00:00Z in Unix seconds, a multiple of every bin length.
private let tenOClock: Int64 = 1_795_773_600

private func aggregator(_ length: BinLength = .oneMinute, graceMillis: Int64 = 5_000) -> Aggregator {
    Aggregator(configuration: .init(node: "gw", sensor: "door", length: length, graceMillis: graceMillis))
}

private func ms(_ seconds: Int64, plus millis: Int64 = 0) -> Int64 { (tenOClock + seconds) * 1000 + millis }

@Suite("Aggregator")
struct AggregatorTests {
    @Test func binsAreAlignedToUTCForEveryLength() {
        #expect(tenOClock % 3600 == 0)
        for length in BinLength.allCases {
            let start = length.start(containing: ms(length.seconds + 7, plus: 999))
            #expect(start == tenOClock + length.seconds)
            #expect(length.start(containing: ms(-1)) == tenOClock - length.seconds)
        }
    }

    @Test func countsLandInTheBinOfTheirTime() {
        var agg = aggregator()
        agg.count(.aToB, at: ms(10))
        agg.count(.bToA, at: ms(59, plus: 999))
        agg.count(.aToB, at: ms(60))
        let bins = agg.close(now: ms(200))
        #expect(bins.map(\.key.start) == [tenOClock, tenOClock + 60, tenOClock + 120])
        #expect(bins.map(\.aToB) == [1, 1, 0])
        #expect(bins.map(\.bToA) == [1, 0, 0])
    }

    @Test func fastMoversAreCountedApartFromPedestriansAndOnlyWhereTheSensorTellsThemApart() {
        var lidar = Aggregator(
            configuration: .init(node: "gw", sensor: "lidar", length: .oneMinute, countsFastMovers: true))
        lidar.count(.aToB, at: ms(10))
        lidar.count(.aToB, kind: .fastMover, at: ms(11))
        lidar.count(.bToA, kind: .fastMover, at: ms(12))
        lidar.count(.bToA, kind: .fastMover, at: ms(13))
        let bins = lidar.close(now: ms(200))
        #expect(bins.map(\.aToB) == [1, 0, 0])
        #expect(bins.map(\.bToA) == [0, 0, 0])
        // A quiet bin says "none seen", not "not told apart".
        #expect(bins.map(\.fastMovers) == [FastMovers(aToB: 1, bToA: 2), FastMovers(aToB: 0, bToA: 0), FastMovers(aToB: 0, bToA: 0)])
        var beams = aggregator()
        beams.count(.aToB, at: ms(10))
        #expect(beams.close(now: ms(200)).allSatisfy { $0.fastMovers == nil })
    }

    @Test func aResumedBinKeepsItsFastMovers() {
        var first = Aggregator(
            configuration: .init(node: "gw", sensor: "lidar", length: .oneMinute, countsFastMovers: true))
        first.count(.aToB, kind: .fastMover, at: ms(10))
        let early = first.closeAll(now: ms(20))
        #expect(early.first?.flags.contains(.closedEarly) == true)
        var second = Aggregator(
            configuration: .init(node: "gw", sensor: "lidar", length: .oneMinute, countsFastMovers: true))
        second.resume(early[0])
        second.count(.aToB, kind: .fastMover, at: ms(40))
        #expect(second.close(now: ms(120)).first?.fastMovers == FastMovers(aToB: 2, bToA: 0))
    }

    @Test func aBinClosesOnlyAGracePeriodAfterItsEnd() {
        var agg = aggregator(graceMillis: 5_000)
        agg.count(.aToB, at: ms(30))
        #expect(agg.close(now: ms(64, plus: 999)).isEmpty)
        let bins = agg.close(now: ms(65))
        #expect(bins.count == 1)
        #expect(bins.first?.key == BinKey(node: "gw", sensor: "door", start: tenOClock, length: .oneMinute))
    }

    @Test func pendingObservationsHoldABinOpen() {
        var agg = aggregator()
        agg.count(.aToB, at: ms(30))
        #expect(agg.close(now: ms(100), pendingSince: ms(58)).isEmpty)
        agg.count(.bToA, at: ms(58))
        let bins = agg.close(now: ms(100), pendingSince: nil)
        #expect(bins.first?.aToB == 1)
        #expect(bins.first?.bToA == 1)
    }

    @Test func aLateCrossingIsCountedInTheNextOpenBinNotLost() {
        var agg = aggregator()
        agg.count(.aToB, at: ms(30))
        _ = agg.close(now: ms(70))
        agg.count(.bToA, at: ms(40))
        #expect(agg.lateCrossings == 1)
        let bins = agg.close(now: ms(130))
        #expect(bins.map(\.bToA) == [1])
        #expect(bins.first?.key.start == tenOClock + 60)
    }

    @Test func coverageIsTheHealthyFractionOfTheBin() {
        var agg = aggregator()
        agg.record(from: ms(0), to: ms(45), healthy: true)
        agg.record(from: ms(45), to: ms(60), healthy: false, flags: .linkDown)
        let bin = agg.close(now: ms(100)).first
        #expect(bin?.coverage == 0.75)
        #expect(bin?.flags == .linkDown)
    }

    @Test func healthSpansAreSplitAcrossBinBoundaries() {
        var agg = aggregator()
        agg.record(from: ms(30), to: ms(150), healthy: true)
        let bins = agg.close(now: ms(200))
        #expect(bins.map(\.coverage) == [0.5, 1, 0.5])
    }

    @Test func binsWithoutAnyDataAfterTheFirstAreClosedWithZeroCoverage() {
        var agg = aggregator()
        agg.record(from: ms(0), to: ms(60), healthy: true)
        _ = agg.close(now: ms(70))
        agg.record(from: ms(180), to: ms(240), healthy: true)
        let bins = agg.close(now: ms(250))
        #expect(bins.map(\.key.start) == [tenOClock + 60, tenOClock + 120, tenOClock + 180])
        #expect(bins.map(\.coverage) == [0, 0, 1])
    }

    @Test func shutdownClosesTheOpenBinEarlyWithItsCoverage() {
        var agg = aggregator()
        agg.record(from: ms(0), to: ms(30), healthy: true)
        agg.count(.aToB, at: ms(20))
        let bins = agg.closeAll(now: ms(30))
        #expect(bins.count == 1)
        #expect(bins.first?.flags == .closedEarly)
        #expect(bins.first?.coverage == 0.5)
        #expect(bins.first?.aToB == 1)
    }

    @Test func aRestartWithinTheBinResumesTheEarlyClosedBin() {
        var first = aggregator()
        first.record(from: ms(0), to: ms(30), healthy: true)
        first.count(.aToB, at: ms(20))
        let stored = first.closeAll(now: ms(30))[0]

        var second = aggregator()
        second.resume(stored)
        second.record(from: ms(32), to: ms(60), healthy: true)
        second.count(.bToA, at: ms(40))
        let bin = second.close(now: ms(100)).first
        #expect(bin?.aToB == 1)
        #expect(bin?.bToA == 1)
        #expect(bin?.flags == [])
        #expect(bin?.coverage == (Double(58) / 60).rounded(to: 4))
    }

    @Test func flagsMarkOnlyTheBinsTheyTouch() {
        var agg = aggregator()
        agg.record(from: ms(0), to: ms(120), healthy: true)
        agg.flag(.sensorRestarted, at: ms(70))
        let bins = agg.close(now: ms(130))
        #expect(bins.map(\.flags) == [[], .sensorRestarted])
    }
}

extension Double {
    fileprivate func rounded(to digits: Int) -> Double {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        return (self * scale).rounded() / scale
    }
}
