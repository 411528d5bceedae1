// The byte stream is what a PCNT IR2 node sends: framing, CRC, sequence, tick, keepalive and status cadence.

import PCNT
import PassantSimulator
import Testing

@Suite struct NodeStreamTests {
    @Test func sameSeedGivesTheSameBytes() {
        let first = render(Scenario.moderate.walkway, seconds: 600, seed: 42).bytes
        let second = render(Scenario.moderate.walkway, seconds: 600, seed: 42).bytes
        #expect(first == second)
        #expect(render(Scenario.moderate.walkway, seconds: 600, seed: 43).bytes != first)
    }

    @Test func streamOpensWithHelloAtSeqZeroTickZero() {
        let node = NodeConfiguration(nodeID: "node-17", firmware: "1.4.2")
        let run = render(Scenario.sparse.walkway, seconds: 5, node: node)
        #expect(Array(run.bytes.prefix(37)) == Array("$HELLO,0,0,1,node-17,1.4.2,IR2*F1B1\r\n".utf8))
    }

    @Test func everyLineIsAValidSentenceWithConsecutiveSeqAndRisingTicks() {
        let run = render(Scenario.dense.walkway, seconds: 900, seed: 7)
        let lines = WireLines.read(run.bytes)
        #expect(lines.allSatisfy { $0.sentence != nil })
        #expect(lines.map(\.line.count).reduce(0, +) == run.bytes.count)
        let sentences = run.sentences
        #expect(sentences.count == run.statistics.sentences)
        for (previous, next) in zip(sentences, sentences.dropFirst()) {
            #expect(next.seq == previous.seq &+ 1)
            #expect(next.tick >= previous.tick)
        }
        #expect(Set(sentences.map(\.type)) == ["HELLO", "B", "K", "S"])
    }

    @Test func keepaliveComesAfterExactlyOneSecondOfSilenceAndNoSilenceIsLonger() {
        let sentences = render(Scenario.sparse.walkway, seconds: 600, seed: 3).sentences
        for (previous, next) in zip(sentences, sentences.dropFirst()) {
            #expect(next.tick - previous.tick <= 1000)
            if next.type == "K" { #expect(next.tick - previous.tick == 1000) }
        }
        #expect(sentences.filter { $0.type == "K" }.count > 400)
    }

    @Test func statusEveryTenSecondsWithUptime() {
        let sentences = render(Scenario.moderate.walkway, seconds: 120, seed: 3).sentences
        let statuses = sentences.filter { $0.type == "S" }
        #expect(statuses.map(\.tick) == (1...11).map { UInt32($0 * 10_000) })
        #expect(statuses.map { $0.fields[0] } == (1...11).map { String($0 * 10) })
        #expect(statuses.allSatisfy { $0.fields.count == 4 && $0.fields[3] == "0" })
    }

    @Test func tickWrapsAtTwoToTheThirtySecond() {
        let node = NodeConfiguration(tickOffset: UInt32.max - 4_999)
        let run = render(Scenario.moderate.walkway, seconds: 30, seed: 5, node: node)
        let sentences = run.sentences
        #expect(sentences[0].type == "HELLO" && sentences[0].tick == UInt32.max - 4_999)
        // Ticks follow simulation time modulo 2³²; the wrap happens 5 s in.
        for (chunk, sentence) in zip(run.chunks, sentences) {
            #expect(sentence.tick == UInt32(truncatingIfNeeded: Int64(UInt32.max - 4_999) + chunk.time))
        }
        #expect(sentences.contains { $0.tick < 25_000 })
        // Status stays on whole ten seconds of uptime, ten seconds of ticks apart, across the wrap.
        let statuses = sentences.filter { $0.type == "S" }
        #expect(statuses.count == 3)
        #expect(statuses.allSatisfy { UInt64($0.fields[0])! % 10 == 0 })
        for (previous, next) in zip(statuses, statuses.dropFirst()) {
            #expect(next.tick &- previous.tick == 10_000)
        }
    }

    @Test func seqWrapsAfter65535() {
        let run = render(Scenario.sparse.walkway, seconds: 20, node: NodeConfiguration(seqOffset: 65_530))
        let seqs = run.sentences.map(\.seq)
        #expect(seqs.prefix(8) == [65_530, 65_531, 65_532, 65_533, 65_534, 65_535, 0, 1])
    }

    @Test func droppedSentencesLeaveSeqGaps() {
        let node = NodeConfiguration(faults: NodeFaults(dropProbability: 0.05))
        let run = render(Scenario.moderate.walkway, seconds: 600, seed: 9, node: node)
        let sentences = run.sentences
        let missing = zip(sentences, sentences.dropFirst()).map { Int($1.seq &- $0.seq) - 1 }.reduce(0, +)
        #expect(run.statistics.dropped > 0)
        #expect(missing == run.statistics.dropped)
    }

    @Test func garbageAndCorruptionNeverHideTheSentencesAround() {
        let node = NodeConfiguration(faults: NodeFaults(corruptProbability: 0.02, garbageBurstsPerHour: 600))
        let run = render(Scenario.moderate.walkway, seconds: 600, seed: 11, node: node)
        #expect(run.statistics.garbageBytes > 0 && run.statistics.corrupted > 0)
        // A reader that resynchronises on `$` finds every undamaged sentence, and nothing else.
        let clean = run.chunks.filter { if case .sentence = $0.content { true } else { false } }
        let expected = clean.map { String(decoding: $0.bytes.dropLast(2), as: UTF8.self) }
        #expect(run.sentences.map(\.text) == expected)
        #expect(run.statistics.bytes == run.bytes.count)
    }

    @Test func rebootSendsHelloWithSeqZeroAndTickZeroAfterTheDowntime() {
        let faults = NodeFaults(reboots: [25_000], rebootDowntimeMillis: 800)
        let run = render(
            Scenario.moderate.walkway, seconds: 60, seed: 2, node: NodeConfiguration(faults: faults))
        let hellos = run.chunks.filter {
            if case .sentence(let sentence) = $0.content, case .hello = sentence.message {
                true
            } else {
                false
            }
        }
        #expect(hellos.map(\.time) == [0, 25_800])
        let sentences = run.sentences
        let rebootIndex = sentences.lastIndex { $0.type == "HELLO" }!
        #expect(sentences[rebootIndex].seq == 0 && sentences[rebootIndex].tick == 0)
        #expect(run.chunks.allSatisfy { !($0.time > 25_000 && $0.time < 25_800) })
        // The first status after the reboot comes 10 s into the new uptime, flagged as a watchdog reset.
        let status = sentences[rebootIndex...].first { $0.type == "S" }!
        #expect(status.tick == 10_000 && status.fields[0] == "10" && status.fields[3] == "8")
    }

    @Test func aBeamStuckForLongIsFlaggedInStatus() {
        let faults = NodeFaults(stuck: [StuckBeam(channel: .b, start: 5_000, duration: 60_000)])
        let run = render(
            Scenario.sparse.walkway, seconds: 90, seed: 4, node: NodeConfiguration(faults: faults))
        let flags = run.sentences.filter { $0.type == "S" }.map { ($0.tick, $0.fields[3]) }
        #expect(flags.filter { $0.1 == "2" }.map(\.0) == [40_000, 50_000, 60_000])
    }
}
