// Ground truth: crossings, turn-backs, overlaps and UTC-aligned bins.

import PassantSimulator
import Testing

@Suite struct GroundTruthTests {
    @Test func binTotalsEqualTheCrossings() {
        let truth = render(Scenario.dense.walkway, seconds: 1_800, seed: 21, binSeconds: 300).truth
        let crossings = truth.crossings
        #expect(truth.bins.map(\.aToB).reduce(0, +) == crossings.count { $0.direction == .aToB })
        #expect(truth.bins.map(\.bToA).reduce(0, +) == crossings.count { $0.direction == .bToA })
        #expect(truth.bins.map(\.turnBacks).reduce(0, +) == truth.turnBacks.count)
        #expect(truth.bins.map(\.overlapped).reduce(0, +) == truth.overlapped)
        #expect(crossings.allSatisfy { $0.time >= 0 && $0.time < 1_800_000 })
    }

    @Test func binsAreAlignedToUTCAndPartialAtTheEdges() {
        // 12:00:30 for 150 s with 60 s bins: 12:00 (half), 12:01, 12:02 (whole), 12:03 (none of it: ends 12:03:00).
        let start = UTCTime.parse("2025-06-01T12:00:30Z")!
        let truth = render(Scenario.moderate.walkway, seconds: 150, startUnixMillis: start).truth
        #expect(
            truth.bins.map { UTCTime.format(unixMillis: $0.startUnixSeconds * 1000) } == [
                "2025-06-01T12:00:00Z", "2025-06-01T12:01:00Z", "2025-06-01T12:02:00Z",
            ])
        #expect(truth.bins.map(\.coverage) == [0.5, 1, 1])
        for crossing in truth.crossings {
            let bin = (start + crossing.time) / 60_000 * 60
            #expect(truth.bins.contains { $0.startUnixSeconds == bin })
        }
    }

    @Test func crossingTimeIsWhenTheCentrePassesTheMiddle() {
        let walkers = [
            Pedestrian.walker(id: 0, direction: .aToB, crossingTime: 12.3456),
            Pedestrian.walker(id: 1, direction: .bToA, crossingTime: 59.9994),
            Pedestrian.walker(id: 2, direction: .aToB, crossingTime: 60.0004),
        ]
        let truth = render(people: walkers, seconds: 70).truth
        #expect(truth.crossings.map(\.time) == [12_346, 59_999, 60_000])
        #expect(truth.crossings.map(\.direction) == [.aToB, .bToA, .aToB])
        #expect(truth.bins.map(\.aToB) == [1, 1] && truth.bins.map(\.bToA) == [1, 0])
    }

    @Test func turnBacksAreNeverCrossings() {
        let truth = render(Scenario.turnBacks.walkway, seconds: 3_600, seed: 5).truth
        let turnBacks = truth.turnBacks
        #expect(turnBacks.count > 50)
        #expect(turnBacks.contains { $0.touchedBothBeams } && turnBacks.contains { !$0.touchedBothBeams })
        let crossers = Set(truth.crossings.map(\.person))
        #expect(turnBacks.allSatisfy { !crossers.contains($0.person) })
    }

    @Test func aSideBySidePairOverlapsAndSomeoneAloneDoesNot() {
        let people = [
            Pedestrian.walker(id: 0, direction: .aToB, crossingTime: 10.0, group: 0, groupSize: 2),
            Pedestrian.walker(id: 1, direction: .aToB, crossingTime: 10.1, group: 0, groupSize: 2),
            Pedestrian.walker(id: 2, direction: .bToA, crossingTime: 30.0),
        ]
        let truth = render(people: people, seconds: 60).truth
        #expect(truth.crossings.map(\.overlapped) == [true, true, false])
        #expect(truth.overlapped == 2)
        #expect(truth.bins[0].overlapped == 2 && truth.bins[0].aToB == 2 && truth.bins[0].bToA == 1)
    }

    @Test func peopleMeetingHeadOnOverlapAndSingleFileWithAGapDoesNot() {
        let people = [
            // Head-on: both in the zone around 10 s.
            Pedestrian.walker(id: 0, direction: .aToB, crossingTime: 10.0),
            Pedestrian.walker(id: 1, direction: .bToA, crossingTime: 10.2),
            // Single file: 0.5 s apart at 1.34 m/s is 0.67 m centre to centre, more than zone + bodies.
            Pedestrian.walker(id: 2, direction: .aToB, crossingTime: 20.0),
            Pedestrian.walker(id: 3, direction: .aToB, crossingTime: 20.5),
            // Single file, touching: 0.25 s apart is 0.335 m, less than the 0.45 m it takes to clear.
            Pedestrian.walker(id: 4, direction: .aToB, crossingTime: 30.0),
            Pedestrian.walker(id: 5, direction: .aToB, crossingTime: 30.25),
        ]
        let truth = render(people: people, seconds: 60).truth
        #expect(truth.crossings.map(\.overlapped) == [true, true, false, false, true, true])
    }

    @Test func jsonLinesCarryTheAgreedFields() {
        let people = [Pedestrian.walker(id: 0, direction: .aToB, crossingTime: 1.5)]
        let start = UTCTime.parse("2025-06-01T12:00:00Z")!
        let lines = render(people: people, seconds: 60, startUnixMillis: start).truth.jsonLines(
            summaryExtra: [
                ("seed", .integer(1))
            ])
        #expect(
            lines == [
                #"{"type":"crossing","time":"2025-06-01T12:00:01.500Z","t_ms":1500,"direction":"a_to_b","person":0,"group":0,"group_size":1,"paused":false,"overlapped":false}"#,
                #"{"type":"bin","start":"2025-06-01T12:00:00Z","seconds":60,"a_to_b":1,"b_to_a":0,"overlapped":0,"turnbacks":0,"coverage":1.0}"#,
                #"{"type":"summary","start":"2025-06-01T12:00:00.000Z","end":"2025-06-01T12:01:00.000Z","seconds":60.0,"crossings":1,"a_to_b":1,"b_to_a":0,"turnbacks":0,"overlapped":0,"overlapped_crossings":0,"paused":0,"seed":1}"#,
            ])
    }

    @Test func iso8601RoundTrips() {
        #expect(UTCTime.format(unixMillis: 0) == "1970-01-01T00:00:00Z")
        #expect(UTCTime.format(unixMillis: 951_782_400_123, milliseconds: true) == "2000-02-29T00:00:00.123Z")
        #expect(UTCTime.format(unixMillis: -1, milliseconds: true) == "1969-12-31T23:59:59.999Z")
        #expect(UTCTime.parse("2000-02-29T00:00:00.123Z") == 951_782_400_123)
        #expect(UTCTime.parse("2025-06-01T14:00:00+02:00") == UTCTime.parse("2025-06-01T12:00:00Z"))
        #expect(UTCTime.parse("2025-02-29T00:00:00Z") == nil)
        #expect(UTCTime.parse("2025-06-01T12:00:00") == nil)
        for millis in stride(from: Int64(-5_000_000_000_000), to: 5_000_000_000_000, by: 123_456_789_011) {
            #expect(UTCTime.parse(UTCTime.format(unixMillis: millis, milliseconds: true)) == millis)
        }
    }
}
