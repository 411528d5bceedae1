import CountBins
import Counting
import LD06
import PassantSimulator
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The LD06 pipeline against the simulated street's ground truth. Floors sit well below the measured
/// figures (see `LidarFigures`): they catch a broken tracker, not a percent.
@Suite("LD06 accuracy against the simulator")
struct LidarAccuracyTests {
    @Test func sparseWalkersAreCountedPerDirection() {
        let outcome = LidarSite.run(.sparse, seconds: 600, seed: 3)
        #expect(outcome.truthAToB + outcome.truthBToA > 10)
        #expect(outcome.accuracyAToB >= 0.9, "\(outcome)")
        #expect(outcome.accuracyBToA >= 0.9, "\(outcome)")
    }

    @Test func sideBySideGroupsAreCountedAsPeople() {
        let outcome = LidarSite.run(.groups, seconds: 300, seed: 4)
        #expect(outcome.truthAToB + outcome.truthBToA > 40)
        #expect(outcome.accuracyAToB >= 0.85, "\(outcome)")
        #expect(outcome.accuracyBToA >= 0.85, "\(outcome)")
    }

    @Test func turnBacksCountNothing() {
        let outcome = LidarSite.run(.turnBacks, seconds: 900, seed: 5)
        #expect(outcome.turnBacks > 10)
        // Those who walked through are counted; those who turned back add nothing.
        #expect(outcome.countedAToB <= outcome.truthAToB + 1, "\(outcome)")
        #expect(outcome.countedBToA <= outcome.truthBToA + 1, "\(outcome)")
        #expect(outcome.accuracyAToB >= 0.9 && outcome.accuracyBToA >= 0.9, "\(outcome)")
    }

    @Test func peopleWhoStopOnTheLineAreCountedOnce() {
        // 30 % of them stand still for 1–8 s where they cross: jitter on the line must not count twice.
        let outcome = LidarSite.run(.pauses, seconds: 900, seed: 7)
        #expect(outcome.truthAToB > 15 && outcome.truthBToA > 15)
        #expect(outcome.countedAToB <= outcome.truthAToB + 1, "\(outcome)")
        #expect(outcome.countedBToA <= outcome.truthBToA + 1, "\(outcome)")
        #expect(outcome.accuracyAToB >= 0.9 && outcome.accuracyBToA >= 0.9, "\(outcome)")
    }

    /// The LD06 turns at 5–13 Hz (10 by default): the tracker works on sensor time and metres, so a
    /// sensor turning slower or faster counts alike (one hour at 6 Hz: 99.7/99.1 %, at 13 Hz 99.4/99.4 %).
    @Test(arguments: [6.0, 13.0])
    func anyRotationSpeedCountsAlike(hz: Double) {
        let outcome = LidarSite.run(.moderate, seconds: 600, seed: 8, rotationHz: hz)
        #expect(outcome.truthAToB + outcome.truthBToA > 60)
        #expect(outcome.accuracyAToB >= 0.9 && outcome.accuracyBToA >= 0.9, "\(outcome)")
    }

    @Test func cyclistsAreNeverCountedAsPedestrians() {
        let outcome = LidarSite.run(.cyclists, seconds: 600, seed: 6)
        #expect(outcome.truthCyclists > 10)
        #expect(outcome.fastMovers >= outcome.truthCyclists * 8 / 10, "\(outcome)")
        // Counted apart in the bins, every one of them, and every bin says how many (0 included).
        #expect(outcome.binnedFastMovers == outcome.fastMovers, "\(outcome)")
        #expect(outcome.binsWithoutFastMovers == 0, "\(outcome)")
        #expect(outcome.accuracyAToB >= 0.9 && outcome.accuracyBToA >= 0.9, "\(outcome)")
    }
}

/// `PASSANT_FIGURES=1 swift test --filter LidarFigures`: accuracy per direction for one simulated hour
/// of each scenario, and the pipeline's CPU time per turn (build with `-c release` for real figures).
@Suite("LD06 figures")
struct LidarFigures {
    @Test(.enabled(if: Environment.figures)) func accuracyAndCostPerScenario() {
        let seconds = Int64(Environment.value("PASSANT_FIGURES_SECONDS").flatMap(Int.init) ?? 3600)
        print(
            "scenario     truth a→b/b→a   counted a→b/b→a   accuracy a→b  b→a   cyclists/fast  turn-backs  µs/turn  real-time×"
        )
        for scenario in [Scenario.sparse, .moderate, .dense, .groups, .turnBacks, .pauses, .cyclists] {
            let outcome = LidarSite.run(scenario, seconds: seconds, seed: 1, clock: cpuSeconds)
            let perTurn = outcome.counterSeconds / Double(max(1, outcome.turns)) * 1e6
            let factor = Double(seconds) / max(1e-9, outcome.counterSeconds)
            print(
                "\(scenario.name.padding(12))\(String(outcome.truthAToB).padding(6))/\(String(outcome.truthBToA).padding(10))"
                    + "\(String(outcome.countedAToB).padding(6))/\(String(outcome.countedBToA).padding(12))"
                    + "\(percent(outcome.accuracyAToB).padding(9))\(percent(outcome.accuracyBToA).padding(9))"
                    + "\(outcome.truthCyclists)/\(outcome.fastMovers)".padding(15)
                    + "\(outcome.turnBacks)".padding(12) + "\(Int(perTurn))".padding(9) + "\(Int(factor))")
        }
    }
}

extension LidarFigures {
    /// The decoder alone over a capture of the moderate scenario (`PASSANT_FIGURES_SECONDS` long).
    @Test(.enabled(if: Environment.figures)) func decoderThroughput() {
        let seconds = Int64(Environment.value("PASSANT_FIGURES_SECONDS").flatMap(Int.init) ?? 3600)
        var renderer = LD06Renderer(
            walkway: Scenario.moderate.walkway, settings: LD06Settings(), seed: 1, end: seconds * 1000)
        var capture: [UInt8] = []
        while let chunk = renderer.next() { capture += chunk.bytes }
        var decoder = LD06Decoder()
        var packets = 0
        let before = cpuSeconds()
        var offset = 0
        while offset < capture.count {
            let end = min(capture.count, offset + 4096)
            decoder.decode(capture[offset..<end]) { _ in packets += 1 }
            offset = end
        }
        let elapsed = cpuSeconds() - before
        #expect(packets == renderer.statistics.packets)
        print(
            "decoder: \(capture.count) bytes (\(seconds) s of LD06) in \(elapsed) s CPU: \(Int(Double(capture.count) / elapsed / 1e6)) MB/s, \(packets) packets"
        )
    }
}

enum Environment {
    static func value(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
    static var figures: Bool { value("PASSANT_FIGURES") == "1" }
}

func cpuSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

func percent(_ value: Double) -> String {
    let tenths = Int((value * 1000).rounded())
    return "\(tenths / 10).\(tenths % 10) %"
}

extension String {
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
