import CountBins

/// The gateway's idea of UTC for one sensor loop, kept safe from a clock that is not yet set or that
/// jumps. Pure: the daemon reads the clocks and hands them in (`ClockReading`).
///
/// **One timeline.** The pipeline is given `boot + offset`, where `boot` is a clock that never steps
/// (CLOCK_BOOTTIME) and `offset` follows the system clock while it only slews (NTP adjusts it by a
/// few hundred ppm at most). Detection never sees the system clock itself, so between two readings
/// time can neither jump nor run backwards.
///
/// **Steps.** When the system clock disagrees with the timeline by more than `stepMillis` (an NTP step,
/// `date -s`, the first synchronisation after a boot without a real-time clock), the offset jumps. The
/// daemon then finishes its counter at the old time and starts a fresh one at the new time, and
/// `afterStep` decides what happens to the bins in between:
/// - bins already handed on are never reopened: their keys are taken (`takenUntil`);
/// - the bin cut by the step is flagged `clock-unsynchronised` (its length in real time is unknown);
/// - after a step forward, the cut bin is stored and the skipped span has no bins (nothing was counted
///   in it: it is a gap, not an outage with coverage 0);
/// - after a step back, time before `takenUntil` would fall on stored keys, so the pipeline's time is
///   held at `floor` (the start of the first free bin) until the clock passes it: counts made meanwhile
///   land in that bin, which is flagged. Bins never overlap, repeat or run backwards.
///
/// **No clock yet.** Until the system says its clock is synchronised, bins are stamped provisionally
/// (the unsynchronised clock) and held here, flagged, instead of being stored. At synchronisation the
/// correction is known: held bins move by it — to the whole bin nearest their shifted midpoint, so each
/// count lands within half a bin of its true time — and are released without the flag. When that is
/// impossible (a step while unsynchronised, more than `holdLimit` bins) they are released flagged
/// `clock-unsynchronised` with their provisional time.
///
/// **Across a restart.** The daemon keeps what is held in its store with `bootStart(of:)` (the boot
/// id beside it), so a crash or a stop loses nothing: a restart in the same boot hands the bins back
/// (`adopt`) and they are stamped at synchronisation as if never interrupted; after a reboot the boot
/// clock means nothing any more, and the store releases them flagged (`BinStore.placeHeld`).
public struct ClockKeeper: Sendable {
    /// A step found by `observe`: the timeline jumps from `from` to `to` (Unix ms).
    public struct Step: Sendable, Hashable {
        public var from: Int64
        public var to: Int64
        /// This step is the first synchronisation: held bins can be moved by `to - from`.
        public var synchronises: Bool
    }

    /// What a step leaves the daemon to do with the old counter's last bins.
    public struct StepOutcome: Sendable, Hashable {
        /// To store now.
        public var store: [CountBin]
        /// To hand to the fresh counter (`SensorCounter.resume`), which continues them.
        public var resume: [CountBin]
    }

    public let length: BinLength
    /// A disagreement beyond this is a step; below it the clock is slewing and is followed.
    public var stepMillis: Int64 = 2_000
    /// Bins held while unsynchronised before the holding gives up (a day of 1-minute bins).
    public var holdLimit = 1_440
    /// UTC (Unix ms) = boot milliseconds + `offset`.
    public private(set) var offset: Int64
    /// Latched: once synchronised, a boot's clock stays good to ppm.
    public private(set) var synchronised: Bool
    public private(set) var steps = 0
    /// Every bin up to here (Unix ms) has been handed on: its key is taken.
    public private(set) var takenUntil: Int64
    /// The pipeline's time never goes below this (after a step back).
    public private(set) var floor: Int64
    /// Bins closed on the provisional timeline, waiting for the clock.
    public private(set) var held: [CountBin] = []
    private var holding = true
    /// The bin (start, s) counts were held in while the clock was behind `floor`.
    private var clampedBin: Int64?
    /// Counts of a bin whose key was taken, for the next free bin.
    private var carry: CountBin?

    /// Starts from the first reading. `storedUntil` is the end (Unix ms) of the sensor's last stored bin,
    /// so that not even a clock set back across a restart reopens a stored key.
    public init(_ reading: ClockReading, length: BinLength, storedUntil: Int64? = nil) {
        self.length = length
        offset = reading.realtime - reading.boot
        synchronised = reading.synchronised
        takenUntil = storedUntil ?? .min
        floor = storedUntil ?? .min
    }

    /// The time to give the pipeline for an instant on the boot clock.
    public mutating func time(boot: Int64) -> Int64 {
        let time = boot + offset
        // A provisional time is kept as it is: it moves by the correction at synchronisation.
        if time < floor, synchronised || !holding {
            clampedBin = length.start(containing: floor)
            return floor
        }
        return time
    }

    /// Compares a fresh reading of the clocks with the timeline: follows a slew, reports a step.
    public mutating func observe(_ reading: ClockReading) -> Step? {
        let current = time(boot: reading.boot)
        let synchronises = reading.synchronised && !synchronised
        if reading.synchronised { synchronised = true }
        let disagreement = reading.realtime - (reading.boot + offset)
        offset = reading.realtime - reading.boot
        guard disagreement > stepMillis || disagreement < -stepMillis else {
            return nil
        }
        steps += 1
        return Step(from: current, to: reading.realtime, synchronises: synchronises)
    }

    /// Takes the bins the pipeline closed: returns those to store now; holds the rest.
    public mutating func pass(_ bins: [CountBin]) -> [CountBin] {
        var out: [CountBin] = []
        for var bin in bins {
            let provisional = !synchronised && holding
            if !provisional, bin.key.end * 1000 <= takenUntil {
                // Its key is taken (a crossing just before `floor`, mapped from the node's time): its
                // counts go to the next free bin, never to a second bin with a stored key.
                carry = merge(carry, bin)
                continue
            }
            if let carried = carry {
                bin.aToB += carried.aToB
                bin.bToA += carried.bToA
                bin.fastMovers = bin.fastMovers + carried.fastMovers
                bin.flags.formUnion(carried.flags.union(.clockUnsynchronised))
                carry = nil
            }
            if let clampedBin, bin.key.start == clampedBin {
                bin.flags.insert(.clockUnsynchronised)
                if !bin.flags.contains(.closedEarly) { self.clampedBin = nil }
            }
            if !synchronised {
                bin.flags.insert(.clockUnsynchronised)
                if holding {
                    hold(bin)
                    if held.count > holdLimit { out += giveUpHolding() }
                    continue
                }
            }
            out.append(bin)
        }
        for bin in out where !bin.flags.contains(.closedEarly) {
            takenUntil = max(takenUntil, bin.key.end * 1000)
        }
        return out
    }

    /// Bins held for a synchronisation that came without a step (the clock was right, only unconfirmed):
    /// they keep their time and lose the flag. Call after `observe` returned nil.
    public mutating func takeConfirmed() -> [CountBin] {
        guard synchronised, !held.isEmpty else { return [] }
        let bins = held.map { bin in
            var bin = bin
            bin.flags.remove(.clockUnsynchronised)
            return bin
        }
        held.removeAll()
        holding = false
        return pass(bins)
    }

    /// After a step: `finished` are the old counter's open bins, closed at `step.from`.
    public mutating func afterStep(_ step: Step, finished: [CountBin]) -> StepOutcome {
        var pool: [CountBin] = finished.map { bin in
            var bin = bin
            if bin.flags.contains(.closedEarly) {
                bin.flags.remove(.closedEarly)
                bin.flags.insert(.clockUnsynchronised)
            }
            if !synchronised || step.synchronises { bin.flags.insert(.clockUnsynchronised) }
            return bin
        }
        var released: [CountBin] = []
        if step.synchronises && holding {
            // The correction is known: move what was counted on the provisional timeline.
            let correction = step.to - step.from
            pool = (held + pool).map { bin in
                var moved = bin
                let middle = bin.key.start * 1000 + length.seconds * 500 + correction
                moved.key.start = length.start(containing: middle)
                moved.flags.remove(.clockUnsynchronised)
                return moved
            }
            held.removeAll()
            holding = false
        } else if !synchronised {
            // A step before any synchronisation: held bins can no longer be placed.
            released = giveUpHolding()
        }
        for bin in released { takenUntil = max(takenUntil, bin.key.end * 1000) }
        // Keys up to `takenUntil` are gone; the fresh counter starts no earlier than the first free bin.
        floor = max(step.to, takenUntil)
        let floorBin = length.start(containing: floor)
        var store: [Int64: CountBin] = [:]
        var resume: [Int64: CountBin] = [:]
        for var bin in pool {
            if bin.key.end * 1000 <= takenUntil {
                // Its key is taken: its counts join the first free bin.
                bin.key.start = floorBin
                bin.flags.insert(.clockUnsynchronised)
            }
            if bin.key.start >= floorBin {
                resume[bin.key.start] = merge(resume[bin.key.start], bin)
            } else {
                store[bin.key.start] = merge(store[bin.key.start], bin)
            }
        }
        let stored = store.keys.sorted().map { store[$0]! }
        if !stored.isEmpty || !resume.isEmpty { clampedBin = nil }
        return StepOutcome(
            store: released + pass(stored), resume: resume.keys.sorted().map { resume[$0]! })
    }

    /// Where a held bin starts on the boot clock (seconds since boot), for keeping it on disk: rounded
    /// to a whole bin, so nothing finer than a bin is written. Read back by `adopt` in the same boot.
    public func bootStart(of bin: CountBin) -> Int64 {
        let lengthMillis = length.seconds * 1000
        let bootMillis = bin.key.start * 1000 - offset
        // Nearest whole bin, ties down: floor((b + L/2) / L) * L.
        let shifted = bootMillis + lengthMillis / 2 - 1
        let bins = shifted / lengthMillis - (shifted % lengthMillis < 0 ? 1 : 0)
        return bins * length.seconds
    }

    /// Takes back a bin held by an earlier run of this boot (passantd restarted before the clock was
    /// synchronised), as if it had never stopped. `bootStart` (`bootStart(of:)` then) places it on
    /// this run's provisional timeline: when the unsynchronised clock was not stepped between the two
    /// runs the bin keeps its key; when it was (it is synchronised now, or was set by hand), the bin
    /// moves with it, to within a bin. Held again (moved at synchronisation like any held bin), or,
    /// once synchronised, released at the next `takeConfirmed`. Call before the first `pass`.
    public mutating func adopt(_ bin: CountBin, bootStart: Int64) {
        var bin = bin
        let lengthMillis = length.seconds * 1000
        let drift = bootStart * 1000 + offset - bin.key.start * 1000
        if drift > lengthMillis / 2 || drift < -lengthMillis / 2 {
            let middle = bin.key.start * 1000 + lengthMillis / 2 + drift
            bin.key.start = length.start(containing: middle)
        }
        bin.flags.insert(.clockUnsynchronised)
        hold(bin)
    }

    /// Holds `bin`, adding it to a held bin with the same key (a bin closed early before a restart and
    /// continued by this run): held keys never repeat, so nothing is counted twice or overwritten.
    private mutating func hold(_ bin: CountBin) {
        guard let index = held.firstIndex(where: { $0.key == bin.key }) else {
            held.append(bin)
            return
        }
        let newer = bin.flags.contains(.closedEarly)
        held[index] = merge(held[index], bin)
        // The bin continued: it is closed early only if its last part was.
        if !newer { held[index].flags.remove(.closedEarly) }
    }

    /// At shutdown: what is still held, flagged, with its provisional time.
    public mutating func releaseHeld() -> [CountBin] {
        let bins = held
        held.removeAll()
        return bins
    }

    private mutating func giveUpHolding() -> [CountBin] {
        holding = false
        let bins = held
        held.removeAll()
        return bins
    }

    /// Two bins with one key: counts and covered time add up, flags unite.
    private func merge(_ a: CountBin?, _ b: CountBin) -> CountBin {
        guard var a else { return b }
        a.absorb(b)
        return a
    }
}

/// The gateway's clocks, read together at the edge.
public struct ClockReading: Sendable, Hashable {
    /// Milliseconds since boot on a clock that never steps and runs on through suspend (CLOCK_BOOTTIME).
    public var boot: Int64
    /// The system clock, Unix milliseconds (CLOCK_REALTIME): it may be unset or step.
    public var realtime: Int64
    /// Whether the system says its clock is synchronised (systemd-timesyncd, the kernel's NTP status).
    public var synchronised: Bool

    public init(boot: Int64, realtime: Int64, synchronised: Bool) {
        self.boot = boot
        self.realtime = realtime
        self.synchronised = synchronised
    }
}

extension ClockKeeper {
    /// What the once-a-second check did.
    public struct Check: Sendable {
        /// Bins to store now.
        public var bins: [CountBin]
        /// The step handled, if the clock stepped.
        public var step: Step?
        /// Held bins released because the clock was confirmed without a step.
        public var confirmed: Int
    }

    /// The daemon's once-a-second clock check on a sensor's counter: follows a slew; on a step finishes
    /// `counter` at the old time and replaces it by `fresh()` continuing the bins `afterStep` hands on;
    /// releases held bins once the clock is confirmed; closes the bins that are due.
    public mutating func check(
        _ reading: ClockReading, counter: inout any SensorCounter, fresh: () -> any SensorCounter
    ) -> Check {
        var bins: [CountBin] = []
        var confirmed = 0
        let step = observe(reading)
        if let step {
            let outcome = afterStep(step, finished: counter.finish(now: step.from))
            bins += outcome.store
            counter = fresh()
            for bin in outcome.resume { counter.resume(bin) }
        } else {
            let released = takeConfirmed()
            confirmed = released.count
            bins += released
        }
        bins += pass(counter.tick(now: time(boot: reading.boot)))
        return Check(bins: bins, step: step, confirmed: confirmed)
    }
}
