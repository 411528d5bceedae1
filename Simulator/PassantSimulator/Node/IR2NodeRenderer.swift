// The IR2 counter node, as the gateway hears it: the beams' true state, debounced, turned into PCNT
// sentences with sequence numbers, ticks, keepalives and status reports, and disturbed by faults.

import PCNT

/// Renders a walkway into the exact byte stream of a PCNT IR2 node.
///
/// Pull chunks with `next()`; each carries the simulation time (ms) at which its bytes leave the node.
/// The stream is: `HELLO` at time 0, a `B` for each debounced edge, an `S` every 10 s of uptime, and a
/// `K` whenever nothing else was sent for 1 s. Times are non-decreasing; `seq` rises by one per sentence
/// (wrapping at 2¹⁶), the tick is the node's millisecond clock (wrapping at 2³²). Simulation time 0 is
/// node tick `tickOffset`, until a reboot restarts the tick at 0.
public struct IR2NodeRenderer: Sendable {
    /// Bytes that leave the node together.
    public struct Chunk: Sendable, Hashable {
        /// Simulation time, ms.
        public var time: Int64
        public var bytes: [UInt8]
        public var content: Content
    }

    /// What a chunk is.
    public enum Content: Sendable, Hashable {
        /// A sentence, exactly as encoded.
        case sentence(NodeSentence)
        /// A sentence with one byte damaged by a fault.
        case corrupted(NodeSentence)
        /// Line noise.
        case garbage
    }

    /// Counts of what the node did.
    public struct Statistics: Sendable, Hashable {
        /// Sentences the node sent, dropped ones included.
        public var sentences = 0
        public var hellos = 0
        public var edges = 0
        public var statuses = 0
        public var keepalives = 0
        /// Sentences lost on the link.
        public var dropped = 0
        public var corrupted = 0
        public var garbageBytes = 0
        public var reboots = 0
        /// Bytes put on the wire.
        public var bytes = 0
    }

    /// The node's settings and faults.
    public let configuration: NodeConfiguration
    /// Simulation time at which the stream ends (ms, exclusive), if it does.
    public let end: Int64?
    /// What the node has done so far (every chunk `next()` returned, and sentences it dropped).
    public private(set) var statistics = Statistics()

    private var signals: BeamSignals
    private var debouncers: [Debouncer]
    private var edges: [(time: Int64, channel: Channel, interrupted: Bool)] = []
    private var edgeHead = 0
    private var knownUntil: Int64 = 0
    private var ready: [Chunk] = []
    private var readyHead = 0
    private var started = false
    private var finished = false

    private var bootTime: Int64 = 0
    private var tickBase: UInt32
    private var seq: UInt16
    private var lastSent: Int64 = 0
    private var nextStatus: Int64
    private var reboots: [Int64]
    private var rebootIndex = 0
    private var nextGarbage: Int64
    private var watchdogReset = false
    private var reportedBeams: [(interrupted: Bool, since: Int64)] = [(false, 0), (false, 0)]
    private var temperature: Int32
    /// Parameters and command answers.
    public private(set) var firmware: NodeFirmware

    private var statusRandom: SeededRandom
    private var faultRandom: SeededRandom
    private var garbageRandom: SeededRandom

    /// A node over the beams in `signals`; faults and status noise are drawn from `seed`.
    public init(signals: BeamSignals, configuration: NodeConfiguration, seed: UInt64, end: Int64? = nil) {
        self.signals = signals
        self.configuration = configuration
        self.end = end
        debouncers = [
            Debouncer(debounce: configuration.debounceMillis),
            Debouncer(debounce: configuration.debounceMillis),
        ]
        tickBase = configuration.tickOffset
        seq = configuration.seqOffset
        let interval = configuration.statusIntervalMillis
        nextStatus = interval - Int64(configuration.tickOffset) % interval
        reboots = configuration.faults.reboots.sorted()
        statusRandom = SeededRandom(seed: seed, stream: "node-status")
        faultRandom = SeededRandom(seed: seed, stream: "node-faults")
        garbageRandom = SeededRandom(seed: seed, stream: "node-garbage")
        temperature = 180 + Int32(statusRandom.integer(in: -40...40))
        firmware = NodeFirmware(
            nodeID: configuration.nodeID, firmware: configuration.firmware, kind: .ir2,
            debounceMillis: configuration.debounceMillis)
        nextGarbage = .max
        scheduleGarbage(after: 0)
    }

    /// A node on a walkway described by `parameters`, everything drawn from `seed`.
    public init(
        walkway parameters: WalkwayParameters, configuration: NodeConfiguration, seed: UInt64, end: Int64?
    ) {
        let generator = PedestrianGenerator(parameters: parameters, seed: seed)
        let signals = BeamSignals(
            generator: generator, spacing: parameters.spacing, stuck: configuration.faults.stuck)
        self.init(signals: signals, configuration: configuration, seed: seed, end: end)
    }

    /// The people who have entered the simulation since the last call, in arrival order. Feed them to
    /// `GroundTruth`. Everyone who can affect the bytes returned so far has arrived.
    public mutating func takePedestrians() -> [Pedestrian] {
        signals.takePedestrians()
    }

    /// The next bytes the node sends, or `nil` once the stream has ended.
    public mutating func next() -> Chunk? {
        while true {
            if readyHead < ready.count {
                readyHead += 1
                return ready[readyHead - 1]
            }
            ready.removeAll(keepingCapacity: true)
            readyHead = 0
            if finished { return nil }
            step()
        }
    }

    /// Renders the whole stream (the renderer must have an end).
    public mutating func renderAll() -> [Chunk] {
        precondition(end != nil, "an endless stream cannot be rendered whole")
        var chunks: [Chunk] = []
        while let chunk = next() { chunks.append(chunk) }
        return chunks
    }

    /// A command from the gateway, received at simulation time `time` (ms). The answer goes out with
    /// the next sentences: at `time`, or just after what the node has already sent if that is later
    /// (ticks never run backwards). `X` reboots the node right after its answer.
    public mutating func receive(_ command: Command, at time: Int64) {
        let (response, action) = firmware.answer(command)
        let now = max(time, lastSent)
        send(.response(response), at: now)
        switch action {
        case .none: break
        case .sendHello: send(.hello(hello), at: now)
        case .reboot:
            let at = now + 1
            let index = reboots[rebootIndex...].firstIndex { $0 > at } ?? reboots.count
            reboots.insert(at, at: index)
        }
    }

    // MARK: - The node's main loop

    private mutating func step() {
        let end = self.end ?? .max
        guard started else {
            started = true
            if end > 0 { send(.hello(hello), at: 0) } else { finished = true }
            return
        }
        let rebootDue = rebootIndex < reboots.count ? reboots[rebootIndex] : .max
        let keepaliveDue = lastSent + configuration.keepaliveAfterMillis
        let bound = min(keepaliveDue, nextStatus, rebootDue, nextGarbage, end)
        while knownUntil <= bound {
            learnEdges(until: min(knownUntil + 1000, rebootDue == .max ? .max : rebootDue + 1))
        }
        if edgeHead < edges.count, edges[edgeHead].time <= bound, edges[edgeHead].time < end {
            let edge = edges[edgeHead]
            edgeHead += 1
            if edgeHead > 1024 {
                edges.removeFirst(edgeHead)
                edgeHead = 0
            }
            reportedBeams[edge.channel == .a ? 0 : 1] = (edge.interrupted, edge.time)
            send(.beam(edge.channel, interrupted: edge.interrupted), at: edge.time)
        } else if bound >= end {
            finished = true
        } else if bound == rebootDue {
            reboot(at: rebootDue)
        } else if bound == nextStatus {
            send(.status(status(at: bound)), at: bound)
            nextStatus += configuration.statusIntervalMillis
        } else if bound == nextGarbage {
            var bytes: [UInt8] = []
            for _ in 0..<garbageRandom.integer(in: 1...24) {
                bytes.append(UInt8(truncatingIfNeeded: garbageRandom.next()))
            }
            statistics.garbageBytes += bytes.count
            statistics.bytes += bytes.count
            ready.append(Chunk(time: bound, bytes: bytes, content: .garbage))
            scheduleGarbage(after: bound)
        } else {
            send(.keepalive, at: bound)
        }
    }

    /// Debounces all raw beam changes before `time`; afterwards every edge before `time` is known.
    private mutating func learnEdges(until time: Int64) {
        var fresh: [(time: Int64, channel: Channel, interrupted: Bool)] = []
        for transition in signals.advance(to: time) {
            let index = transition.channel == .a ? 0 : 1
            for edge in debouncers[index].feed(time: transition.time, interrupted: transition.interrupted) {
                fresh.append((edge.time, transition.channel, edge.interrupted))
            }
        }
        for (index, channel) in [Channel.a, Channel.b].enumerated() {
            if let edge = debouncers[index].confirm(upTo: time) {
                fresh.append((edge.time, channel, edge.interrupted))
            }
        }
        fresh.sort { ($0.time, $0.channel == .a ? 0 : 1) < ($1.time, $1.channel == .a ? 0 : 1) }
        edges.append(contentsOf: fresh)
        knownUntil = time
    }

    private mutating func reboot(at time: Int64) {
        rebootIndex += 1
        statistics.reboots += 1
        let boot = time + configuration.faults.rebootDowntimeMillis
        // Whatever the beams did while the node was down is lost.
        if knownUntil < boot { learnEdges(until: boot) }
        edges.removeAll()
        edgeHead = 0
        for index in debouncers.indices { debouncers[index].reboot(at: boot) }
        reportedBeams = [(false, boot), (false, boot)]
        // Later reboots that fall into the downtime are swallowed by this one.
        while rebootIndex < reboots.count && reboots[rebootIndex] <= boot {
            rebootIndex += 1
        }
        bootTime = boot
        tickBase = 0
        seq = 0
        watchdogReset = true
        firmware.rebooted()
        nextStatus = boot + configuration.statusIntervalMillis
        if boot >= end ?? .max {
            finished = true
            return
        }
        send(.hello(hello), at: boot)
    }

    // MARK: - Sentences

    private var hello: Hello {
        Hello(nodeID: firmware.nodeID, firmware: configuration.firmware, kind: .ir2)
    }

    private func tick(at time: Int64) -> UInt32 {
        UInt32(truncatingIfNeeded: Int64(tickBase) + (time - bootTime))
    }

    private mutating func status(at time: Int64) -> NodeStatus {
        temperature = min(max(temperature + Int32(statusRandom.integer(in: -2...2)), -300), 700)
        let supply = UInt32(5020 + statusRandom.integer(in: -25...25))
        var flags: NodeStatus.Flags = []
        for (index, flag) in [NodeStatus.Flags.beamAStuck, .beamBStuck].enumerated() {
            let beam = reportedBeams[index]
            if beam.interrupted && time - beam.since >= configuration.stuckFlagAfterMillis {
                flags.insert(flag)
            }
        }
        if watchdogReset { flags.insert(.watchdogReset) }
        let uptime = (Int64(tickBase) + (time - bootTime)) / 1000
        return NodeStatus(
            uptimeSeconds: UInt32(truncatingIfNeeded: uptime), temperatureDeciCelsius: temperature,
            supplyMillivolts: supply, flags: flags)
    }

    private mutating func send(_ message: NodeMessage, at time: Int64) {
        let sentence = NodeSentence(seq: seq, tick: tick(at: time), message: message)
        seq &+= 1
        lastSent = time
        statistics.sentences += 1
        switch message {
        case .hello: statistics.hellos += 1
        case .beam: statistics.edges += 1
        case .status: statistics.statuses += 1
        case .keepalive: statistics.keepalives += 1
        case .distances, .response: break
        }
        let faults = configuration.faults
        var isHello = false
        if case .hello = message { isHello = true }
        if !isHello && faults.dropProbability > 0 && faultRandom.chance(faults.dropProbability) {
            statistics.dropped += 1
            return
        }
        var bytes = sentence.encoded
        var content = Content.sentence(sentence)
        if faults.corruptProbability > 0 && faultRandom.chance(faults.corruptProbability) {
            // Damage one byte of the body (between `$` and `*`), never into a framing character.
            let star = bytes.count - 7
            let index = 1 + faultRandom.integer(in: 0...(star - 2))
            var damaged = bytes[index] ^ UInt8(1 << faultRandom.integer(in: 0...3))
            if damaged == UInt8(ascii: "$") || damaged == UInt8(ascii: "*") || damaged < 0x20
                || damaged > 0x7E
            {
                damaged = bytes[index] == UInt8(ascii: "#") ? UInt8(ascii: "%") : UInt8(ascii: "#")
            }
            bytes[index] = damaged
            content = .corrupted(sentence)
            statistics.corrupted += 1
        }
        statistics.bytes += bytes.count
        ready.append(Chunk(time: time, bytes: bytes, content: content))
    }

    private mutating func scheduleGarbage(after time: Int64) {
        let rate = configuration.faults.garbageBurstsPerHour
        guard rate > 0 else {
            nextGarbage = .max
            return
        }
        let gap = garbageRandom.exponential(rate: rate / 3_600_000)
        nextGarbage = time + max(1, Int64(gap.rounded()))
    }
}
