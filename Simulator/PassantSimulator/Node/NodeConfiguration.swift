import PCNT

// How the simulated node is set up, and what goes wrong with it.

/// Settings of a simulated IR2 counter node.
public struct NodeConfiguration: Sendable, Hashable {
    /// Sent in `HELLO`; `[A-Za-z0-9-]{1,32}`.
    public var nodeID: String
    /// Firmware version text sent in `HELLO`.
    public var firmware: String
    /// Debounce (PCNT parameter `debounce_ms`, 0–200).
    public var debounceMillis: Int64
    /// The node's tick at simulation time 0. Set it near 2³² to see the tick wrap soon. With a non-zero
    /// offset the node is taken to have booted long ago; the stream still opens with a `HELLO`.
    public var tickOffset: UInt32
    /// The first sequence number. Set it near 65535 to see `seq` wrap soon.
    public var seqOffset: UInt16
    /// `S` every this many milliseconds of uptime.
    public var statusIntervalMillis: Int64
    /// `K` when nothing was sent for this long.
    public var keepaliveAfterMillis: Int64
    /// A beam interrupted this long without a break is flagged stuck in `S`.
    public var stuckFlagAfterMillis: Int64
    public var faults: NodeFaults

    public init(
        nodeID: String = "sim-1", firmware: String = "sim-1.0.0", debounceMillis: Int64 = 20,
        tickOffset: UInt32 = 0, seqOffset: UInt16 = 0, statusIntervalMillis: Int64 = 10_000,
        keepaliveAfterMillis: Int64 = 1_000, stuckFlagAfterMillis: Int64 = 30_000,
        faults: NodeFaults = NodeFaults()
    ) {
        self.nodeID = nodeID
        self.firmware = firmware
        self.debounceMillis = debounceMillis
        self.tickOffset = tickOffset
        self.seqOffset = seqOffset
        self.statusIntervalMillis = statusIntervalMillis
        self.keepaliveAfterMillis = keepaliveAfterMillis
        self.stuckFlagAfterMillis = stuckFlagAfterMillis
        self.faults = faults
    }

    /// Problems with the settings, in words a tester can act on; empty when usable.
    public var problems: [String] {
        var problems: [String] = []
        let idOK =
            !nodeID.isEmpty && nodeID.utf8.count <= 32
            && nodeID.utf8.allSatisfy {
                ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == 0x2D
            }
        if !idOK { problems.append("node id '\(nodeID)' must be 1–32 of A-Z a-z 0-9 -") }
        if firmware.isEmpty
            || firmware.utf8.contains(where: {
                $0 < 0x20 || $0 > 0x7E || $0 == 0x24 || $0 == 0x2A || $0 == 0x2C
            })
        {
            problems.append("firmware '\(firmware)' must be printable ASCII without $ * ,")
        }
        if !(0...200).contains(debounceMillis) {
            problems.append("debounce \(debounceMillis) ms is outside 0–200")
        }
        problems += faults.problems
        return problems
    }
}

/// Faults to inject into a simulated node's output.
public struct NodeFaults: Sendable, Hashable {
    /// Periods during which a beam is stuck interrupted.
    public var stuck: [StuckBeam]
    /// Probability that a sentence is lost on the link (its `seq` is used up: the gateway sees a gap).
    /// `HELLO` is never dropped.
    public var dropProbability: Double
    /// Probability that one byte of a sentence body is damaged (the CRC then fails).
    public var corruptProbability: Double
    /// Bursts of 1–24 random bytes between sentences, per hour on average.
    public var garbageBurstsPerHour: Double
    /// Simulation times (ms) at which the node's watchdog resets it.
    public var reboots: [Int64]
    /// How long a reboot keeps the node silent before its `HELLO` (seq 0, tick 0), ms.
    public var rebootDowntimeMillis: Int64
    /// Rangefinders only: periods during which the low sun shines into a sensor's receiver (channel,
    /// start, duration), so it measures nothing (TFmini-S: distance −4; the others: no return).
    public var glare: [StuckBeam] = []

    public init(
        stuck: [StuckBeam] = [], dropProbability: Double = 0, corruptProbability: Double = 0,
        garbageBurstsPerHour: Double = 0, reboots: [Int64] = [], rebootDowntimeMillis: Int64 = 800
    ) {
        self.stuck = stuck
        self.dropProbability = dropProbability
        self.corruptProbability = corruptProbability
        self.garbageBurstsPerHour = garbageBurstsPerHour
        self.reboots = reboots
        self.rebootDowntimeMillis = rebootDowntimeMillis
    }

    var problems: [String] {
        var problems: [String] = []
        if !(0...1).contains(dropProbability) { problems.append("drop rate must be between 0 and 1") }
        if !(0...1).contains(corruptProbability) { problems.append("corrupt rate must be between 0 and 1") }
        if garbageBurstsPerHour < 0 { problems.append("garbage bursts per hour must not be negative") }
        if rebootDowntimeMillis < 1 { problems.append("reboot downtime must be at least 1 ms") }
        if reboots.contains(where: { $0 < 1 }) { problems.append("reboots must come after time 0") }
        return problems
    }
}

extension NodeFaults {
    /// Whether the sun shines into `channel`'s rangefinder at simulation time `time` (ms).
    func isGlaring(_ channel: Channel, at time: Double) -> Bool {
        glare.contains {
            $0.channel == channel && time >= Double($0.start) && time < Double($0.start + $0.duration)
        }
    }
}
