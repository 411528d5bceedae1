import CountBins
import Counting
import Testing

@Suite("Fast movers")
struct FastMoverTests {
    @Test func aBicycleReachesTheAggregatorAsAFastMoverCrossingWithItsDirectionAndTime() {
        var detector = LidarDetector(configuration: .init(line: Street.line, background: Street.background))
        var crossings: [Crossing] = []
        var time = 0.0
        // 5.5 m/s from side B to side A, past the line (y = 0) at t = 5/5.5 s.
        while time < 2 {
            detector.handle(
                Street.scan(
                    at: Int64(time * 1000), people: [], bicycles: [PlanePoint(x: 1.6, y: 5 - 5.5 * time)]),
                into: &crossings)
            time += 0.1
        }
        detector.reset(into: &crossings)
        #expect(crossings.map(\.kind) == [.fastMover])
        #expect(crossings.map(\.direction) == [.bToA])
        #expect(abs((crossings.first?.time ?? 0) - 909) < 300)
    }

    @Test func withoutAFastMoverSpeedEveryoneIsAPedestrianAndBinsCarryNoFastMovers() {
        let configuration = LD06Counter.Configuration(
            bins: .init(node: "gw", sensor: "lidar", length: .oneMinute),
            detector: .init(line: Street.line, background: Street.background, fastMoverSpeed: nil))
        #expect(!configuration.bins.countsFastMovers)
        let separating = LD06Counter.Configuration(
            bins: .init(node: "gw", sensor: "lidar", length: .oneMinute),
            detector: .init(line: Street.line, background: Street.background))
        #expect(separating.bins.countsFastMovers)
    }
}
