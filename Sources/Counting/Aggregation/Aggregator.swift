import CountBins

/// Turns crossings and link health into anonymous `CountBin`s: the privacy boundary of the pipeline.
///
/// Bins are aligned to UTC and closed a grace period after their end, and never while the detector
/// still holds undecided observations from before the end (`pendingSince`), so a person who paused in
/// the beams at 14:59:58 is counted in the 14:45 bin even when the decision comes at 15:00:07.
/// Coverage is the fraction of the bin for which the pipeline reported a healthy link.
///
/// All times are Unix milliseconds (UTC) supplied by the caller; the aggregator reads no clock.
public struct Aggregator: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// The gateway's id, part of every bin key.
        public var node: String
        /// The sensor's name, part of every bin key.
        public var sensor: String
        public var length: BinLength
        /// How long after its end a bin stays open for late decisions.
        public var graceMillis: Int64
        /// The sensor tells fast movers apart: its bins carry `fastMovers`, zero included.
        public var countsFastMovers: Bool

        public init(
            node: String, sensor: String, length: BinLength = .fifteenMinutes, graceMillis: Int64 = 10_000,
            countsFastMovers: Bool = false
        ) {
            self.node = node
            self.sensor = sensor
            self.length = length
            self.graceMillis = graceMillis
            self.countsFastMovers = countsFastMovers
        }
    }

    /// A bin still collecting.
    struct OpenBin: Sendable {
        var aToB = 0
        var bToA = 0
        var fastMovers = FastMovers(aToB: 0, bToA: 0)
        var healthyMillis: Int64 = 0
        var flags: BinFlags = []
    }

    public let configuration: Configuration
    /// Open bins by start (Unix seconds). Usually one, two around a boundary.
    private var open: [Int64: OpenBin] = [:]
    /// Everything before this instant (Unix ms) belongs to bins already closed.
    public private(set) var closedBefore: Int64?
    /// Crossings decided after their bin had closed, counted in the oldest open bin instead.
    public private(set) var lateCrossings = 0

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    private var lengthMillis: Int64 { configuration.length.seconds * 1000 }

    /// Counts one person (or, for `.fastMover`, one cyclist or scooter) at `unixMillis`.
    public mutating func count(
        _ direction: Direction, kind: Crossing.Kind = .pedestrian, at unixMillis: Int64
    ) {
        var time = unixMillis
        if let closedBefore, time < closedBefore {
            lateCrossings += 1
            time = closedBefore
        }
        update(binAt: time) { bin in
            switch (kind, direction) {
            case (.pedestrian, .aToB): bin.aToB += 1
            case (.pedestrian, .bToA): bin.bToA += 1
            case (.fastMover, .aToB): bin.fastMovers.aToB += 1
            case (.fastMover, .bToA): bin.fastMovers.bToA += 1
            }
        }
    }

    /// Records the link's health over `[from, to)`. Healthy time adds to coverage; an unhealthy span
    /// adds `flags` to every bin it touches.
    public mutating func record(from: Int64, to: Int64, healthy: Bool, flags: BinFlags = []) {
        var from = from
        if let closedBefore { from = max(from, closedBefore) }
        guard to > from else { return }
        var start = from
        while start < to {
            let binStart = configuration.length.start(containing: start) * 1000
            let end = min(to, binStart + lengthMillis)
            update(binAt: start) { bin in
                if healthy { bin.healthyMillis += end - start }
                bin.flags.formUnion(flags)
            }
            start = end
        }
    }

    /// Adds `flags` to the bin holding `unixMillis` (a node reboot, a fault report).
    public mutating func flag(_ flags: BinFlags, at unixMillis: Int64) {
        let time = max(unixMillis, closedBefore ?? unixMillis)
        update(binAt: time) { $0.flags.formUnion(flags) }
    }

    /// Closes every bin whose end lies a grace period before `now` and before `pendingSince`.
    /// Bins with no data at all are closed too, with coverage 0, so an outage is visible as such —
    /// but only from the first bin the aggregator has seen onwards.
    public mutating func close(now: Int64, pendingSince: Int64? = nil) -> [CountBin] {
        let horizon = min(now - configuration.graceMillis, pendingSince ?? Int64.max)
        let first = closedBefore.map { $0 / 1000 } ?? open.keys.min()
        guard var start = first else { return [] }
        var closed: [CountBin] = []
        while (start + configuration.length.seconds) * 1000 <= horizon {
            closed.append(bin(start: start, from: open.removeValue(forKey: start) ?? OpenBin()))
            start += configuration.length.seconds
            closedBefore = start * 1000
        }
        return closed
    }

    /// Closes all open bins at shutdown. A bin that has not reached its end is flagged `closedEarly`
    /// with the coverage it has; `resume(_:)` continues it after a restart.
    public mutating func closeAll(now: Int64) -> [CountBin] {
        var closed = close(now: now + configuration.graceMillis)
        for start in open.keys.sorted() {
            var bin = open[start]!
            if (start + configuration.length.seconds) * 1000 > now { bin.flags.insert(.closedEarly) }
            closed.append(self.bin(start: start, from: bin))
        }
        open.removeAll()
        if let last = closed.last { closedBefore = max(closedBefore ?? 0, last.key.end * 1000) }
        return closed
    }

    /// Continues a bin that an earlier run closed early, so a restart within a bin loses nothing.
    public mutating func resume(_ stored: CountBin) {
        guard stored.key.length == configuration.length, stored.key.sensor == configuration.sensor,
            closedBefore.map({ stored.key.end * 1000 > $0 }) ?? true
        else { return }
        var flags = stored.flags
        flags.remove(.closedEarly)
        let healthy = Int64((stored.coverage * Double(lengthMillis)).rounded())
        var bin = open[stored.key.start] ?? OpenBin()
        bin.aToB += stored.aToB
        bin.bToA += stored.bToA
        if let fast = stored.fastMovers { bin.fastMovers = bin.fastMovers + fast }
        bin.healthyMillis += healthy
        bin.flags.formUnion(flags)
        open[stored.key.start] = bin
    }

    /// The coverage so far of the bin holding `now` (Unix ms): its healthy time over the time gone
    /// by in it. Nil at the very start of a bin.
    public func coverage(ofBinAt now: Int64) -> Double? {
        let start = configuration.length.start(containing: now)
        let elapsed = now - start * 1000
        guard elapsed > 0 else { return nil }
        let healthy = open[start]?.healthyMillis ?? 0
        return (min(1, Double(healthy) / Double(elapsed)) * 10_000).rounded() / 10_000
    }

    private mutating func update(binAt unixMillis: Int64, _ change: (inout OpenBin) -> Void) {
        let start = configuration.length.start(containing: unixMillis)
        change(&open[start, default: OpenBin()])
    }

    private func bin(start: Int64, from open: OpenBin) -> CountBin {
        let coverage = min(1, max(0, Double(open.healthyMillis) / Double(lengthMillis)))
        return CountBin(
            key: BinKey(
                node: configuration.node, sensor: configuration.sensor, start: start,
                length: configuration.length),
            aToB: open.aToB, bToA: open.bToA, coverage: (coverage * 10_000).rounded() / 10_000,
            flags: open.flags, fastMovers: configuration.countsFastMovers ? open.fastMovers : nil)
    }
}
