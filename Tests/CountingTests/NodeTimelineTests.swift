// NodeTimeline: a node's ticks and seqs placed on one continuous, honest timeline.

import Counting
import PCNT
import TestSupport
import Testing

private func keepalive(_ seq: UInt16, _ tick: UInt32) -> NodeSentence {
    NodeSentence(seq: seq, tick: tick, message: .keepalive)
}

private func hello(_ seq: UInt16, _ tick: UInt32) -> NodeSentence {
    NodeSentence(
        seq: seq, tick: tick, message: .hello(Hello(nodeID: "node-17", firmware: "1.4.2", kind: .ir2)))
}

/// Observes every sentence in order and returns the steps.
private func observeAll(_ sentences: [NodeSentence], into timeline: inout NodeTimeline) -> [TimelineStep] {
    sentences.map { timeline.observe($0) }
}

@Suite("NodeTimeline")
struct NodeTimelineTests {
    @Test("the first sentence puts time at its tick, with no loss, no reboot and no silence")
    func firstSentence() {
        var timeline = NodeTimeline()
        let step = timeline.observe(keepalive(17, 123456))
        #expect(step == TimelineStep(time: 123456, lostSentences: 0, rebooted: false, silenceMillis: 0))
        #expect(timeline.time == 123456)
        #expect(timeline.lostSentencesTotal == 0)
        #expect(timeline.reboots == 0)
    }

    @Test("time advances by the tick difference (the spec's A→B walk)")
    func advancesByTick() {
        var timeline = NodeTimeline()
        let walk: [NodeSentence] = [
            NodeSentence(seq: 17, tick: 123456, message: .beam(.a, interrupted: true)),
            NodeSentence(seq: 18, tick: 123690, message: .beam(.b, interrupted: true)),
            NodeSentence(seq: 19, tick: 123801, message: .beam(.a, interrupted: false)),
            NodeSentence(seq: 20, tick: 124002, message: .beam(.b, interrupted: false)),
        ]
        let steps = observeAll(walk, into: &timeline)
        #expect(steps.map(\.time) == [123456, 123690, 123801, 124002])
        #expect(steps.map(\.silenceMillis) == [0, 234, 111, 201])
        #expect(steps.map(\.lostSentences) == [0, 0, 0, 0])
    }

    @Test("the u32 tick wrap 4294967295 → 0 continues upward")
    func tickWrap() {
        var timeline = NodeTimeline()
        let steps = observeAll(
            [keepalive(1, 4_294_966_800), keepalive(2, 4_294_967_295), keepalive(3, 0), keepalive(4, 1000)],
            into: &timeline)
        #expect(steps.map(\.time) == [4_294_966_800, 4_294_967_295, 4_294_967_296, 4_294_968_296])
        #expect(steps.map(\.rebooted) == [false, false, false, false])
        #expect(timeline.tickRegressions == 0)
    }

    @Test("a tick wrap with sentences lost across it still continues upward")
    func tickWrapWithLoss() {
        var timeline = NodeTimeline()
        _ = timeline.observe(keepalive(10, 4_294_967_000))
        let step = timeline.observe(keepalive(15, 4200))
        #expect(
            step
                == TimelineStep(
                    time: 4_294_967_000 + 4496, lostSentences: 4, rebooted: false, silenceMillis: 4496))
    }

    @Test("the u16 seq wrap 65535 → 0 is not a gap")
    func seqWrap() {
        var timeline = NodeTimeline()
        let steps = observeAll(
            [keepalive(65534, 1000), keepalive(65535, 2000), keepalive(0, 3000)], into: &timeline)
        #expect(steps.map(\.lostSentences) == [0, 0, 0])
        #expect(timeline.lostSentencesTotal == 0)
    }

    @Test("a seq gap counts the sentences in between as lost")
    func seqGap() {
        var timeline = NodeTimeline()
        let steps = observeAll(
            [keepalive(100, 1000), keepalive(104, 2000), keepalive(105, 3000)], into: &timeline)
        #expect(steps.map(\.lostSentences) == [0, 3, 0])
        #expect(timeline.lostSentencesTotal == 3)
    }

    @Test("a seq gap across the wrap counts only the missing sentences")
    func seqGapAcrossWrap() {
        var timeline = NodeTimeline()
        let steps = observeAll([keepalive(65534, 1000), keepalive(1, 2000)], into: &timeline)
        #expect(steps.map(\.lostSentences) == [0, 2])
        #expect(timeline.lostSentencesTotal == 2)
    }

    @Test("a repeated seq loses nothing")
    func repeatedSeq() {
        var timeline = NodeTimeline()
        let steps = observeAll([keepalive(7, 1000), keepalive(7, 1500)], into: &timeline)
        #expect(steps.map(\.lostSentences) == [0, 0])
    }

    @Test("a HELLO with seq 0 and a small tick is a reboot; time continues from the last time plus the tick")
    func rebootViaHello() {
        var timeline = NodeTimeline()
        _ = timeline.observe(keepalive(500, 9_000_000))
        let step = timeline.observe(hello(0, 120))
        #expect(step == TimelineStep(time: 9_000_120, lostSentences: 0, rebooted: true, silenceMillis: 120))
        #expect(timeline.reboots == 1)
        let next = timeline.observe(keepalive(1, 1120))
        #expect(next == TimelineStep(time: 9_001_120, lostSentences: 0, rebooted: false, silenceMillis: 1000))
    }

    @Test("a node that reboots within its first minute (boot loop) is still seen rebooting")
    func rebootSoonAfterBoot() {
        var timeline = NodeTimeline()
        let steps = observeAll(
            [hello(0, 50), keepalive(1, 1050), keepalive(2, 2050), hello(0, 40)], into: &timeline)
        #expect(steps.map(\.rebooted) == [false, false, false, true])
        #expect(steps.map(\.time) == [50, 1050, 2050, 2090])
        #expect(timeline.reboots == 1)
    }

    @Test("a HELLO sent on `H` has the next seq and is not a reboot")
    func requestedHello() {
        var timeline = NodeTimeline()
        _ = timeline.observe(keepalive(41, 130_000))
        let step = timeline.observe(hello(42, 130_610))
        #expect(step == TimelineStep(time: 130_610, lostSentences: 0, rebooted: false, silenceMillis: 610))
        #expect(timeline.reboots == 0)
    }

    @Test("a HELLO sent on `H` whose seq wrapped to 0 just after a tick wrap is not a reboot")
    func requestedHelloAtSeqZero() {
        var timeline = NodeTimeline()
        _ = timeline.observe(keepalive(65535, 4_294_967_000))
        let step = timeline.observe(hello(0, 200))
        #expect(
            step == TimelineStep(time: 4_294_967_496, lostSentences: 0, rebooted: false, silenceMillis: 496))
        #expect(timeline.reboots == 0)
    }

    @Test("seq and tick both falling back near 0 without a HELLO is a reboot; the new seq counts as lost")
    func rebootWithoutHello() {
        var timeline = NodeTimeline()
        _ = timeline.observe(keepalive(30_000, 50_000_000))
        let step = timeline.observe(keepalive(2, 2_000))
        #expect(
            step == TimelineStep(time: 50_002_000, lostSentences: 2, rebooted: true, silenceMillis: 2_000))
        #expect(timeline.reboots == 1)
        #expect(timeline.lostSentencesTotal == 2)
    }

    @Test("a tick going back a little without a reboot holds time, is flagged and counted")
    func smallTickRegression() {
        var timeline = NodeTimeline()
        let steps = observeAll(
            [keepalive(5, 10_000), keepalive(6, 9_990), keepalive(7, 10_990)], into: &timeline)
        #expect(steps.map(\.time) == [10_000, 10_000, 11_000])
        #expect(steps.map(\.tickRegressed) == [false, true, false])
        #expect(steps.map(\.rebooted) == [false, false, false])
        #expect(timeline.tickRegressions == 1)
        #expect(timeline.reboots == 0)
    }

    @Test("a tick falling back near 0 while seq keeps counting is a regression, not a reboot")
    func tickFallsBackSeqContinues() {
        var timeline = NodeTimeline()
        let steps = observeAll([keepalive(5, 5_000_000), keepalive(6, 1_000)], into: &timeline)
        #expect(steps.map(\.rebooted) == [false, false])
        #expect(steps.map(\.time) == [5_000_000, 5_000_000])
        #expect(timeline.tickRegressions == 1)
    }

    @Test("keepalives every second are not an outage; more than 3 s of silence is")
    func outage() {
        var timeline = NodeTimeline()
        let steps = observeAll(
            [keepalive(1, 1000), keepalive(2, 2000), keepalive(3, 5000), keepalive(4, 8001)], into: &timeline)
        #expect(steps.map(\.followsOutage) == [false, false, false, true])
    }

    @Test("a reboot is an outage even when the new tick is small")
    func rebootIsOutage() {
        var timeline = NodeTimeline()
        let steps = observeAll([keepalive(500, 9_000_000), hello(0, 120)], into: &timeline)
        #expect(steps.map(\.followsOutage) == [false, true])
    }

    @Test("time never goes backwards, whatever the seqs and ticks (seeded random streams)")
    func monotonic() {
        for seed in UInt64(0)..<20 {
            var random = SeededGenerator(seed: seed)
            var timeline = NodeTimeline()
            var last = Int64.min
            var seq: UInt16 = 0
            var tick: UInt32 = 0
            for _ in 0..<2000 {
                switch random.next() % 8 {
                case 0: tick = UInt32(truncatingIfNeeded: random.next())  // anything at all
                case 1: seq = 0; tick = UInt32(random.next() % 5000)  // a reboot
                case 2: tick &-= UInt32(random.next() % 100)  // a small step back
                default: tick &+= UInt32(random.next() % 2000)
                }
                seq &+= UInt16(random.next() % 3)
                let step = timeline.observe(random.next() % 5 == 0 ? hello(seq, tick) : keepalive(seq, tick))
                #expect(step.time >= last, "seed \(seed)")
                #expect(step.silenceMillis >= 0, "seed \(seed)")
                #expect(step.lostSentences >= 0, "seed \(seed)")
                last = step.time
            }
        }
    }
}
