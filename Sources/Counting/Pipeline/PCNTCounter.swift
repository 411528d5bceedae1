import CountBins
import PCNT

/// The whole counting pipeline for one PCNT counter node, pure and deterministic:
/// bytes → sentences → sensor timeline → direction detector → aggregator → `CountBin`s.
///
/// An IR2 node's `B` edges go straight to the detector; a TOF2 node's `D` sample pairs go through
/// `RangePair` (presence against each channel's baseline) first, and its edges to the same detector.
///
/// The daemon feeds it the bytes it reads with their arrival time and calls `tick(now:)` every
/// second; `passant replay` feeds a capture with a fixed epoch and no arrival times. Either way the
/// same bytes give the same counts. Crossings, edges and sentences stay inside; only bins come out.
public struct PCNTCounter: SensorCounter {
    public struct Configuration: Sendable, Hashable {
        public var bins: Aggregator.Configuration
        public var detector: DualBeamDetector.Configuration
        /// Presence from distance, for TOF2 nodes.
        public var range: RangePair.Configuration
        /// Silence longer than this means the link or the node is down (PCNT: keepalive every second).
        public var linkTimeoutMillis: Int64

        public init(
            bins: Aggregator.Configuration, detector: DualBeamDetector.Configuration = .init(),
            range: RangePair.Configuration = .init(), linkTimeoutMillis: Int64 = 3000
        ) {
            self.bins = bins
            self.detector = detector
            self.range = range
            self.linkTimeoutMillis = linkTimeoutMillis
        }
    }

    public private(set) var configuration: Configuration
    public private(set) var health = SensorHealth(protocol: "pcnt")

    private var decoder = PCNTDecoder()
    private var timeline = NodeTimeline()
    private var detector: DualBeamDetector
    private var range: RangePair
    /// The node sends distances (TOF2): its channels' presence counts towards degradation.
    private var isRangeNode = false
    private var aggregator: Aggregator
    private var anchor: ClockAnchor
    /// UTC up to which link health has been recorded in the aggregator.
    private var accountedUntil: Int64?
    /// Timeline time of the last sentence.
    private var lastSensorTime: Int64?
    /// The node reports a fault (stuck beam, emitter) in its latest status.
    private var nodeFault = false
    private var crossings: [Crossing] = []
    private var live = LiveEvents()
    /// Answers to commands, until the daemon takes them (bounded: nobody may be asking).
    private var replies: [Response] = []
    /// The beams' states, for the live monitor.
    private var beams = (a: false, b: false)
    private var closed: [CountBin] = []

    public init(configuration: Configuration, clock: ClockAnchor.Mode) {
        self.configuration = configuration
        detector = DualBeamDetector(configuration: configuration.detector)
        range = RangePair(configuration: configuration.range)
        aggregator = Aggregator(configuration: configuration.bins)
        anchor = ClockAnchor(clock)
    }

    /// The latest instant (UTC, Unix ms) the sensor's own data has reached.
    public var sensorNow: Int64? { lastSensorTime.flatMap { anchor.utc($0) } }

    /// Crossings decided after their bin had closed (counted in the next bin).
    public var lateCrossings: Int { aggregator.lateCrossings }

    /// Feeds bytes read from the port. `arrival` is the system time they were read (Unix ms), or nil
    /// when replaying. Returns the bins this closed.
    public mutating func receive(_ bytes: some Sequence<UInt8>, arrival: Int64? = nil) -> [CountBin] {
        consume(bytes, arrival: arrival)
    }

    /// `SensorCounter`'s form of `receive`, for bytes straight from a read buffer.
    public mutating func receive(_ bytes: UnsafeRawBufferPointer, arrival: Int64?) -> [CountBin] {
        consume(bytes, arrival: arrival)
    }

    private mutating func consume(_ bytes: some Sequence<UInt8>, arrival: Int64?) -> [CountBin] {
        // The decoder is moved out while it calls back into `handle`, which mutates `self`.
        var decoder = PCNTDecoder()
        swap(&decoder, &self.decoder)
        decoder.decode(bytes) { sentence in
            handle(sentence, arrival: arrival)
        }
        swap(&decoder, &self.decoder)
        health.rejects = self.decoder.rejects
        health.sentences = self.decoder.sentencesAccepted
        health.rejectedFrames = health.rejects.total
        health.rejected = health.rejects.byReason
        if let now = sensorNow { closeBins(now: now) }
        return takeClosed()
    }

    /// The system clock moved on to `now` (Unix ms): notices a silent link and closes due bins.
    /// Only meaningful with the system-clock anchor; a fixed epoch follows the sensor's data alone.
    public mutating func tick(now: Int64) -> [CountBin] {
        if let last = sensorNow, now - last > configuration.linkTimeoutMillis {
            if health.link == .up {
                health.link = .down
                if let lastSensorTime { settleDetector(restartingAt: lastSensorTime) }
            }
            recordHealth(until: now, healthy: false, flags: .linkDown)
        }
        closeBins(now: now)
        return takeClosed()
    }

    /// Stops counting at `now` (or at the sensor's last data when nil): every open bin is closed, the
    /// current one early, flagged `closedEarly`.
    public mutating func finish(now: Int64? = nil) -> [CountBin] {
        guard let end = now ?? sensorNow else { return takeClosed() }
        if let lastSensorTime { settleDetector(restartingAt: lastSensorTime) }
        if let last = sensorNow, end > last {
            let silent = end - last > configuration.linkTimeoutMillis
            recordHealth(until: end, healthy: !silent && !isDegraded, flags: silent ? .linkDown : [])
        }
        closed.append(contentsOf: aggregator.closeAll(now: end))
        return takeClosed()
    }

    public mutating func watch(_ watching: Bool) { live.watch(watching) }

    public mutating func takeLiveEvents() -> [LiveEvent] { live.take() }

    public mutating func takeReplies() -> [Response] {
        defer { replies.removeAll() }
        return replies
    }

    /// Continues a bin that an earlier run closed early.
    public mutating func resume(_ bin: CountBin) {
        aggregator.resume(bin)
    }

    private var isDegraded: Bool { detector.isDegraded || nodeFault || (isRangeNode && range.isDegraded) }

    private mutating func handle(_ sentence: NodeSentence, arrival: Int64?) {
        let step = timeline.observe(sentence)
        if step.rebooted {
            settleDetector(restartingAt: step.time)
            anchor.reanchor()
            health.reboots += 1
        }
        anchor.observe(sensorTime: step.time, arrival: arrival)
        guard let utc = anchor.utc(step.time) else { return }
        if step.rebooted { aggregator.flag(.sensorRestarted, at: utc) }

        // Health of the span since the previous sentence.
        if accountedUntil == nil { accountedUntil = utc }
        var flags: BinFlags = []
        if step.silenceMillis > configuration.linkTimeoutMillis {
            flags.insert(.linkDown)
            settleDetector(restartingAt: step.time)
        }
        if step.lostSentences > 0 {
            flags.insert(.dataLost)
            health.lostSentences += step.lostSentences
            // Edges may be missing: whatever the detector holds can no longer be trusted.
            detector.reset(at: step.time)
            range.reset()
        }
        if isDegraded { flags.insert(.sensorDegraded) }
        recordHealth(until: utc, healthy: flags.isEmpty, flags: flags)
        health.link = .up
        lastSensorTime = step.time

        switch sentence.message {
        case .hello(let hello):
            health.hello = hello
            if hello.kind == .tof2 { isRangeNode = true }
        case .beam(let channel, let interrupted):
            if channel == .a { beams.a = interrupted } else { beams.b = interrupted }
            live.append(.channels(a: beams.a, b: beams.b))
            detector.handle(
                ChannelEdge(channel: channel, occupied: interrupted, time: step.time), into: &crossings)
        case .status(let status):
            health.status = status
            nodeFault = !status.flags.isDisjoint(with: [.beamAStuck, .beamBStuck, .emitterFault])
            if status.flags.contains(.watchdogReset) { aggregator.flag(.sensorRestarted, at: utc) }
            detector.advance(to: step.time, into: &crossings)
        case .response(let response):
            if replies.count >= 64 { replies.removeFirst() }
            replies.append(response)
            detector.advance(to: step.time, into: &crossings)
        case .keepalive:
            detector.advance(to: step.time, into: &crossings)
        case .distances(let da, let sa, let db, let sb):
            isRangeNode = true
            health.rangeSamples += 1
            if live.watched && health.rangeSamples % 5 == 0 {
                live.append(.distances(a: da == 0 ? nil : Int(da), b: db == 0 ? nil : Int(db)))
            }
            if let edge = range.observe(
                RangeReading(tof2Millimetres: da, strength: sa), on: .a, at: step.time)
            {
                handleRangeEdge(edge)
            }
            if let edge = range.observe(
                RangeReading(tof2Millimetres: db, strength: sb), on: .b, at: step.time)
            {
                handleRangeEdge(edge)
            }
            detector.advance(to: step.time, into: &crossings)
        }
        health.degraded = isDegraded
        countCrossings()
    }

    /// A TOF2 channel's presence began or ended: the detector takes it like a beam's edge.
    private mutating func handleRangeEdge(_ edge: ChannelEdge) {
        if edge.channel == .a { beams.a = edge.occupied } else { beams.b = edge.occupied }
        live.append(.channels(a: beams.a, b: beams.b))
        detector.handle(edge, into: &crossings)
    }

    /// The line went quiet or the node restarted: decide what the detector holds as if nothing more
    /// had happened since the last sentence (a walker who left the beams just before is still
    /// counted), then forget what cannot be decided.
    private mutating func settleDetector(restartingAt time: Int64) {
        if let lastSensorTime {
            detector.advance(
                to: lastSensorTime + configuration.detector.maxTransitMillis * 4, into: &crossings)
            countCrossings()
        }
        detector.reset(at: time)
        range.reset()
    }

    public mutating func recalibrate(_ setup: CounterSetup) -> Bool {
        guard case .pcnt(let new) = setup, new.bins == configuration.bins else { return false }
        if let lastSensorTime { settleDetector(restartingAt: lastSensorTime) }
        if new.detector != configuration.detector { detector = DualBeamDetector(configuration: new.detector) }
        if new.range != configuration.range { range = RangePair(configuration: new.range) }
        configuration = new
        return true
    }

    private mutating func countCrossings() {
        for crossing in crossings {
            if let time = anchor.utc(crossing.time) { aggregator.count(crossing.direction, at: time) }
            live.append(.crossing(crossing.direction))
        }
        health.crossings += crossings.count
        crossings.removeAll(keepingCapacity: true)
    }

    private mutating func recordHealth(until utc: Int64, healthy: Bool, flags: BinFlags) {
        guard let from = accountedUntil, utc > from else { return }
        aggregator.record(from: from, to: utc, healthy: healthy, flags: flags)
        accountedUntil = utc
    }

    private mutating func closeBins(now: Int64) {
        health.binCoverage = aggregator.coverage(ofBinAt: now)
        let pending = detector.pendingSince.flatMap { anchor.utc($0) }
        closed.append(contentsOf: aggregator.close(now: now, pendingSince: pending))
    }

    private mutating func takeClosed() -> [CountBin] {
        defer { closed.removeAll(keepingCapacity: true) }
        return closed
    }
}
