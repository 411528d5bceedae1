import LD06
import Testing

/// Packets of a sensor turning at 10 Hz: 37.5 packets per turn, 8.8° each, 2.67 ms apart.
func turningPackets(count: Int, firstTimestamp: Int = 0, skip: Set<Int> = []) -> [LD06Packet] {
    (0..<count).compactMap { index in
        if skip.contains(index) { return nil }
        let start = (index * 960) % 36000  // 9.6° per packet: 12 samples at 0.8°
        let timestamp = firstTimestamp + index * 8 / 3
        return packet(start: start, timestamp: timestamp)
    }
}

@Suite("LD06 turns")
struct ScanTests {
    @Test func turnsStartWhereTheAngleFallsBackAcrossZero() {
        var assembler = ScanAssembler()
        var scans: [LD06Scan] = []
        for packet in turningPackets(count: 120) { assembler.add(packet) { scans.append($0) } }
        // 120 packets of 9.6° are 3.2 turns: three completed.
        #expect(scans.count == 3)
        for scan in scans.dropFirst() {
            #expect(scan.points.count == 450)
            #expect(scan.points.first!.angle < 1)
            #expect(scan.points.last!.angle > 359)
            #expect(zip(scan.points, scan.points.dropFirst()).allSatisfy { $0.angle < $1.angle })
            #expect((95...101).contains(scan.endTime - scan.time))
        }
    }

    @Test func theTimestampWrapsAt30000WithoutATimeJump() {
        var assembler = ScanAssembler()
        var times: [Int64] = []
        for packet in turningPackets(count: 40, firstTimestamp: 29_950) {
            times.append(assembler.add(packet) { _ in }.time)
        }
        #expect(zip(times, times.dropFirst()).allSatisfy { $1 - $0 >= 2 && $1 - $0 <= 3 })
        #expect(times.last! - times.first! == 104)
        #expect(assembler.lostPacketsTotal == 0)
    }

    @Test func lostPacketsAreCountedFromTheTimestampGap() {
        var assembler = ScanAssembler()
        var scans: [LD06Scan] = []
        for packet in turningPackets(count: 80, skip: [50, 51, 52]) {
            assembler.add(packet) { scans.append($0) }
        }
        #expect(assembler.lostPacketsTotal == 3)
        #expect(scans.map(\.lostPackets) == [0, 3])
    }

    @Test func noReturnIsToldByTheDistanceNotTheIntensity() {
        var assembler = ScanAssembler()
        var scans: [LD06Scan] = []
        var packets = turningPackets(count: 80)
        packets[40].points = Array(repeating: LD06Point(distance: 0, intensity: 180), count: 12)
        for packet in packets { assembler.add(packet) { scans.append($0) } }
        let blind = scans[1].points.filter { $0.distance == 0 }
        #expect(blind.count == 12)
        #expect(blind.allSatisfy { $0.intensity == 180 })
    }
}
