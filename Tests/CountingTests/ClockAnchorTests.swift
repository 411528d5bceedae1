import Counting
import Testing

@Suite("ClockAnchor")
struct ClockAnchorTests {
    @Test func aFixedEpochMapsTimelineZeroToTheEpochAndIgnoresArrivals() {
        var anchor = ClockAnchor(.fixed(epoch: 1_000_000))
        anchor.observe(sensorTime: 5_000, arrival: 99_999_999)
        #expect(anchor.utc(5_000) == 1_005_000)
    }

    @Test func theSystemClockAnchorFollowsTheEarliestArrival() {
        var anchor = ClockAnchor(.systemClock)
        #expect(anchor.utc(0) == nil)
        anchor.observe(sensorTime: 1_000, arrival: 50_080)
        #expect(anchor.utc(1_000) == 50_080)
        // A sentence that arrives sooner than predicted shows the first one was delayed.
        anchor.observe(sensorTime: 2_000, arrival: 51_010)
        #expect(anchor.utc(2_000) == 51_010)
        // Later ones arriving with a little delay do not move it.
        anchor.observe(sensorTime: 3_000, arrival: 52_040)
        #expect(anchor.utc(3_000) == 52_010)
    }

    @Test func driftOfASlowNodeClockIsAbsorbedWindowByWindow() {
        var anchor = ClockAnchor(.systemClock)
        // The node's crystal runs 100 ppm slow: its tick falls behind UTC by 0.1 ms per second.
        var worst: Int64 = 0
        for second in Int64(0)...7_200 {
            let sensor = second * 1000 - second / 10
            let arrival = 1_000_000 + second * 1000 + 3
            anchor.observe(sensorTime: sensor, arrival: arrival)
            worst = max(worst, abs(arrival - 3 - anchor.utc(sensor)!))
        }
        // Without correction the error would reach 720 ms after two hours.
        #expect(worst <= 10)
    }

    @Test func aClockStepReanchors() {
        var anchor = ClockAnchor(.systemClock)
        anchor.observe(sensorTime: 0, arrival: 1_000_000)
        anchor.observe(sensorTime: 1_000, arrival: 3_601_000 + 1_000)
        #expect(anchor.utc(1_000) == 3_602_000)
        #expect(anchor.steps == 1)
    }
}
