import CountBins
import LD06

/// The whole counting pipeline for one LD06 / LD19 2D LiDAR, pure and deterministic:
/// bytes → packets → turns on the sensor's timeline → background, clusters, tracks, counting line →
/// aggregator → `CountBin`s. Points, turns and tracks stay inside; only bins come out.
///
/// Same contract as `PCNTCounter` (see `SensorCounter`). The LD06 streams 375 packets a second while
/// it spins, so any silence longer than the link timeout is an outage.
public struct LD06Counter: SensorCounter {
    public struct Configuration: Sendable, Hashable {
        public var bins: Aggregator.Configuration
        public var detector: LidarDetector.Configuration
        /// Silence longer than this means the link or the sensor is down.
        public var linkTimeoutMillis: Int64

        public init(
            bins: Aggregator.Configuration, detector: LidarDetector.Configuration,
            linkTimeoutMillis: Int64 = 1500
        ) {
            self.bins = bins
            // Bins carry fast movers exactly when the detector tells them apart.
            self.bins.countsFastMovers = detector.fastMoverSpeed != nil
            self.detector = detector
            self.linkTimeoutMillis = linkTimeoutMillis
        }
    }

    public private(set) var configuration: Configuration
    public private(set) var health = SensorHealth(protocol: "ld06")

    private var decoder = LD06Decoder()
    private var assembler = ScanAssembler()
    private var detector: LidarDetector
    private var aggregator: Aggregator
    private var anchor: ClockAnchor
    private var accountedUntil: Int64?
    private var lastSensorTime: Int64?
    private var pendingFlags: BinFlags = []
    private var crossings: [Crossing] = []
    private var scans: [LD06Scan] = []
    private var closed: [CountBin] = []
    private var live = LiveEvents()

    public init(configuration: Configuration, clock: ClockAnchor.Mode) {
        self.configuration = configuration
        detector = LidarDetector(configuration: configuration.detector)
        aggregator = Aggregator(configuration: configuration.bins)
        anchor = ClockAnchor(clock)
    }

    public var sensorNow: Int64? { lastSensorTime.flatMap { anchor.utc($0) } }

    /// Turns handled by the detector.
    public var turns: Int { detector.turns }

    public var lateCrossings: Int { aggregator.lateCrossings }

    public mutating func receive(_ bytes: UnsafeRawBufferPointer, arrival: Int64?) -> [CountBin] {
        consume(bytes, arrival: arrival)
    }

    /// Feeds bytes from any collection (tests, replay).
    public mutating func receive(_ bytes: some Sequence<UInt8>, arrival: Int64? = nil) -> [CountBin] {
        consume(bytes, arrival: arrival)
    }

    private mutating func consume(_ bytes: some Sequence<UInt8>, arrival: Int64?) -> [CountBin] {
        var decoder = LD06Decoder()
        swap(&decoder, &self.decoder)
        decoder.decode(bytes) { packet in handle(packet, arrival: arrival) }
        swap(&decoder, &self.decoder)
        health.frames = self.decoder.packetsAccepted
        health.rejectedFrames = self.decoder.rejects.total
        health.rejected = self.decoder.rejects.byReason
        if let now = sensorNow { closeBins(now: now) }
        return takeClosed()
    }

    public mutating func tick(now: Int64) -> [CountBin] {
        if let last = sensorNow, now - last > configuration.linkTimeoutMillis {
            if health.link == .up {
                health.link = .down
                settle()
            }
            recordHealth(until: now, healthy: false, flags: .linkDown)
        }
        closeBins(now: now)
        return takeClosed()
    }

    public mutating func finish(now: Int64? = nil) -> [CountBin] {
        guard let end = now ?? sensorNow else { return takeClosed() }
        settle()
        if let last = sensorNow, end > last {
            let silent = end - last > configuration.linkTimeoutMillis
            recordHealth(until: end, healthy: !silent && !detector.isLearning, flags: silent ? .linkDown : [])
        }
        closed.append(contentsOf: aggregator.closeAll(now: end))
        return takeClosed()
    }

    public mutating func resume(_ bin: CountBin) {
        aggregator.resume(bin)
    }

    /// A new counting line, region or background: people in view are decided as at a link loss, and
    /// the new detector starts from its background (or learns one when the file is missing).
    public mutating func recalibrate(_ setup: CounterSetup) -> Bool {
        guard case .ld06(let new) = setup, new.bins == configuration.bins else { return false }
        settle()
        detector = LidarDetector(configuration: new.detector)
        configuration = new
        return true
    }

    public mutating func watch(_ watching: Bool) { live.watch(watching) }

    public mutating func takeLiveEvents() -> [LiveEvent] { live.take() }

    private mutating func handle(_ packet: LD06Packet, arrival: Int64?) {
        let step = assembler.add(packet) { scan in scans.append(scan) }
        anchor.observe(sensorTime: step.time, arrival: arrival)
        guard let utc = anchor.utc(step.time) else { return }
        if accountedUntil == nil { accountedUntil = utc }
        var flags: BinFlags = []
        if step.silenceMillis > configuration.linkTimeoutMillis {
            flags.insert(.linkDown)
            settle()
            assembler.discardTurn()
            scans.removeAll()
        }
        if step.lostPackets > 0 {
            flags.insert(.dataLost)
            health.lostFrames += step.lostPackets
        }
        if detector.isLearning { flags.insert(.sensorDegraded) }
        recordHealth(until: utc, healthy: flags.isEmpty, flags: flags)
        health.link = .up
        lastSensorTime = step.time
        for scan in scans {
            detector.handle(scan, into: &crossings)
            // A turn that only supplied half of the next one (see `TurnSeam`) shows nothing new.
            if live.watched, detector.turnTime != nil { live.append(detector.liveScan) }
        }
        scans.removeAll(keepingCapacity: true)
        health.degraded = detector.isLearning
        countCrossings()
    }

    /// Tracks that passed the line count; the rest are forgotten.
    private mutating func settle() {
        detector.reset(into: &crossings)
        countCrossings()
    }

    private mutating func countCrossings() {
        for crossing in crossings {
            switch crossing.kind {
            case .pedestrian:
                live.append(.crossing(crossing.direction))
                health.crossings += 1
            // Counted apart in the bins (`CountBin.fastMovers`), never as pedestrians.
            case .fastMover: health.fastMovers += 1
            }
            if let time = anchor.utc(crossing.time) {
                aggregator.count(crossing.direction, kind: crossing.kind, at: time)
            }
        }
        crossings.removeAll(keepingCapacity: true)
    }

    private mutating func recordHealth(until utc: Int64, healthy: Bool, flags: BinFlags) {
        guard let from = accountedUntil, utc > from else { return }
        aggregator.record(from: from, to: utc, healthy: healthy, flags: flags)
        accountedUntil = utc
    }

    private mutating func closeBins(now: Int64) {
        let pending = detector.pendingSince.flatMap { anchor.utc($0) }
        closed.append(contentsOf: aggregator.close(now: now, pendingSince: pending))
    }

    private mutating func takeClosed() -> [CountBin] {
        defer { closed.removeAll(keepingCapacity: true) }
        return closed
    }
}
