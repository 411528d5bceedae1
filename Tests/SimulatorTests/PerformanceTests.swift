// The simulator must be fast enough to render hours of a busy walkway in tests.

import PassantSimulator
import Testing

@Suite struct PerformanceTests {
    @Test func anHourOfDenseRendersQuickly() {
        let clock = ContinuousClock()
        var count = 0
        let elapsed = clock.measure {
            count = render(Scenario.dense.walkway, seconds: 3_600, seed: 1).chunks.count
        }
        print("an hour of dense: \(count) chunks in \(elapsed)")
        // Generous: debug builds on a shared machine. A release build takes a fraction of this.
        #expect(elapsed < .seconds(20))
    }
}
