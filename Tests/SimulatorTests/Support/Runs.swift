// Shorthands for rendering runs in tests.

import PCNT
import PassantSimulator

/// A rendered run: the chunks, their bytes in one stream, and the truth.
struct Run {
    var chunks: [IR2NodeRenderer.Chunk]
    var statistics: IR2NodeRenderer.Statistics
    var truth: GroundTruthReport

    var bytes: [UInt8] { chunks.flatMap(\.bytes) }
    var sentences: [WireSentence] { WireLines.sentences(bytes) }
    /// `B` sentences as `channel,state` with their ticks.
    var beamEdges: [(tick: UInt32, edge: String)] {
        sentences.filter { $0.type == "B" }.map { ($0.tick, $0.fields.joined(separator: ",")) }
    }
}

/// Renders `seconds` of `walkway` through a node set up as `node`.
func render(
    _ walkway: WalkwayParameters, seconds: Int64, seed: UInt64 = 1,
    node: NodeConfiguration = NodeConfiguration(),
    startUnixMillis: Int64 = 1_748_779_200_000, binSeconds: Int64 = 60
) -> Run {
    var renderer = IR2NodeRenderer(walkway: walkway, configuration: node, seed: seed, end: seconds * 1000)
    return finish(
        &renderer, seconds: seconds, spacing: walkway.spacing, start: startUnixMillis, bin: binSeconds)
}

/// Renders `seconds` of exactly `people`.
func render(
    people: [Pedestrian], seconds: Int64, spacing: Double = 0.20,
    node: NodeConfiguration = NodeConfiguration(),
    startUnixMillis: Int64 = 1_748_779_200_000, binSeconds: Int64 = 60
) -> Run {
    let signals = BeamSignals(
        generator: PedestrianGenerator(scripted: people), spacing: spacing, stuck: node.faults.stuck)
    var renderer = IR2NodeRenderer(signals: signals, configuration: node, seed: 1, end: seconds * 1000)
    return finish(&renderer, seconds: seconds, spacing: spacing, start: startUnixMillis, bin: binSeconds)
}

private func finish(
    _ renderer: inout IR2NodeRenderer, seconds: Int64, spacing: Double, start: Int64, bin: Int64
) -> Run {
    var truth = GroundTruth(startUnixMillis: start, binSeconds: bin, spacing: spacing)
    var chunks: [IR2NodeRenderer.Chunk] = []
    while let chunk = renderer.next() {
        chunks.append(chunk)
        truth.record(renderer.takePedestrians())
    }
    truth.record(renderer.takePedestrians())
    return Run(chunks: chunks, statistics: renderer.statistics, truth: truth.report(until: seconds * 1000))
}
