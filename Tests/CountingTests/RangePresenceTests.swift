import Counting
import PCNT
import Testing

@Suite("RangePresence")
struct RangePresenceTests {
    /// Feeds `readings` at 10 ms apart from `start`; returns the edges with their sample index.
    func edges(_ presence: inout RangePresence, _ readings: [RangeReading], start: Int64 = 0) -> [ChannelEdge]
    {
        readings.enumerated().compactMap { presence.observe($1, at: start + Int64($0) * 10) }
    }

    let wall = RangeBaseline.surface(millimetres: 3000)

    @Test func someoneNearerThanTheWallByTheMarginIsPresentAfterTwoSamples() {
        var presence = RangePresence(channel: .a, baseline: wall)
        let readings: [RangeReading] =
            Array(repeating: .distance(millimetres: 2990), count: 5)
            + Array(repeating: .distance(millimetres: 1400), count: 20)
            + Array(repeating: .distance(millimetres: 3010), count: 5)
        let found = edges(&presence, readings)
        #expect(
            found == [
                ChannelEdge(channel: .a, occupied: true, time: 60),
                ChannelEdge(channel: .a, occupied: false, time: 260),
            ])
    }

    @Test func aSingleOddSampleIsNoise() {
        var presence = RangePresence(channel: .b, baseline: wall)
        let readings: [RangeReading] = [
            .distance(millimetres: 3000), .distance(millimetres: 900), .distance(millimetres: 3000),
            .distance(millimetres: 3000),
        ]
        #expect(edges(&presence, readings).isEmpty)
    }

    @Test func readingsHoveringAtTheThresholdDoNotChatter() {
        // Threshold 2750, release above 2850: a body edge wobbling 2700–2800 stays one presence.
        var presence = RangePresence(channel: .a, baseline: wall)
        let wobble: [RangeReading] = (0..<40).map { .distance(millimetres: $0 % 2 == 0 ? 2700 : 2800) }
        let readings: [RangeReading] =
            [.distance(millimetres: 2700), .distance(millimetres: 2700)] + wobble
            + Array(repeating: .distance(millimetres: 2990), count: 3)
        let found = edges(&presence, readings)
        #expect(found.map(\.occupied) == [true, false])
    }

    @Test func noReturnAgainstAWallHoldsTheStateAndTooLongMakesTheChannelBlind() {
        var presence = RangePresence(channel: .a, baseline: wall)
        var readings: [RangeReading] = Array(repeating: .distance(millimetres: 1200), count: 3)
        readings += Array(repeating: .noReturn, count: 100)  // 1 s: a dark coat
        readings += Array(repeating: .distance(millimetres: 3000), count: 3)
        let found = edges(&presence, readings)
        #expect(found.map(\.occupied) == [true, false])
        #expect(found.last?.time == 1040)
        #expect(!presence.isBlind)

        readings = Array(repeating: .saturated, count: 300)  // 3 s of low sun
        _ = edges(&presence, readings, start: 2000)
        #expect(presence.isBlind)
        _ = presence.observe(.distance(millimetres: 3000), at: 6000)
        #expect(!presence.isBlind)
        #expect(presence.statistics.blindEpisodes == 1)
    }

    @Test func againstAnOpenSceneAnyReturnWithinTheZoneIsSomeoneAndNoReturnIsEmpty() {
        var presence = RangePresence(channel: .a, baseline: .open)
        let readings: [RangeReading] =
            Array(repeating: .noReturn, count: 5) + Array(repeating: .distance(millimetres: 7000), count: 5)
            + Array(repeating: .distance(millimetres: 1500), count: 10)
            + Array(repeating: .noReturn, count: 5)
        let found = edges(&presence, readings)
        #expect(found.map(\.occupied) == [true, false])
        #expect(found.map(\.time) == [110, 210])
    }
}

@Suite("BaselineLearner")
struct BaselineLearnerTests {
    @Test func theMedianDistanceIsTheWallEvenWithPeopleWalkingThrough() {
        var learner = BaselineLearner()
        for i in 0..<1000 {
            // 30 % of the time someone at 1.2 m; the wall at 3.2 m with ±3 cm noise.
            learner.observe(
                i % 10 < 3 ? .distance(millimetres: 1200) : .distance(millimetres: 3170 + (i * 7) % 60))
        }
        guard case .surface(let distance) = learner.baseline else {
            Issue.record("expected a surface, got \(String(describing: learner.baseline))")
            return
        }
        #expect(abs(distance - 3200) <= 30)
        #expect(abs(learner.shareNearer(than: 250) - 0.3) < 0.01)
    }

    @Test func mostlyNoReturnIsAnOpenScene() {
        var learner = BaselineLearner()
        for i in 0..<100 { learner.observe(i % 5 == 0 ? .distance(millimetres: 1500) : .noReturn) }
        #expect(learner.baseline == .open)
    }

    @Test func mostlySaturatedSaysNothing() {
        var learner = BaselineLearner()
        for i in 0..<100 { learner.observe(i % 3 == 0 ? .distance(millimetres: 1500) : .saturated) }
        #expect(learner.baseline == nil)
    }

    @Test func aPairWithoutBaselinesLearnsThenCounts() {
        var pair = RangePair(configuration: .init(learnMillis: 1000))
        var edges: [ChannelEdge] = []
        for k in 0..<400 {
            let time = Int64(k) * 10
            let body = k >= 200 && k < 230
            for channel in [Channel.a, .b] {
                let reading: RangeReading = .distance(millimetres: body ? 1000 : 2500)
                if let edge = pair.observe(reading, on: channel, at: time) { edges.append(edge) }
            }
            if k == 50 { #expect(pair.isDegraded) }
        }
        #expect(!pair.isDegraded)
        #expect(pair.baseline(.a) == .surface(millimetres: 2505))
        #expect(edges.count == 4)
    }
}

@Suite("RangePresence follows the scene")
struct SceneChangeTests {
    @Test func aBinPutInTheLineOfSightBecomesTheSceneAndPeopleInFrontOfItCountAgain() {
        var presence = RangePresence(channel: .a, baseline: .surface(millimetres: 3000))
        var edges: [ChannelEdge] = []
        var time: Int64 = 0
        func feed(_ millimetres: Int, for millis: Int64) {
            let end = time + millis
            while time < end {
                // ±2 cm of noise, as a still object gives.
                if let edge = presence.observe(
                    .distance(millimetres: millimetres + Int(time / 10 % 5) * 10 - 20), at: time)
                {
                    edges.append(edge)
                }
                time += 10
            }
        }
        feed(3000, for: 5_000)
        feed(2000, for: 150_000)  // a wheelie bin, 1 m in front of the wall
        #expect(edges.map(\.occupied) == [true, false])
        #expect(edges.last!.time >= 125_000 && edges.last!.time <= 125_100)
        #expect(presence.baseline == .surface(millimetres: 1980))
        feed(900, for: 300)  // someone walks between the sensor and the bin
        feed(2000, for: 5_000)
        #expect(edges.map(\.occupied) == [true, false, true, false])
        feed(3000, for: 12_000)  // the bin is taken away
        #expect(presence.baseline == .surface(millimetres: 2980))
        #expect(presence.statistics.sceneChanges == 2)
        feed(1500, for: 300)
        feed(3000, for: 1_000)
        #expect(edges.map(\.occupied) == [true, false, true, false, true, false])
    }

    @Test func someoneStandingAndShiftingIsNotTakenForTheScene() {
        var presence = RangePresence(channel: .a, baseline: .surface(millimetres: 3000))
        var edges: [ChannelEdge] = []
        // Three minutes at 1.2 m, swaying by ±15 cm every few seconds.
        for k in 0..<18_000 {
            let sway = (k / 300) % 2 == 0 ? -150 : 150
            if let edge = presence.observe(.distance(millimetres: 1200 + sway), at: Int64(k) * 10) {
                edges.append(edge)
            }
        }
        #expect(edges.map(\.occupied) == [true])
        #expect(presence.statistics.sceneChanges == 0)
    }
}
