// A PCNT counter node wired to two single-point rangefinders (`TOF2`): it samples both at `rate_hz`
// and sends each pair as a `D` sentence, with `HELLO`, `S` every 10 s, and answers to commands.

import PCNT
import TFmini

/// Renders a walkway into the exact byte stream of a PCNT TOF2 node.
///
/// The node's rangefinders are TFmini-S sensors in millimetre mode, at beam A's and beam B's places
/// (see `RangeGeometry`); the node passes their readings on as they are, no return as distance 0 and
/// saturation as strength 65535. Sample pairs go out every 1000 / `rate_hz` ms of node time.
public struct TOF2NodeRenderer: Sendable {
    public struct Chunk: Sendable, Hashable {
        public var time: Int64
        public var bytes: [UInt8]
    }

    public struct Statistics: Sendable, Hashable {
        public var sentences = 0
        public var samples = 0
        public var statuses = 0
        public var responses = 0
        public var dropped = 0
        public var corrupted = 0
        public var garbageBytes = 0
        public var reboots = 0
        public var bytes = 0
    }

    public let configuration: NodeConfiguration
    public let end: Int64?
    public private(set) var statistics = Statistics()
    public private(set) var firmware: NodeFirmware

    private var scene: RangeScene
    private var sensors: [TFminiSensor]
    private let positions: [Double]
    private var targets: [RangeTarget] = []
    private var ready: [Chunk] = []
    private var started = false
    private var seq: UInt16
    private var tickBase: UInt32
    private var bootTime: Int64 = 0
    private var lastSent: Int64 = 0
    /// Samples since the current rate took effect, and when it did.
    private var sampleIndex: Int64 = 1
    private var rateStart: Int64 = 0
    private var nextStatus: Int64
    private var reboots: [Int64]
    private var nextGarbage: Int64 = .max
    private var watchdogReset = false
    private var faultRandom: SeededRandom
    private var statusRandom: SeededRandom
    private var temperature: Int32

    public init(
        walkway parameters: WalkwayParameters, geometry: RangeGeometry, configuration: NodeConfiguration,
        rateHz: Int = 50, seed: UInt64, end: Int64?
    ) {
        self.configuration = configuration
        self.end = end
        scene = RangeScene(
            generator: PedestrianGenerator(parameters: parameters, seed: seed), spacing: parameters.spacing,
            geometry: geometry)
        positions = [0, parameters.spacing]
        let millimetres = TFminiSettings(format: .millimetres)
        let version = TFminiVersion(major: 2, minor: 1, patch: 4)
        sensors = [
            TFminiSensor(
                model: .tfminiS, version: version, settings: millimetres, seed: seed, stream: "tof2-a"),
            TFminiSensor(
                model: .tfminiS, version: version, settings: millimetres, seed: seed, stream: "tof2-b"),
        ]
        firmware = NodeFirmware(
            nodeID: configuration.nodeID, firmware: configuration.firmware, kind: .tof2, rateHz: rateHz)
        seq = configuration.seqOffset
        tickBase = configuration.tickOffset
        let interval = configuration.statusIntervalMillis
        nextStatus = interval - Int64(configuration.tickOffset) % interval
        reboots = configuration.faults.reboots.sorted()
        faultRandom = SeededRandom(seed: seed, stream: "node-faults")
        statusRandom = SeededRandom(seed: seed, stream: "node-status")
        temperature = 180 + Int32(statusRandom.integer(in: -40...40))
        scheduleGarbage(after: 0)
    }

    public mutating func takePedestrians() -> [Pedestrian] { scene.takePedestrians() }

    /// The next bytes the node sends, or nil once the stream has ended.
    public mutating func next() -> Chunk? {
        while ready.isEmpty {
            guard step() else { return nil }
        }
        return ready.removeFirst()
    }

    /// A command from the gateway at simulation time `time` (ms); answered in the next chunks.
    public mutating func receive(_ command: Command, at time: Int64) {
        let rate = firmware.rateHz
        let (response, action) = firmware.answer(command)
        let now = max(time, lastSent)
        send(.response(response), at: now)
        statistics.responses += 1
        if firmware.rateHz != rate {
            rateStart = now
            sampleIndex = 1
        }
        switch action {
        case .none: break
        case .sendHello: send(.hello(hello), at: now)
        case .reboot: reboots.insert(now + 1, at: reboots.firstIndex { $0 > now + 1 } ?? reboots.count)
        }
    }

    private var hello: Hello { Hello(nodeID: firmware.nodeID, firmware: configuration.firmware, kind: .tof2) }

    /// Renders what happens next; false at the end.
    private mutating func step() -> Bool {
        let end = self.end ?? .max
        guard started else {
            started = true
            guard end > 0 else { return false }
            send(.hello(hello), at: 0)
            return true
        }
        let sampleDue = rateStart + sampleIndex * 1000 / Int64(max(1, firmware.rateHz))
        let rebootDue = reboots.first ?? .max
        let due = min(sampleDue, nextStatus, rebootDue, nextGarbage)
        guard due < end else { return false }
        if due == rebootDue {
            reboot(at: due)
        } else if due == nextGarbage {
            var bytes: [UInt8] = []
            for _ in 0..<faultRandom.integer(in: 1...24) {
                bytes.append(UInt8(truncatingIfNeeded: faultRandom.next()))
            }
            statistics.garbageBytes += bytes.count
            statistics.bytes += bytes.count
            ready.append(Chunk(time: due, bytes: bytes))
            scheduleGarbage(after: due)
        } else if due == nextStatus {
            send(.status(status(at: due)), at: due)
            nextStatus += configuration.statusIntervalMillis
        } else {
            sampleIndex += 1
            let (da, sa) = sample(0, at: due)
            let (db, sb) = sample(1, at: due)
            statistics.samples += 1
            send(.distances(aMillimetres: da, aStrength: sa, bMillimetres: db, bStrength: sb), at: due)
        }
        return true
    }

    /// One rangefinder's reading as the node passes it on: mm, 0 for no return, strength 65535 when saturated.
    private mutating func sample(_ side: Int, at time: Int64) -> (UInt32, UInt16) {
        let seconds = Double(time) / 1000
        scene.advance(to: seconds)
        scene.targets(at: positions[side], time: seconds, into: &targets)
        let frame = sensors[side].frame(
            targets, glare: configuration.faults.isGlaring(side == 0 ? .a : .b, at: Double(time)))
        switch TFminiModel.tfminiS.reading(of: frame, unit: .millimetres) {
        case .distance(let millimetres): return (UInt32(millimetres), frame.strength)
        case .noReturn: return (0, frame.strength)
        case .saturated: return (0, UInt16.max)
        }
    }

    private mutating func reboot(at time: Int64) {
        reboots.removeFirst()
        statistics.reboots += 1
        let boot = time + configuration.faults.rebootDowntimeMillis
        reboots.removeAll { $0 <= boot }
        bootTime = boot
        tickBase = 0
        seq = 0
        watchdogReset = true
        firmware.rebooted()
        rateStart = boot
        sampleIndex = 1
        nextStatus = boot + configuration.statusIntervalMillis
        if boot < end ?? .max { send(.hello(hello), at: boot) }
    }

    private mutating func status(at time: Int64) -> NodeStatus {
        temperature = min(max(temperature + Int32(statusRandom.integer(in: -2...2)), -300), 700)
        let uptime = (Int64(tickBase) + (time - bootTime)) / 1000
        return NodeStatus(
            uptimeSeconds: UInt32(truncatingIfNeeded: uptime), temperatureDeciCelsius: temperature,
            supplyMillivolts: UInt32(5020 + statusRandom.integer(in: -25...25)),
            flags: watchdogReset ? .watchdogReset : [])
    }

    private mutating func send(_ message: NodeMessage, at time: Int64) {
        let tick = UInt32(truncatingIfNeeded: Int64(tickBase) + (time - bootTime))
        let sentence = NodeSentence(seq: seq, tick: tick, message: message)
        seq &+= 1
        lastSent = max(lastSent, time)
        statistics.sentences += 1
        if case .status = message { statistics.statuses += 1 }
        let faults = configuration.faults
        var isHello = false
        if case .hello = message { isHello = true }
        if !isHello && faults.dropProbability > 0 && faultRandom.chance(faults.dropProbability) {
            statistics.dropped += 1
            return
        }
        var bytes = sentence.encoded
        if faults.corruptProbability > 0 && faultRandom.chance(faults.corruptProbability) {
            // One body byte to a printable neighbour that is not framing: the CRC fails.
            let index = 1 + faultRandom.integer(in: 0...(bytes.count - 9))
            bytes[index] = bytes[index] == UInt8(ascii: "#") ? UInt8(ascii: "%") : UInt8(ascii: "#")
            statistics.corrupted += 1
        }
        statistics.bytes += bytes.count
        ready.append(Chunk(time: time, bytes: bytes))
    }

    private mutating func scheduleGarbage(after time: Int64) {
        let rate = configuration.faults.garbageBurstsPerHour
        guard rate > 0 else {
            nextGarbage = .max
            return
        }
        nextGarbage = time + max(1, Int64(faultRandom.exponential(rate: rate / 3_600_000).rounded()))
    }
}
