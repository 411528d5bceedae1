import CountBins
import Counting
import LD06
import PassantSimulator

/// The simulated street's counting set-up as a technician would configure it: a line straight out
/// from the facade across the walkway, and a region around it.
enum LidarSite {
    static let line = CountingLine(p: PlanePoint(x: 0.3, y: 0), q: PlanePoint(x: 3.2, y: 0))
    static let region = Region(corners: [
        PlanePoint(x: 0.2, y: -2.5), PlanePoint(x: 3.3, y: -2.5), PlanePoint(x: 3.3, y: 2.5),
        PlanePoint(x: 0.2, y: 2.5),
    ])
    static let epoch: Int64 = 1_780_300_800_000  // 2026-06-01T08:00:00Z

    /// The empty street, learned the way `passant calibrate background` does: 20 s with nobody about.
    static let background: LidarBackground = {
        var renderer = LD06Renderer(
            walkway: WalkwayParameters(ratePerHourAToB: 0, ratePerHourBToA: 0), settings: LD06Settings(),
            seed: 99, end: 20_000)
        var decoder = LD06Decoder()
        var assembler = ScanAssembler()
        var learner = BackgroundLearner()
        while let chunk = renderer.next() {
            decoder.decode(chunk.bytes) { packet in assembler.add(packet) { learner.add($0) } }
        }
        return learner.background
    }()

    static func counter(bins: BinLength = .fiveMinutes) -> LD06Counter {
        LD06Counter(
            configuration: .init(
                bins: .init(node: "sim", sensor: "lidar", length: bins, graceMillis: 5000),
                detector: .init(line: line, region: region, background: background)),
            clock: .fixed(epoch: epoch))
    }

    struct Outcome {
        var truthAToB = 0
        var truthBToA = 0
        var countedAToB = 0
        var countedBToA = 0
        var truthCyclists = 0
        var fastMovers = 0
        /// Fast movers as the bins carry them (apart from the pedestrian counts).
        var binnedFastMovers = 0
        /// Bins without a fast-mover count although the LiDAR tells them apart.
        var binsWithoutFastMovers = 0
        var turnBacks = 0
        var packets = 0
        var bytes = 0
        var turns = 0
        /// CPU seconds spent in the counter (decoding, tracking, binning), not in rendering.
        var counterSeconds = 0.0

        func accuracy(_ counted: Int, _ truth: Int) -> Double {
            truth == 0 ? (counted == 0 ? 1 : 0) : max(0, 1 - Double(abs(counted - truth)) / Double(truth))
        }
        var accuracyAToB: Double { accuracy(countedAToB, truthAToB) }
        var accuracyBToA: Double { accuracy(countedBToA, truthBToA) }
    }

    /// Renders `seconds` of `scenario` and counts it; the truth comes from the walkway model alone.
    static func run(
        _ scenario: Scenario, seconds: Int64, seed: UInt64, rotationHz: Double = 10,
        clock: () -> Double = { 0 }
    ) -> Outcome {
        var settings = LD06Settings(rotationHz: rotationHz)
        settings.cyclistsPerHourAToB = scenario.cyclistsPerHour
        settings.cyclistsPerHourBToA = scenario.cyclistsPerHour
        var renderer = LD06Renderer(
            walkway: scenario.walkway, settings: settings, seed: seed, end: seconds * 1000)
        var truth = GroundTruth(startUnixMillis: epoch, binSeconds: 300, spacing: scenario.walkway.spacing)
        var counter = counter()
        var bins: [CountBin] = []
        var outcome = Outcome()
        while let chunk = renderer.next() {
            truth.record(renderer.takePedestrians())
            outcome.bytes += chunk.bytes.count
            let before = clock()
            bins += counter.receive(chunk.bytes)
            outcome.counterSeconds += clock() - before
        }
        truth.record(renderer.takePedestrians())
        bins += counter.finish()
        let report = truth.report(until: seconds * 1000)
        outcome.truthAToB = report.total(.aToB)
        outcome.truthBToA = report.total(.bToA)
        outcome.turnBacks = report.turnBacks.count
        outcome.countedAToB = bins.reduce(0) { $0 + $1.aToB }
        outcome.countedBToA = bins.reduce(0) { $0 + $1.bToA }
        outcome.truthCyclists = renderer.cyclistCrossings.count {
            $0.crossingTime * 1000 < Double(seconds * 1000)
        }
        outcome.fastMovers = counter.health.fastMovers
        outcome.binnedFastMovers = bins.reduce(0) { $0 + ($1.fastMovers.map { $0.aToB + $0.bToA } ?? 0) }
        outcome.binsWithoutFastMovers = bins.count { $0.fastMovers == nil }
        outcome.packets = renderer.statistics.packets
        outcome.turns = counter.turns
        return outcome
    }
}
