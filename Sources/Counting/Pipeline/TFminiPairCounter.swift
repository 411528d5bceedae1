import CountBins
import PCNT
import TFmini

/// The whole counting pipeline for two TFmini-family rangefinders on two ports, pure and deterministic:
/// bytes of each port → frames → readings → presence per channel (`RangePair`) → edges merged in time
/// order → the dual-channel detector the infrared beams use → aggregator → `CountBin`s.
///
/// **Time.** A TFmini frame carries no time. With the system clock, a frame's time is its arrival,
/// the frames of one read spread back by the frame period, so that a chunk's frames do not share an
/// instant (and times never go back). With a fixed epoch (replays, simulated sensors), a frame's time is
/// its index times the configured frame period, and a channel that comes back after an outage restarts at
/// its partner's time: the two look at the same walkway at the same moments.
///
/// **Merging.** Each channel's edges wait until the other channel has reported as far, so the detector
/// sees both channels' edges in time order whichever port was read first. A channel silent for longer
/// than the link timeout no longer holds the other back; the pair is then down (it cannot count with one
/// eye) and its bins say so.
public struct TFminiPairCounter: SensorCounter {
    public struct Configuration: Sendable, Hashable {
        public var bins: Aggregator.Configuration
        public var detector: DualBeamDetector.Configuration
        public var range: RangePair.Configuration
        /// The model on channel A's port and on channel B's: they say "invalid" differently.
        public var modelA: TFminiModel
        public var modelB: TFminiModel
        /// The distance unit the sensors are set to (output format command).
        public var unit: TFminiDistanceUnit
        /// The sensors' frame rate (default 100 Hz), for frame times with a fixed epoch.
        public var frameRateHz: Int
        /// A channel silent for longer than this is down. Default 1000 (100 frames at the default rate).
        public var linkTimeoutMillis: Int64

        public init(
            bins: Aggregator.Configuration, detector: DualBeamDetector.Configuration = .init(),
            range: RangePair.Configuration = .init(), modelA: TFminiModel = .tfminiS,
            modelB: TFminiModel = .tfminiS, unit: TFminiDistanceUnit = .centimetres, frameRateHz: Int = 100,
            linkTimeoutMillis: Int64 = 1000
        ) {
            self.bins = bins
            self.detector = detector
            self.range = range
            self.modelA = modelA
            self.modelB = modelB
            self.unit = unit
            self.frameRateHz = frameRateHz
            self.linkTimeoutMillis = linkTimeoutMillis
        }
    }

    /// One port's bookkeeping.
    struct Port: Sendable {
        var decoder = TFminiDecoder()
        /// Timeline time of frame index 0 since the last restart (fixed epoch).
        var base: Int64 = 0
        var index: Int64 = 0
        /// Timeline time of the latest frame.
        var latest: Int64?
        /// Timeline time of the first frame ever.
        var first: Int64?
        /// Read live: when this port first delivered since the partner last did (system clock, Unix ms).
        var deliveringAloneSince: Int64?
        /// Edges not yet merged.
        var edges: [ChannelEdge] = []
        var down = false
    }

    public private(set) var configuration: Configuration
    public private(set) var health = SensorHealth(protocol: "tfmini-pair")

    private let clock: ClockAnchor.Mode
    private var ports = [Port(), Port()]
    private var range: RangePair
    private var detector: DualBeamDetector
    private var aggregator: Aggregator
    /// Timeline time up to which both channels have been merged into the detector.
    private var merged: Int64?
    private var accountedUntil: Int64?
    private var readings: [RangeReading] = []
    private var live = LiveEvents()
    /// For the live monitor: each channel's presence and latest distance.
    private var present = (a: false, b: false)
    private var lastDistance: (a: Int?, b: Int?) = (nil, nil)
    private var crossings: [Crossing] = []
    private var closed: [CountBin] = []

    public init(configuration: Configuration, clock: ClockAnchor.Mode) {
        self.configuration = configuration
        self.clock = clock
        range = RangePair(configuration: configuration.range)
        detector = DualBeamDetector(configuration: configuration.detector)
        aggregator = Aggregator(configuration: configuration.bins)
        health.rangefinders = RangefinderPairHealth()
        readings.reserveCapacity(512)
    }

    /// The latest instant (UTC, Unix ms) both channels' data have reached.
    public var sensorNow: Int64? { merged.map(utc) }

    /// Crossings decided after their bin had closed (counted in the next bin).
    public var lateCrossings: Int { aggregator.lateCrossings }

    /// Feeds bytes read from `channel`'s port. `arrival` is the system time they were read (Unix ms), or
    /// nil when replaying. Returns the bins this closed.
    public mutating func receive(_ bytes: some Sequence<UInt8>, from channel: Channel, arrival: Int64? = nil)
        -> [CountBin]
    {
        let side = channel == .a ? 0 : 1
        let model = channel == .a ? configuration.modelA : configuration.modelB
        let unit = configuration.unit
        // Moved out while the decoder calls back, so that the closure does not capture `self`.
        var decoder = ports[side].decoder
        var readings = self.readings
        ports[side].decoder = TFminiDecoder()
        self.readings = []
        readings.removeAll(keepingCapacity: true)
        var version: TFminiVersion?
        decoder.decode(bytes) { output in
            switch output {
            case .frame(let frame): readings.append(RangeReading(model.reading(of: frame, unit: unit)))
            case .reply(.version(let v)): version = v
            case .reply: break
            }
        }
        ports[side].decoder = decoder
        if let version { health.rangefinders?[channel].version = version }
        if !readings.isEmpty { place(readings, on: side, arrival: arrival) }
        self.readings = readings
        var sensor = health.rangefinders ?? RangefinderPairHealth()
        sensor[channel].frames = ports[side].decoder.framesAccepted
        sensor[channel].rejects = ports[side].decoder.rejects
        sensor[channel].baseline = range.baseline(channel)
        sensor[channel].learning = range.isLearning(channel)
        if let statistics = range.statistics(channel) {
            sensor[channel].noReturn = statistics.noReturn
            sensor[channel].saturated = statistics.saturated
        }
        health.rangefinders = sensor
        health.frames = ports[0].decoder.framesAccepted + ports[1].decoder.framesAccepted
        let rejects = [ports[0].decoder.rejects, ports[1].decoder.rejects]
        health.rejectedFrames = rejects.reduce(0) { $0 + $1.total }
        health.rejected = [
            "bad_checksum": rejects.reduce(0) { $0 + $1.badFrameChecksum + $1.badMessageChecksum },
            "unknown_message": rejects.reduce(0) { $0 + $1.unknownMessages },
            "noise_bytes": rejects.reduce(0) { $0 + $1.noiseBytes },
        ]
        merge()
        return takeClosed()
    }

    // MARK: - SensorCounter

    public var portCount: Int { 2 }

    /// Channel A's bytes: a pair reads two ports, see `receive(_:port:arrival:)`.
    public mutating func receive(_ bytes: UnsafeRawBufferPointer, arrival: Int64?) -> [CountBin] {
        receive(bytes, from: .a, arrival: arrival)
    }

    /// Port 0 is channel A's sensor, port 1 channel B's.
    public mutating func receive(_ bytes: UnsafeRawBufferPointer, port: Int, arrival: Int64?) -> [CountBin] {
        receive(bytes, from: port == 0 ? .a : .b, arrival: arrival)
    }

    public mutating func reopened(port: Int) {
        reconnected(port == 0 ? .a : .b)
    }

    /// On every open: frames in the configured unit (a sensor once saved in mm would otherwise read ten
    /// times too far), at the configured rate, output on. Not saved, so the sensor's flash is not worn.
    public func greeting(port: Int) -> [UInt8] {
        TFminiCommand.outputFormat(configuration.unit == .millimetres ? .millimetres : .centimetres).encoded
            + TFminiCommand.frameRate(UInt16(clamping: configuration.frameRateHz)).encoded
            + TFminiCommand.output(enabled: true).encoded
    }

    public mutating func watch(_ watching: Bool) { live.watch(watching) }

    public mutating func takeLiveEvents() -> [LiveEvent] { live.take() }

    /// The port of `channel` was reopened (unplugged and back): frames lost meanwhile are unknown.
    public mutating func reconnected(_ channel: Channel) {
        let side = channel == .a ? 0 : 1
        ports[side].decoder = TFminiDecoder()
        health.rangefinders?[channel].reconnects += 1
        markDown(side)
    }

    /// The system clock moved on to `now` (Unix ms): notices silent ports and closes due bins. Only
    /// meaningful with the system clock; a fixed epoch follows the sensors' data alone.
    public mutating func tick(now: Int64) -> [CountBin] {
        guard clock == .systemClock else { return takeClosed() }
        for side in 0..<2 where !ports[side].down {
            if let latest = ports[side].latest, now - latest > configuration.linkTimeoutMillis {
                markDown(side)
            }
        }
        if ports.allSatisfy(\.down) {
            recordHealth(until: now, healthy: false, flags: .linkDown)
            updateLink()
        }
        closeBins(now: now)
        return takeClosed()
    }

    /// Stops counting at `now` (or at the sensors' last data when nil): every open bin is closed, the
    /// current one early.
    public mutating func finish(now: Int64? = nil) -> [CountBin] {
        let last = ports.compactMap(\.latest).max()
        if let last { release(upTo: last) }
        settleDetector(restartingAt: last ?? 0)
        guard let end = now ?? sensorNow else { return takeClosed() }
        if let known = sensorNow, end > known {
            let silent = end - known > configuration.linkTimeoutMillis
            recordHealth(until: end, healthy: false, flags: silent ? .linkDown : [])
        }
        closed.append(contentsOf: aggregator.closeAll(now: end))
        return takeClosed()
    }

    /// Continues a bin that an earlier run closed early.
    public mutating func resume(_ bin: CountBin) {
        aggregator.resume(bin)
    }

    // MARK: - Time

    private func utc(_ time: Int64) -> Int64 {
        if case .fixed(let epoch) = clock { return epoch + time }
        return time
    }

    /// Gives the frames just read on `side` their times and runs them through presence.
    private mutating func place(_ readings: [RangeReading], on side: Int, arrival: Int64?) {
        let count = readings.count
        let channel: Channel = side == 0 ? .a : .b
        let rate = Int64(max(1, configuration.frameRateHz))
        var port = ports[side]
        if let arrival {
            if port.deliveringAloneSince == nil { port.deliveringAloneSince = arrival }
            // The partner hears that this port spoke.
            ports[1 - side].deliveringAloneSince = nil
        }
        if port.down {
            // Back after an outage: the read just arrived, so its last frame is about the partner's
            // latest (they watch the same moments); never before what this channel already reported.
            let partner = ports[1 - side].latest.map { $0 - Int64(count - 1) * 1000 / rate }
            port.base = max(partner ?? 0, port.latest ?? merged ?? 0)
            port.index = 0
            port.down = false
        }
        for (k, reading) in readings.enumerated() {
            var time: Int64
            if clock == .systemClock, let arrival {
                time = arrival - Int64(count - 1 - k) * 1000 / rate
            } else {
                time = port.base + port.index * 1000 / rate
            }
            port.index += 1
            if let latest = port.latest { time = max(time, latest) }
            port.latest = time
            if port.first == nil { port.first = time }
            if live.watched {
                let distance: Int? = if case .distance(let millimetres) = reading { millimetres } else { nil }
                if side == 0 { lastDistance.a = distance } else { lastDistance.b = distance }
                // A tenth of the frames is plenty for a technician's eyes.
                if side == 0 && port.index % 10 == 0 {
                    live.append(.distances(a: lastDistance.a, b: lastDistance.b))
                }
            }
            if let edge = range.observe(reading, on: channel, at: time) { port.edges.append(edge) }
        }
        ports[side] = port
        // A partner silent for longer than the link timeout, or that never spoke, is down. Read live,
        // silence is how long this port has gone on delivering alone, by the clock: a gateway that
        // stalled, then drains one port's backlog before the other's, puts them seconds apart in frame
        // time (and in arrival) without either being silent. Replayed, by frame time.
        let partner = ports[1 - side]
        if !partner.down {
            let silence: Int64?
            if let arrival {
                silence = arrival - (port.deliveringAloneSince ?? arrival)
            } else if let latest = port.latest {
                silence = latest - (partner.latest ?? port.first ?? latest)
            } else {
                silence = nil
            }
            if let silence, silence > configuration.linkTimeoutMillis { markDown(1 - side) }
        }
        updateLink()
    }

    private mutating func markDown(_ side: Int) {
        guard !ports[side].down else { return }
        ports[side].down = true
        // Everything the lost channel reported is in: release up to the furthest either got.
        if let latest = ports.compactMap(\.latest).max() { release(upTo: latest) }
        settleDetector(restartingAt: merged ?? 0)
        range.reset()
        updateLink()
    }

    private mutating func updateLink() {
        let links = [link(0), link(1)]
        health.rangefinders?.a.link = links[0]
        health.rangefinders?.b.link = links[1]
        health.link = links.contains(.down) ? .down : links.contains(.waiting) ? .waiting : .up
    }

    private func link(_ side: Int) -> SensorHealth.Link {
        ports[side].down ? .down : ports[side].latest == nil ? .waiting : .up
    }

    // MARK: - Merging and counting

    /// Hands the detector every edge both channels have reported past, in time order.
    private mutating func merge() {
        let live = ports.filter { !$0.down }.compactMap(\.latest)
        guard ports.allSatisfy({ $0.latest != nil || $0.down }), let watermark = live.min() else { return }
        release(upTo: watermark)
    }

    private mutating func release(upTo watermark: Int64) {
        guard watermark > merged ?? .min else { return }
        // Coverage starts with the first frame of either port.
        if accountedUntil == nil { accountedUntil = utc(ports.compactMap(\.first).min() ?? watermark) }
        var (i, j) = (0, 0)
        let (a, b) = (ports[0].edges, ports[1].edges)
        while true {
            let nextA = i < a.count && a[i].time <= watermark ? a[i] : nil
            let nextB = j < b.count && b[j].time <= watermark ? b[j] : nil
            guard nextA != nil || nextB != nil else { break }
            let edge: ChannelEdge
            if let edgeA = nextA, nextB == nil || edgeA.time <= nextB!.time {
                edge = edgeA
                i += 1
            } else {
                edge = nextB!
                j += 1
            }
            if edge.channel == .a { present.a = edge.occupied } else { present.b = edge.occupied }
            live.append(.channels(a: present.a, b: present.b))
            detector.handle(edge, into: &crossings)
        }
        ports[0].edges.removeFirst(i)
        ports[1].edges.removeFirst(j)
        detector.advance(to: watermark, into: &crossings)
        merged = watermark
        let degraded = detector.isDegraded || range.isDegraded
        health.degraded = degraded
        let bothUp = !ports.contains(where: \.down)
        var flags: BinFlags = []
        if !bothUp { flags.insert(.linkDown) }
        if degraded { flags.insert(.sensorDegraded) }
        recordHealth(until: utc(watermark), healthy: flags.isEmpty, flags: flags)
        countCrossings()
        closeBins(now: utc(watermark))
    }

    /// Decides what the detector holds as if nothing more happened, then forgets what cannot be decided.
    private mutating func settleDetector(restartingAt time: Int64) {
        if let merged {
            detector.advance(to: merged + configuration.detector.maxTransitMillis * 4, into: &crossings)
            countCrossings()
        }
        detector.reset(at: max(time, merged ?? time))
        ports[0].edges.removeAll()
        ports[1].edges.removeAll()
    }

    public mutating func recalibrate(_ setup: CounterSetup) -> Bool {
        guard case .tfminiPair(let new) = setup, new.bins == configuration.bins, new.modelA == configuration.modelA,
            new.modelB == configuration.modelB, new.unit == configuration.unit,
            new.frameRateHz == configuration.frameRateHz
        else { return false }
        settleDetector(restartingAt: merged ?? 0)
        if new.detector != configuration.detector { detector = DualBeamDetector(configuration: new.detector) }
        if new.range != configuration.range { range = RangePair(configuration: new.range) }
        configuration = new
        return true
    }

    private mutating func countCrossings() {
        for crossing in crossings {
            aggregator.count(crossing.direction, at: utc(crossing.time))
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
        let pending = detector.pendingSince.map(utc)
        closed.append(contentsOf: aggregator.close(now: now, pendingSince: pending))
    }

    private mutating func takeClosed() -> [CountBin] {
        defer { closed.removeAll(keepingCapacity: true) }
        return closed
    }
}
