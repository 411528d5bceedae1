// The simulated rangefinders through the gateway's pipeline: what the sensors really put on the wire,
// invalid readings included, counted against the simulation's own truth.

import CountBins
import Counting
import PCNT
import PassantSimulator
import TFmini
import Testing

@Suite struct RangefinderCountingTests {
    static let epoch: Int64 = 1_748_779_200_000

    /// Renders `seconds` of a pair and counts it; returns the bins, the counter and the truth.
    func countPair(
        seconds: Int64, scenario: Scenario = .sparse,
        models: (TFminiModel, TFminiModel) = (.tfminiS, .tfminiS),
        faults: NodeFaults = NodeFaults()
    ) -> ([CountBin], TFminiPairCounter, GroundTruthReport) {
        var renderer = TFminiPairRenderer(
            walkway: scenario.walkway, geometry: RangeGeometry(wall: 3), models: models, faults: faults,
            seed: 9,
            end: seconds * 1000)
        var truth = GroundTruth(
            startUnixMillis: Self.epoch, binSeconds: 60, spacing: scenario.walkway.spacing)
        var counter = TFminiPairCounter(
            configuration: .init(
                bins: .init(node: "gw", sensor: "gate", length: .oneMinute, graceMillis: 5000),
                range: .init(baselineA: .surface(millimetres: 3000), baselineB: .surface(millimetres: 3000)),
                modelA: models.0, modelB: models.1),
            clock: .fixed(epoch: Self.epoch))
        var bins: [CountBin] = []
        // Read as a daemon would: a few frames at a time from each port.
        var pending: [[UInt8]] = [[], []]
        while let chunk = renderer.next() {
            truth.record(renderer.takePedestrians())
            let side = chunk.channel == .a ? 0 : 1
            pending[side] += chunk.bytes
            if pending[side].count >= 45 {
                bins += pending[side].withUnsafeBytes { counter.receive($0, port: side, arrival: nil) }
                pending[side].removeAll()
            }
        }
        for side in 0..<2 {
            bins += pending[side].withUnsafeBytes { counter.receive($0, port: side, arrival: nil) }
        }
        bins += counter.finish()
        truth.record(renderer.takePedestrians())
        return (bins, counter, truth.report(until: seconds * 1000))
    }

    @Test func walkersAloneAreCountedAsTheyWalked() {
        let (bins, counter, truth) = countPair(seconds: 360, models: (.tfminiS, .tfLuna))
        let counted = (bins.reduce(0) { $0 + $1.aToB }, bins.reduce(0) { $0 + $1.bToA })
        #expect(truth.crossings.count > 10)
        #expect(counted.0 == truth.total(.aToB))
        #expect(counted.1 == truth.total(.bToA))
        #expect(bins.prefix(5).allSatisfy { $0.coverage > 0.99 && $0.flags.isEmpty })
        #expect(counter.health.rejectedFrames == 0)
    }

    @Test(arguments: [TFminiModel.tfminiS, .tfminiPlus, .tfLuna])
    func sunInOneSensorDegradesThePairWhileItLastsWhateverTheModelSays(model: TFminiModel) {
        var faults = NodeFaults()
        faults.glare = [StuckBeam(channel: .b, start: 70_000, duration: 20_000)]
        let (bins, counter, _) = countPair(seconds: 150, models: (.tfminiS, model), faults: faults)
        #expect(bins.count == 3)
        #expect(bins[0].flags.isEmpty)
        #expect(bins[1].flags.contains(.sensorDegraded))
        // Blind after 2 s of it, seeing again at once: about 18 s of the minute.
        #expect(bins[1].coverage > 0.65 && bins[1].coverage < 0.75)
        #expect(!bins[2].flags.contains(.sensorDegraded))
        let b = counter.health.rangefinders?.b
        if model == .tfminiS {
            #expect((b?.saturated ?? 0) >= 1900)
        } else {
            #expect((b?.noReturn ?? 0) >= 1900)
        }
    }

    @Test func aTOF2NodeIsCountedByThePCNTPipeline() {
        var node = TOF2NodeRenderer(
            walkway: Scenario.sparse.walkway, geometry: RangeGeometry(wall: 2.5),
            configuration: NodeConfiguration(),
            seed: 4, end: 600_000)
        var truth = GroundTruth(
            startUnixMillis: Self.epoch, binSeconds: 60, spacing: Scenario.sparse.walkway.spacing)
        var counter = PCNTCounter(
            configuration: .init(
                bins: .init(node: "gw", sensor: "door", length: .oneMinute, graceMillis: 5000),
                range: .init(baselineA: .surface(millimetres: 2500), baselineB: .surface(millimetres: 2500))),
            clock: .fixed(epoch: Self.epoch))
        var bins: [CountBin] = []
        while let chunk = node.next() {
            truth.record(node.takePedestrians())
            bins += counter.receive(chunk.bytes)
        }
        bins += counter.finish()
        truth.record(node.takePedestrians())
        let report = truth.report(until: 600_000)
        #expect(bins.reduce(0) { $0 + $1.aToB } == report.total(.aToB))
        #expect(bins.reduce(0) { $0 + $1.bToA } == report.total(.bToA))
        #expect(counter.health.hello?.kind == .tof2)
    }
}
