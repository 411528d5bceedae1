import CountBins
import Counting
import PCNT
import TFmini
import Testing

/// Two TFmini-S sensors looking at a wall 3 m away, 100 frames a second, with walkers passing.
struct PairScript {
    /// Walkers: (start ms at channel first reached, direction). Each blocks a channel for 250 ms, the
    /// second one 150 ms later.
    var walkers: [(Int64, Direction)] = []

    func distance(_ channel: Channel, at time: Int64) -> UInt16 {
        for (start, direction) in walkers {
            let first: Channel = direction == .aToB ? .a : .b
            let begin = channel == first ? start : start + 150
            if time >= begin && time < begin + 250 { return 120 }
        }
        return 300
    }

    /// The bytes of frames `from..<to` (frame indices) of `channel`.
    func bytes(_ channel: Channel, frames: Range<Int>) -> [UInt8] {
        frames.flatMap { k in
            TFminiFrame(distance: distance(channel, at: Int64(k) * 10), strength: 2000, celsius: 31).encoded
        }
    }
}

private let epoch: Int64 = 1_795_773_600_000  // 2026-11-27T10:00:00Z
private let baselines = RangePair.Configuration(
    baselineA: .surface(millimetres: 3000), baselineB: .surface(millimetres: 3000))

private func pairCounter(_ clock: ClockAnchor.Mode = .fixed(epoch: epoch)) -> TFminiPairCounter {
    TFminiPairCounter(
        configuration: .init(
            bins: .init(node: "gw", sensor: "gate", length: .oneMinute, graceMillis: 5000), range: baselines),
        clock: clock)
}

@Suite("TFminiPairCounter")
struct TFminiPairCounterTests {
    static let script = PairScript(walkers: [
        (5_000, .aToB), (9_000, .bToA), (20_000, .aToB), (61_000, .bToA), (62_500, .aToB), (70_000, .aToB),
    ])

    @Test func walkersAreCountedInTheirDirectionAndBinned() {
        var counter = pairCounter()
        var bins: [CountBin] = []
        // Reads of 7 or 13 frames, never at the same boundaries on both ports.
        var (nextA, nextB) = (0, 0)
        var round = 0
        while nextA < 13_000 || nextB < 13_000 {
            let (sizeA, sizeB) = round % 2 == 0 ? (7, 13) : (13, 7)
            round += 1
            if nextA < 13_000 {
                bins += counter.receive(
                    Self.script.bytes(.a, frames: nextA..<min(13_000, nextA + sizeA)), from: .a)
                nextA += sizeA
            }
            if nextB < 13_000 {
                bins += counter.receive(
                    Self.script.bytes(.b, frames: nextB..<min(13_000, nextB + sizeB)), from: .b)
                nextB += sizeB
            }
        }
        bins += counter.finish()
        #expect(bins.map(\.aToB) == [2, 2, 0])
        #expect(bins.map(\.bToA) == [1, 1, 0])
        #expect(bins.first?.coverage == 1)
        #expect(bins.first?.flags == [])
        #expect(counter.health.link == .up)
        #expect(counter.health.rangefinders?.a.frames == 13_000)
    }

    @Test func oneChannelReadFarAheadOfTheOtherStillGivesTheRightDirection() {
        // B's port is read 0.8 s ahead of A's (a slow USB adapter on A): the edges must wait to be
        // merged, and B's walker-shaped edges must not be taken before A's.
        var counter = pairCounter()
        var bins = counter.receive(Self.script.bytes(.b, frames: 0..<80), from: .b)
        for start in stride(from: 0, to: 1200, by: 10) {
            bins += counter.receive(Self.script.bytes(.b, frames: (start + 80)..<(start + 90)), from: .b)
            bins += counter.receive(Self.script.bytes(.a, frames: start..<(start + 10)), from: .a)
        }
        bins += counter.finish()
        #expect(counter.health.link == .up)
        #expect(bins.reduce(0) { $0 + $1.aToB } == 1)
        #expect(bins.reduce(0) { $0 + $1.bToA } == 1)
    }

    @Test func aSilentChannelTakesThePairDownAndItsBinsSaySo() {
        var counter = pairCounter()
        var bins: [CountBin] = []
        for second in 0..<130 {
            let frames = (second * 100)..<((second + 1) * 100)
            bins += counter.receive(Self.script.bytes(.a, frames: frames), from: .a)
            // B unplugged from 30 s to 90 s.
            if second < 30 || second >= 90 {
                bins += counter.receive(Self.script.bytes(.b, frames: frames), from: .b)
            }
            if second == 40 { #expect(counter.health.link == .down) }
            if second == 100 { #expect(counter.health.link == .up) }
        }
        bins += counter.finish()
        #expect(bins.count == 3)
        #expect(bins[0].flags.contains(.linkDown))
        #expect(bins[0].coverage < 0.55 && bins[0].coverage > 0.45)
        #expect(bins[1].flags.contains(.linkDown))
        // The walker at 5 s is counted; the ones while B was away are not; 20 s is, 70 s is not.
        #expect(bins[0].aToB + bins[0].bToA == 3)
    }

    @Test func withTheSystemClockFramesAreTimedByArrival() {
        var counter = pairCounter(.systemClock)
        var bins: [CountBin] = []
        // 50 ms reads: 5 frames a port, arriving 3 ms apart.
        for read in 0..<(13_000 / 5) {
            let frames = (read * 5)..<(read * 5 + 5)
            let arrival = epoch + Int64(read * 50 + 40)
            bins += counter.receive(Self.script.bytes(.a, frames: frames), from: .a, arrival: arrival)
            bins += counter.receive(Self.script.bytes(.b, frames: frames), from: .b, arrival: arrival + 3)
            if read % 20 == 0 { bins += counter.tick(now: arrival + 5) }
        }
        bins += counter.finish(now: epoch + 130_000)
        #expect(bins.first?.key.start == epoch / 1000)
        #expect(bins.prefix(2).map(\.aToB) == [2, 2])
        #expect(bins.prefix(2).map(\.bToA) == [1, 1])
    }

    @Test func aWatchedPairShowsItsChannelsDistancesAndCrossingsLive() {
        var counter = pairCounter()
        counter.watch(true)
        var events: [LiveEvent] = []
        for second in 0..<8 {
            let frames = (second * 100)..<((second + 1) * 100)
            _ = counter.receive(Self.script.bytes(.a, frames: frames), from: .a)
            _ = counter.receive(Self.script.bytes(.b, frames: frames), from: .b)
            events += counter.takeLiveEvents()
        }
        #expect(events.contains(.channels(a: true, b: false)))
        #expect(events.contains(.channels(a: true, b: true)))
        #expect(events.contains(.crossing(.aToB)))
        #expect(events.contains(.distances(a: 3000, b: 3000)))
        counter.watch(false)
        _ = counter.receive(Self.script.bytes(.a, frames: 800..<900), from: .a)
        #expect(counter.takeLiveEvents().isEmpty)
    }

    @Test func readLiveABacklogDrainedPortByPortIsNotAnOutage() {
        // A busy gateway reads 4 s of A's frames, then 4 s of B's, 5 ms later: far apart in frame
        // time, but both ports spoke within milliseconds of each other.
        var counter = pairCounter()
        var bins: [CountBin] = []
        for round in 0..<30 {
            let frames = (round * 400)..<((round + 1) * 400)
            let arrival = epoch + Int64(round) * 4000
            bins += counter.receive(Self.script.bytes(.a, frames: frames), from: .a, arrival: arrival)
            bins += counter.receive(Self.script.bytes(.b, frames: frames), from: .b, arrival: arrival + 5)
            #expect(counter.health.link == .up, "round \(round)")
        }
        bins += counter.finish()
        #expect(bins.first?.coverage == 1)
        #expect(bins.reduce(0) { $0 + $1.aToB + $1.bToA } == 6)
    }

    @Test func readLiveAPortSilentByTheClockIsDown() {
        var counter = pairCounter()
        for second in 0..<10 {
            let frames = (second * 100)..<((second + 1) * 100)
            let arrival = epoch + Int64(second) * 1000
            _ = counter.receive(Self.script.bytes(.a, frames: frames), from: .a, arrival: arrival)
            if second < 3 {
                _ = counter.receive(Self.script.bytes(.b, frames: frames), from: .b, arrival: arrival)
            }
        }
        #expect(counter.health.link == .down)
        #expect(counter.health.rangefinders?.b.link == .down)
        #expect(counter.health.rangefinders?.a.link == .up)
    }

    @Test func eachPortIsGreetedWithTheSettingsTheCounterReadsItBy() {
        let counter = pairCounter()
        #expect(counter.portCount == 2)
        // 5A 05 05 01 65 (cm), 5A 06 03 64 00 C7 (100 Hz), 5A 05 07 01 67 (output on): TFMINI.md's bytes.
        #expect(
            counter.greeting(port: 1) == [
                0x5A, 0x05, 0x05, 0x01, 0x65, 0x5A, 0x06, 0x03, 0x64, 0x00, 0xC7, 0x5A, 0x05, 0x07, 0x01,
                0x67,
            ])
    }

    @Test func garbageOnAPortIsCountedNotCounted() {
        var counter = pairCounter()
        var noise: [UInt8] = []
        for i in 0..<500 { noise.append(UInt8(truncatingIfNeeded: i * 37 + 11)) }
        var bins: [CountBin] = []
        for second in 0..<15 {
            let frames = (second * 100)..<((second + 1) * 100)
            bins += counter.receive(noise + Self.script.bytes(.a, frames: frames), from: .a)
            bins += counter.receive(Self.script.bytes(.b, frames: frames) + noise, from: .b)
        }
        bins += counter.finish()
        #expect(bins.reduce(0) { $0 + $1.aToB + $1.bToA } == 2)
        #expect((counter.health.rangefinders?.a.rejects.noiseBytes ?? 0) > 15 * 400)
    }
}

@Suite("PCNTCounter with a TOF2 node")
struct TOF2CounterTests {
    @Test func distanceSamplesCountWalkersThroughTheSameDetector() {
        let script = PairScript(walkers: [(3_000, .aToB), (8_000, .bToA), (8_600, .aToB)])
        var bytes = NodeSentence(
            seq: 0, tick: 0, message: .hello(Hello(nodeID: "tof", firmware: "1", kind: .tof2))
        ).encoded
        var seq: UInt16 = 1
        // 50 Hz, as the node's default rate_hz.
        for k in 1..<(70 * 50) {
            let time = Int64(k) * 20
            let da = UInt32(script.distance(.a, at: time)) * 10
            let db = UInt32(script.distance(.b, at: time)) * 10
            bytes +=
                NodeSentence(
                    seq: seq, tick: UInt32(time),
                    message: .distances(aMillimetres: da, aStrength: 900, bMillimetres: db, bStrength: 850)
                ).encoded
            seq &+= 1
        }
        var counter = PCNTCounter(
            configuration: .init(
                bins: .init(node: "gw", sensor: "tof", length: .oneMinute, graceMillis: 5000),
                range: baselines),
            clock: .fixed(epoch: epoch))
        var bins = counter.receive(bytes)
        bins += counter.finish()
        #expect(bins.reduce(0) { $0 + $1.aToB } == 2)
        #expect(bins.reduce(0) { $0 + $1.bToA } == 1)
        #expect(bins.first?.flags == [])
        #expect(counter.health.rangeSamples == 70 * 50 - 1)
    }

    @Test func aTOF2NodeWithoutBaselinesIsDegradedWhileItLearns() {
        var bytes = NodeSentence(
            seq: 0, tick: 0, message: .hello(Hello(nodeID: "tof", firmware: "1", kind: .tof2))
        ).encoded
        for k in 1..<(90 * 50) {
            bytes +=
                NodeSentence(
                    seq: UInt16(k), tick: UInt32(k * 20),
                    message: .distances(
                        aMillimetres: 2500, aStrength: 900, bMillimetres: 2600, bStrength: 850)
                ).encoded
        }
        var counter = PCNTCounter(
            configuration: .init(
                bins: .init(node: "gw", sensor: "tof", length: .oneMinute, graceMillis: 5000)),
            clock: .fixed(epoch: epoch))
        var bins = counter.receive(bytes)
        bins += counter.finish()
        #expect(bins.first?.flags.contains(.sensorDegraded) == true)
        #expect(bins.first.map { $0.coverage > 0.45 && $0.coverage < 0.55 } == true)
        #expect(bins.last?.flags.contains(.sensorDegraded) == false)
    }
}
