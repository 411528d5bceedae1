import CountBins
import Counting
import PCNT
import Testing

/// Writes what a PCNT IR2 node would send, second by second, with walkers where asked.
private struct NodeScript {
    var seq: UInt16 = 0
    var bytes: [UInt8] = []

    mutating func send(_ tick: UInt32, _ message: NodeMessage) {
        bytes += NodeSentence(seq: seq, tick: tick, message: message).encoded
        seq &+= 1
    }

    /// A walker: A breaks, B breaks, A clears, B clears (or the mirror image).
    mutating func walk(_ direction: Direction, at tick: UInt32) {
        let (first, second): (Channel, Channel) = direction == .aToB ? (.a, .b) : (.b, .a)
        send(tick, .beam(first, interrupted: true))
        send(tick + 150, .beam(second, interrupted: true))
        send(tick + 250, .beam(first, interrupted: false))
        send(tick + 400, .beam(second, interrupted: false))
    }

    /// HELLO, then a keepalive every second up to `seconds`, with walkers at the given seconds.
    static func node(seconds: UInt32, walkers: [(UInt32, Direction)] = [], silentFrom: UInt32? = nil)
        -> NodeScript
    {
        var script = NodeScript()
        script.send(0, .hello(Hello(nodeID: "n1", firmware: "1.0", kind: .ir2)))
        for second in 1...seconds {
            if let silentFrom, second >= silentFrom, second < silentFrom + 20 { continue }
            for (at, direction) in walkers where at == second - 1 {
                script.walk(direction, at: at * 1000 + 100)
            }
            script.send(second * 1000, .keepalive)
        }
        return script
    }
}

private let epoch: Int64 = 1_795_773_600_000  // 2026-11-27T10:00:00Z

private func counter(length: BinLength = .oneMinute) -> PCNTCounter {
    PCNTCounter(
        configuration: .init(bins: .init(node: "gw", sensor: "door", length: length, graceMillis: 5_000)),
        clock: .fixed(epoch: epoch))
}

@Suite("PCNTCounter")
struct PCNTCounterTests {
    @Test func theSpecVectorWalkIsOnePersonAToB() {
        var pipeline = counter()
        let lines = [
            "$HELLO,0,0,1,node-17,1.4.2,IR2*F1B1", "$B,17,123456,A,1*A802", "$B,18,123690,B,1*4434",
            "$B,19,123801,A,0*DE0B", "$B,20,124002,B,0*EA44", "$K,21,125000*DFA4",
        ]
        var bins = pipeline.receive(Array(lines.joined(separator: "\r\n").utf8) + [13, 10])
        bins += pipeline.finish()
        #expect(bins.reduce(0) { $0 + $1.aToB } == 1)
        #expect(bins.reduce(0) { $0 + $1.bToA } == 0)
        #expect(pipeline.health.hello?.nodeID == "node-17")
    }

    @Test func walkersAreBinnedByTimeWithFullCoverage() {
        let script = NodeScript.node(
            seconds: 190, walkers: [(10, .aToB), (20, .bToA), (70, .aToB), (75, .aToB)])
        var pipeline = counter()
        let bins = pipeline.receive(script.bytes)
        #expect(bins.map(\.key.start) == [epoch / 1000, epoch / 1000 + 60, epoch / 1000 + 120])
        #expect(bins.map(\.aToB) == [1, 2, 0])
        #expect(bins.map(\.bToA) == [1, 0, 0])
        // The first second precedes the first sentence: coverage starts with the data.
        #expect(bins.map(\.coverage) == [1, 1, 1])
        #expect(bins.allSatisfy { $0.flags.isEmpty })
    }

    @Test func theSameBytesSplitAnywhereGiveTheSameBins() {
        let script = NodeScript.node(
            seconds: 200, walkers: (0..<150).map { (UInt32($0), $0 % 3 == 0 ? .bToA : .aToB) })
        var whole = counter()
        let expected = whole.receive(script.bytes) + whole.finish()
        var generator = SystemRandomNumberGenerator()
        var split = counter()
        var bins: [CountBin] = []
        var index = 0
        while index < script.bytes.count {
            let end = min(script.bytes.count, index + Int.random(in: 1...97, using: &generator))
            bins += split.receive(script.bytes[index..<end])
            index = end
        }
        bins += split.finish()
        #expect(bins == expected)
        #expect(expected.reduce(0) { $0 + $1.aToB } == 100)
        #expect(expected.reduce(0) { $0 + $1.bToA } == 50)
    }

    @Test func aSilentLinkLowersCoverageAndIsFlagged() {
        let script = NodeScript.node(seconds: 130, silentFrom: 30)
        var pipeline = counter()
        let bins = pipeline.receive(script.bytes)
        let first = bins.first
        // Keepalives stop at 29 s and resume at 50 s: 21 s of the minute without a healthy link.
        #expect(first?.coverage == (Double(60 - 21) / 60 * 10_000).rounded() / 10_000)
        #expect(first?.flags == .linkDown)
        #expect(bins.dropFirst().allSatisfy { $0.coverage == 1 && $0.flags.isEmpty })
    }

    @Test func lostSentencesFlagTheBinAsDataLost() {
        var script = NodeScript.node(seconds: 70)
        var pipeline = counter()
        var bins = pipeline.receive(script.bytes)
        let sent = script.bytes.count
        script.seq &+= 5
        script.send(71_000, .keepalive)
        script.send(72_000, .keepalive)
        bins += pipeline.receive(script.bytes[sent...])
        bins += pipeline.finish()
        #expect(pipeline.health.lostSentences == 5)
        #expect(bins.last?.flags.contains(.dataLost) == true)
        #expect(bins.first?.flags.contains(.dataLost) == false)
    }

    @Test func aNodeRebootIsFlaggedAndTimeCarriesOn() {
        var script = NodeScript.node(seconds: 30)
        script.seq = 0
        script.send(0, .hello(Hello(nodeID: "n1", firmware: "1.0", kind: .ir2)))
        for second in UInt32(1)...40 { script.send(second * 1000, .keepalive) }
        var pipeline = counter()
        let bins = pipeline.receive(script.bytes) + pipeline.finish()
        #expect(pipeline.health.reboots == 1)
        #expect(bins.first?.flags.contains(.sensorRestarted) == true)
        #expect(bins.last.map { $0.key.start * 1000 } == epoch + 60_000)
    }

    @Test func shutdownClosesTheOpenBinEarly() {
        let script = NodeScript.node(seconds: 90, walkers: [(80, .bToA)])
        var pipeline = counter()
        let bins = pipeline.receive(script.bytes) + pipeline.finish()
        #expect(bins.count == 2)
        #expect(bins.last?.flags == .closedEarly)
        #expect(bins.last?.bToA == 1)
        #expect(bins.last?.coverage == 0.5)
    }

    @Test func aStuckBeamProducesNoCountsAndDegradesTheBin() {
        var script = NodeScript.node(seconds: 5)
        script.send(5_500, .beam(.a, interrupted: true))
        for second in UInt32(6)...100 {
            if second % 3 == 0 {
                script.send(second * 1000 + 100, .beam(.b, interrupted: true))
                script.send(second * 1000 + 400, .beam(.b, interrupted: false))
            }
            script.send(second * 1000, .keepalive)
        }
        var pipeline = counter()
        let bins = pipeline.receive(script.bytes) + pipeline.finish()
        #expect(bins.reduce(0) { $0 + $1.aToB + $1.bToA } == 0)
        #expect(bins.contains { $0.flags.contains(.sensorDegraded) })
        #expect(pipeline.health.degraded)
        #expect(bins.first!.coverage < 1)
    }

    @Test func aWalkerJustBeforeTheLinkFallsSilentIsStillCounted() {
        let script = NodeScript.node(seconds: 11, walkers: [(10, .bToA)])
        var pipeline = counter()
        var bins = pipeline.receive(script.bytes)
        bins += pipeline.tick(now: epoch + 20_000)
        #expect(pipeline.health.link == .down)
        bins += pipeline.finish(now: epoch + 20_000)
        #expect(bins.reduce(0) { $0 + $1.bToA } == 1)
        #expect(bins.first?.flags.contains(.linkDown) == true)
    }

    @Test func theHealthCountsEverySentence() {
        let script = NodeScript.node(seconds: 30, walkers: [(3, .aToB)])
        var pipeline = counter()
        _ = pipeline.receive(script.bytes + Array("$K,1,2*0000\r\n".utf8))
        #expect(pipeline.health.sentences == 1 + 30 + 4)
        #expect(pipeline.health.rejects.badCRC == 1)
    }
}

@Suite("Recalibrating a running counter")
struct RecalibrationTests {
    @Test func newDetectionSettingsKeepTheOpenBinAndItsCounts() {
        var pipeline = counter()
        let first = NodeScript.node(seconds: 20, walkers: [(5, .aToB), (10, .bToA)])
        var bins = pipeline.receive(first.bytes)
        var settings = pipeline.configuration
        settings.detector.maxTransitMillis = 2_500
        let applied = pipeline.recalibrate(.pcnt(settings))
        #expect(applied)
        #expect(pipeline.configuration.detector.maxTransitMillis == 2_500)
        // Nothing was closed by the change: the minute is still open, and goes on counting.
        #expect(bins.isEmpty)
        bins += pipeline.receive(NodeScript.continuation(from: first, seconds: 21...130, walkers: [(30, .aToB)]))
        bins += pipeline.finish()
        let firstMinute = bins.first { $0.key.start * 1000 == epoch }
        #expect(firstMinute?.aToB == 2)
        #expect(firstMinute?.bToA == 1)
        #expect(firstMinute?.flags.contains(.closedEarly) == false)
    }

    @Test func otherBinsOrAnotherProtocolNeedARestart() {
        var pipeline = counter()
        _ = pipeline.receive(NodeScript.node(seconds: 5).bytes)
        var settings = pipeline.configuration
        settings.bins = .init(node: "gw", sensor: "door", length: .fiveMinutes, graceMillis: 5_000)
        let otherBins = pipeline.recalibrate(.pcnt(settings))
        #expect(!otherBins)
        #expect(pipeline.configuration.bins.length == .oneMinute)
        let lidar = LD06Counter.Configuration(
            bins: pipeline.configuration.bins,
            detector: .init(line: CountingLine(p: PlanePoint(x: 0.3, y: 0), q: PlanePoint(x: 3, y: 0))))
        let otherProtocol = pipeline.recalibrate(.ld06(lidar))
        #expect(!otherProtocol)
    }
}

extension NodeScript {
    /// The node's sentences after `earlier`: keepalives for `seconds`, walkers at the given seconds,
    /// seq numbers continuing.
    fileprivate static func continuation(
        from earlier: NodeScript, seconds: ClosedRange<UInt32>, walkers: [(UInt32, Direction)]
    ) -> [UInt8] {
        var script = NodeScript(seq: earlier.seq)
        for second in seconds {
            for (at, direction) in walkers where at == second - 1 { script.walk(direction, at: at * 1000 + 100) }
            script.send(second * 1000, .keepalive)
        }
        return script.bytes
    }
}
