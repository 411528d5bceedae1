import CountBins
import Counting
import PCNT
import TestSupport
import Testing

/// A gateway without a real-time clock, second by second: a PCNT node sends a keepalive every second
/// and a walker A→B every `walkEvery` seconds; the gateway's boot clock runs on while its system clock
/// is set, stepped or left alone as a test says. Drives the real `PCNTCounter` through the daemon's
/// clock check (`ClockKeeper.check`) and collects what would be stored.
private struct Gateway {
    var keeper: ClockKeeper
    var counter: any SensorCounter
    /// The system clock minus the boot clock: a step changes it.
    var realOffset: Int64
    var synchronised: Bool
    var boot: Int64 = 5_000
    var tick: UInt32 = 0
    var seq: UInt16 = 0
    var stored: [CountBin] = []
    var walked = 0
    let walkEvery: Int

    static func fresh() -> any SensorCounter {
        PCNTCounter(
            configuration: .init(
                bins: .init(node: "gw", sensor: "door", length: .oneMinute, graceMillis: 5_000)),
            clock: .systemClock)
    }

    init(
        realtime: Int64, synchronised: Bool, walkEvery: Int = 7, storedUntil: Int64? = nil, boot: Int64 = 5_000
    ) {
        realOffset = realtime - boot
        self.boot = boot
        self.synchronised = synchronised
        self.walkEvery = walkEvery
        keeper = ClockKeeper(
            ClockReading(boot: boot, realtime: realtime, synchronised: synchronised), length: .oneMinute,
            storedUntil: storedUntil)
        counter = Self.fresh()
        send(.hello(Hello(nodeID: "n1", firmware: "1.0", kind: .ir2)))
    }

    mutating func send(_ message: NodeMessage, at offset: UInt32 = 0) {
        let bytes = NodeSentence(seq: seq, tick: tick + offset, message: message).encoded
        seq &+= 1
        let arrival = keeper.time(boot: boot + Int64(offset))
        let closed = bytes.withUnsafeBytes { counter.receive($0, arrival: arrival) }
        let passed = keeper.pass(closed)
        stored += passed
    }

    /// One second: a walker now and then, a keepalive, the clock check.
    mutating func second() {
        if Int(tick / 1000) % walkEvery == 3 {
            send(.beam(.a, interrupted: true), at: 100)
            send(.beam(.b, interrupted: true), at: 250)
            send(.beam(.a, interrupted: false), at: 350)
            send(.beam(.b, interrupted: false), at: 500)
            walked += 1
        }
        tick += 1000
        boot += 1000
        send(.keepalive)
        let reading = ClockReading(boot: boot, realtime: boot + realOffset, synchronised: synchronised)
        let check = keeper.check(reading, counter: &counter) { Self.fresh() }
        stored += check.bins
    }

    mutating func run(seconds: Int) {
        for _ in 0..<seconds { second() }
    }

    mutating func stop() {
        let end = keeper.time(boot: boot)
        let finished = counter.finish(now: end)
        let passed = keeper.pass(finished)
        let held = keeper.releaseHeld()
        stored += passed + held
    }

    var counted: Int { stored.reduce(0) { $0 + $1.aToB } }
}

private let noon: Int64 = 1_795_780_800_000  // 2026-11-27T12:00:00Z, a bin boundary

/// What must hold whatever the clock did: keys in order, none twice, none overlapping, none negative.
private func expectWellFormed(_ bins: [CountBin], sourceLocation: SourceLocation = #_sourceLocation) {
    let closed = bins.filter { !$0.flags.contains(.closedEarly) }
    let starts = closed.map(\.key.start)
    #expect(Set(starts).count == starts.count, "a key twice: \(starts)", sourceLocation: sourceLocation)
    #expect(starts == starts.sorted(), "bins out of order: \(starts)", sourceLocation: sourceLocation)
    #expect(
        closed.allSatisfy { $0.key.start % 60 == 0 && $0.aToB >= 0 && $0.coverage >= 0 && $0.coverage <= 1 })
}

@Suite("ClockKeeper")
struct ClockKeeperTests {
    @Test func aSynchronisedClockPassesBinsStraightThrough() {
        var gateway = Gateway(realtime: noon, synchronised: true)
        gateway.run(seconds: 300)
        gateway.stop()
        expectWellFormed(gateway.stored)
        #expect(gateway.stored.first?.key.start == noon / 1000)
        #expect(gateway.counted == gateway.walked)
        #expect(gateway.stored.allSatisfy { !$0.flags.contains(.clockUnsynchronised) })
        #expect(gateway.keeper.steps == 0)
    }

    @Test func binsAreHeldUntilSynchronisationAndThenMovedToTheTrueTime() {
        // Booted believing it is 08:00:00 (the last saved time); it is really 12:00:20.
        let believed = noon - 4 * 3_600_000
        var gateway = Gateway(realtime: believed, synchronised: false)
        gateway.run(seconds: 200)
        #expect(gateway.stored.isEmpty, "nothing may be stored with an unknown time")
        #expect(gateway.keeper.held.count >= 2)
        #expect(gateway.keeper.held.allSatisfy { $0.flags.contains(.clockUnsynchronised) })
        // NTP answers: the clock steps 4 h 20 s forward and is synchronised.
        gateway.realOffset += 4 * 3_600_000 + 20_000
        gateway.synchronised = true
        gateway.run(seconds: 300)
        gateway.stop()
        expectWellFormed(gateway.stored)
        #expect(gateway.counted == gateway.walked, "every walker counted once")
        // The first bin held 08:00:00–08:01:00 believed, i.e. 12:00:20–12:01:20 true: mostly 12:00.
        let first = gateway.stored.first!
        #expect(first.key.start == noon / 1000)
        #expect(!first.flags.contains(.clockUnsynchronised))
        // Nothing is left at the believed time, and the bins continue in true time.
        #expect(gateway.stored.allSatisfy { $0.key.start >= noon / 1000 })
        #expect(gateway.stored.last!.key.start >= (noon + 480_000) / 1000)
    }

    @Test func aClockConfirmedWithoutAStepReleasesHeldBinsAsTheyAre() {
        var gateway = Gateway(realtime: noon, synchronised: false)
        gateway.run(seconds: 150)
        #expect(gateway.stored.isEmpty)
        gateway.synchronised = true
        gateway.run(seconds: 100)
        gateway.stop()
        expectWellFormed(gateway.stored)
        #expect(gateway.stored.first?.key.start == noon / 1000)
        #expect(gateway.stored.allSatisfy { !$0.flags.contains(.clockUnsynchronised) })
        #expect(gateway.counted == gateway.walked)
    }

    @Test func stoppingBeforeSynchronisationDeliversTheBinsFlagged() {
        var gateway = Gateway(realtime: noon, synchronised: false)
        gateway.run(seconds: 200)
        gateway.stop()
        expectWellFormed(gateway.stored)
        #expect(gateway.stored.count >= 3)
        #expect(gateway.stored.allSatisfy { $0.flags.contains(.clockUnsynchronised) })
        #expect(gateway.counted == gateway.walked)
    }

    @Test func aStepForwardClosesTheCutBinFlaggedAndLeavesTheSkippedSpanWithoutBins() {
        var gateway = Gateway(realtime: noon, synchronised: true)
        gateway.run(seconds: 150)  // into the 12:02 bin
        gateway.realOffset += 3 * 3_600_000  // date -s three hours ahead
        gateway.run(seconds: 200)
        gateway.stop()
        expectWellFormed(gateway.stored)
        #expect(gateway.counted == gateway.walked)
        let cut = gateway.stored.first { $0.key.start == noon / 1000 + 120 }
        #expect(cut?.flags.contains(.clockUnsynchronised) == true)
        #expect(cut.map { $0.coverage < 1 } == true)
        // No 180 empty bins for the three skipped hours.
        #expect(gateway.stored.count < 12)
        #expect(gateway.stored.contains { $0.key.start >= noon / 1000 + 3 * 3600 })
    }

    @Test func aStepBackNeverReopensAStoredKey() {
        var gateway = Gateway(realtime: noon, synchronised: true)
        gateway.run(seconds: 330)  // bins up to 12:04 stored, 12:05 open
        let storedBefore = Set(gateway.stored.map(\.key.start))
        gateway.realOffset -= 600_000  // stepped back ten minutes, to 11:55:30
        gateway.run(seconds: 900)
        gateway.stop()
        expectWellFormed(gateway.stored)
        #expect(gateway.counted == gateway.walked, "nothing lost, nothing counted twice")
        let later = gateway.stored.dropFirst(storedBefore.count)
        #expect(later.allSatisfy { !storedBefore.contains($0.key.start) })
        // The counts made while the clock was behind went to the first free bin, flagged.
        let held = gateway.stored.first { $0.key.start == noon / 1000 + 300 }
        #expect(held?.flags.contains(.clockUnsynchronised) == true)
        #expect((held?.aToB ?? 0) > 10)
        // Once the clock has caught up, bins are normal again.
        #expect(gateway.stored.last { !$0.flags.contains(.closedEarly) }?.flags.isEmpty == true)
    }

    @Test func aSmallStepWithinABinContinuesTheBin() {
        var gateway = Gateway(realtime: noon, synchronised: true)
        gateway.run(seconds: 90)
        gateway.realOffset += 10_000
        gateway.run(seconds: 100)
        gateway.realOffset -= 15_000
        gateway.run(seconds: 100)
        gateway.stop()
        expectWellFormed(gateway.stored)
        #expect(gateway.counted == gateway.walked)
        #expect(gateway.keeper.steps == 2)
    }

    @Test func aSlewIsFollowedWithoutAStep() {
        var gateway = Gateway(realtime: noon, synchronised: true)
        for _ in 0..<600 {
            gateway.realOffset += 1  // NTP slewing at 1000 ppm, beyond what it ever does
            gateway.second()
        }
        gateway.stop()
        expectWellFormed(gateway.stored)
        #expect(gateway.keeper.steps == 0)
        #expect(gateway.stored.allSatisfy { !$0.flags.contains(.clockUnsynchronised) })
        #expect(gateway.counted == gateway.walked)
    }

    @Test func aClockSetBackAcrossARestartDoesNotReopenStoredBins() {
        // The previous run stored bins up to 12:10; after a restart the clock says 12:05.
        var gateway = Gateway(realtime: noon + 300_000, synchronised: true, storedUntil: noon + 600_000)
        gateway.run(seconds: 600)
        gateway.stop()
        expectWellFormed(gateway.stored)
        #expect(gateway.stored.allSatisfy { $0.key.start >= (noon + 600_000) / 1000 })
        #expect(gateway.stored.first?.flags.contains(.clockUnsynchronised) == true)
        #expect(gateway.counted == gateway.walked)
    }

    @Test func aStepWhileUnsynchronisedGivesUpHoldingAndDeliversFlagged() {
        var gateway = Gateway(realtime: noon, synchronised: false)
        gateway.run(seconds: 200)
        gateway.realOffset += 3_600_000
        gateway.run(seconds: 100)
        #expect(!gateway.stored.isEmpty)
        #expect(gateway.stored.allSatisfy { $0.flags.contains(.clockUnsynchronised) })
        gateway.stop()
        expectWellFormed(gateway.stored)
        #expect(gateway.counted == gateway.walked)
    }
}

/// passantd restarted within one boot before the clock was synchronised: what the first run held is
/// written with its boot-relative start (`bootStart(of:)`) and taken back by the second (`adopt`), as
/// the sensor loop does through the store's `held_bin` table.
@Suite("ClockKeeper across a restart")
struct ClockKeeperRestartTests {
    /// The first run's held bins as the store keeps them.
    private func heldRows(_ gateway: Gateway) -> [(bin: CountBin, bootStart: Int64)] {
        gateway.keeper.held.map { ($0, gateway.keeper.bootStart(of: $0)) }
    }

    /// The same boot, `seconds` later, with the system clock moved by `step` meanwhile.
    private func restart(
        _ gateway: Gateway, after seconds: Int64 = 5, step: Int64 = 0, synchronised: Bool = false
    ) -> Gateway {
        let boot = gateway.boot + seconds * 1000
        return Gateway(realtime: boot + gateway.realOffset + step, synchronised: synchronised, boot: boot)
    }

    @Test func heldBinsAreWrittenWithAWholeBinOfBootTime() {
        var gateway = Gateway(realtime: noon - 4 * 3_600_000 + 17_345, synchronised: false)
        gateway.run(seconds: 300)
        let rows = heldRows(gateway)
        #expect(rows.count >= 4)
        #expect(rows.allSatisfy { $0.bootStart % 60 == 0 })
        // Each within half a bin of the bin's true place on the boot clock.
        for row in rows {
            let bootMillis = row.bin.key.start * 1000 - gateway.keeper.offset
            #expect(abs(row.bootStart * 1000 - bootMillis) <= 30_000)
        }
    }

    @Test func aCrashBeforeSynchronisationLosesNoHeldBinAndTheyAreStampedAsIfNeverInterrupted() {
        // Booted believing it is 08:00:00; it is really 12:00:20 (as in the uninterrupted test).
        var first = Gateway(realtime: noon - 4 * 3_600_000, synchronised: false)
        first.run(seconds: 200)
        let rows = heldRows(first)
        let heldCount = rows.reduce(0) { $0 + $1.bin.aToB }
        #expect(heldCount > 0)
        // SIGKILL: the open bin is lost; passantd is back 5 s later, the clock still unsynchronised.
        var second = restart(first)
        for row in rows { second.keeper.adopt(row.bin, bootStart: row.bootStart) }
        #expect(second.keeper.held.map(\.key) == rows.map(\.bin.key), "no step between the runs: same keys")
        second.run(seconds: 100)
        second.realOffset += 4 * 3_600_000 + 20_000
        second.synchronised = true
        second.run(seconds: 300)
        second.stop()
        expectWellFormed(second.stored)
        #expect(second.counted == heldCount + second.walked, "every held walker counted once")
        let first0 = second.stored.first!
        #expect(first0.key.start == noon / 1000)
        #expect(!first0.flags.contains(.clockUnsynchronised))
        #expect(second.stored.allSatisfy { $0.key.start >= noon / 1000 })
    }

    @Test func aClockSynchronisedWhilePassantdWasDownStillPlacesTheHeldBins() {
        var first = Gateway(realtime: noon - 4 * 3_600_000, synchronised: false)
        first.run(seconds: 200)
        let rows = heldRows(first)
        let heldCount = rows.reduce(0) { $0 + $1.bin.aToB }
        // NTP stepped the clock 4 h 20 s while passantd was down: the boot clock tells by how much.
        var second = restart(first, after: 30, step: 4 * 3_600_000 + 20_000, synchronised: true)
        for row in rows { second.keeper.adopt(row.bin, bootStart: row.bootStart) }
        second.run(seconds: 100)
        second.stop()
        expectWellFormed(second.stored)
        #expect(second.counted == heldCount + second.walked)
        #expect(second.stored.first?.key.start == noon / 1000)
        #expect(second.stored.first.map { !$0.flags.contains(.clockUnsynchronised) } == true)
        #expect(second.stored.allSatisfy { $0.key.start >= noon / 1000 })
    }

    @Test func aBinClosedEarlyAtAStopIsContinuedAfterARestartWithinItNotCountedTwice() {
        var first = Gateway(realtime: noon, synchronised: false)
        first.run(seconds: 90)
        // A graceful stop in the middle of 12:01: its bin is closed early and held with the others.
        let finished = first.counter.finish(now: first.keeper.time(boot: first.boot))
        #expect(first.keeper.pass(finished).isEmpty)
        #expect(first.keeper.held.last?.flags.contains(.closedEarly) == true)
        let rows = heldRows(first)
        var second = restart(first, after: 3)
        for row in rows { second.keeper.adopt(row.bin, bootStart: row.bootStart) }
        second.run(seconds: 100)
        second.synchronised = true
        second.run(seconds: 100)
        second.stop()
        expectWellFormed(second.stored)
        #expect(second.counted == first.walked + second.walked)
        let cut = second.stored.filter { $0.key.start == noon / 1000 + 60 }
        #expect(cut.count == 1)
        #expect(cut.first.map { !$0.flags.contains(.closedEarly) } == true)
    }
}

@Suite("ClockAnchor over a week")
struct ClockAnchorWeekTests {
    /// A node whose crystal runs 50 ppm fast (its tick gains 30 s a week), sentences arriving with
    /// 2–40 ms of jitter: every instant maps to within a few milliseconds of the truth all week, so no
    /// crossing moves to a neighbouring bin.
    @Test(arguments: [50, -50])
    func fiftyPpmOfDriftOverAWeekDoesNotShiftBins(ppm: Int64) {
        var anchor = ClockAnchor(.systemClock)
        var random = SeededGenerator(seed: 7)
        var worst: Int64 = 0
        var binsShifted = 0
        let week: Int64 = 7 * 24 * 3600
        for second in 0...week {
            let truth = noon + second * 1000
            let sensor = second * 1000 + second * ppm / 1000
            anchor.observe(sensorTime: sensor, arrival: truth + 2 + Int64(random.next() % 39))
            let error = abs(anchor.utc(sensor)! - truth)
            worst = max(worst, error)
            // A crossing 0.5 s before a bin's end stays in its bin.
            let crossing = truth + 59_500 - (truth % 60_000)
            let crossingSensor = sensor + (crossing - truth) * (1_000_000 + ppm) / 1_000_000
            if second % 3600 == 0,
                BinLength.oneMinute.start(containing: anchor.utc(crossingSensor)!)
                    != BinLength.oneMinute.start(containing: crossing)
            {
                binsShifted += 1
            }
        }
        #expect(worst < 100, "worst error \(worst) ms")
        #expect(binsShifted == 0)
    }
}
