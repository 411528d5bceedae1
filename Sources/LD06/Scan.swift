// Packets placed on a continuous timeline and gathered into turns (scans).

/// One sample with its angle resolved.
public struct ScanPoint: Sendable, Hashable {
    /// Degrees clockwise, [0, 360).
    public var angle: Double
    /// Millimetres; 0 means no return.
    public var distance: UInt16
    public var intensity: UInt8

    public init(angle: Double, distance: UInt16, intensity: UInt8) {
        self.angle = angle
        self.distance = distance
        self.intensity = intensity
    }
}

/// One turn of the sensor: the samples from about 0° to about 360°, in angle order.
public struct LD06Scan: Sendable, Hashable {
    /// Milliseconds on the sensor's continuous timeline at the turn's first sample.
    public var time: Int64
    /// Milliseconds on the timeline at the turn's last packet.
    public var endTime: Int64
    public var points: [ScanPoint]
    /// Packets lost inside this turn (from timestamp gaps); its points do not cover the whole circle.
    public var lostPackets: Int
    /// Rotation speed of the turn's last packet, degrees per second.
    public var speed: Int

    public init(time: Int64, endTime: Int64, points: [ScanPoint], lostPackets: Int = 0, speed: Int = 3600) {
        self.time = time
        self.endTime = endTime
        self.points = points
        self.lostPackets = lostPackets
        self.speed = speed
    }
}

/// What one packet did to the timeline.
public struct LD06Step: Sendable, Hashable {
    /// The packet's time on the continuous timeline, ms.
    public var time: Int64
    /// Milliseconds since the previous packet (0 for the first).
    public var silenceMillis: Int64
    /// Packets the sensor sent since the previous one that did not arrive (estimated from the gap at
    /// 4500 samples per second).
    public var lostPackets: Int
}

/// Unwraps the 30000-ms timestamp into a continuous timeline and cuts the sample stream into turns
/// where the angle falls back across 0°.
///
/// A gap of 30 s or more cannot be seen in the timestamp (it aliases); the live link timeout notices
/// such silences from the system clock instead.
public struct ScanAssembler: Sendable {
    /// Milliseconds between packets at 4500 samples/s: 12/4.5.
    public static let packetMillis =
        Double(LD06Packet.pointsPerPacket) * 1000 / Double(LD06Packet.samplesPerSecond)

    /// A forward step this large is taken as the timestamp going back.
    public static let regressionMillis: Int64 = 25_000

    private var previousTimestamp: UInt16?
    /// The continuous time of the latest packet.
    public private(set) var time: Int64?
    private var current: [ScanPoint] = []
    private var currentStart: Int64?
    private var currentLost = 0
    private var lastAngle: Double?
    /// Packets lost so far.
    public private(set) var lostPacketsTotal = 0
    /// Turns completed so far.
    public private(set) var turns = 0

    public init() {
        current.reserveCapacity(1024)
    }

    /// Adds a packet; calls `onScan` for a turn it completes (at most one, rarely two).
    @discardableResult
    public mutating func add(_ packet: LD06Packet, _ onScan: (LD06Scan) -> Void) -> LD06Step {
        let step = place(packet.timestamp)
        if step.lostPackets > 0 { currentLost += step.lostPackets }
        for index in 0..<LD06Packet.pointsPerPacket {
            let angle = packet.angle(ofPoint: index)
            // A new turn begins where the angle falls back across 0° (from above ~340° to below ~20°).
            if let lastAngle, angle < lastAngle - 180 {
                emit(end: step.time, speed: Int(packet.speed), onScan)
            }
            lastAngle = angle
            if currentStart == nil {
                currentStart =
                    step.time + Int64((Double(index) * 1000 / Double(LD06Packet.samplesPerSecond)).rounded())
            }
            let point = packet.points[index]
            current.append(ScanPoint(angle: angle, distance: point.distance, intensity: point.intensity))
        }
        // A runaway turn (the sensor not spinning, or angles stuck) must not grow without bound.
        if current.count > 4 * LD06Packet.samplesPerSecond {
            emit(end: step.time, speed: Int(packet.speed), onScan)
        }
        return step
    }

    /// Forgets the turn in progress (after a link outage its samples are stale).
    public mutating func discardTurn() {
        current.removeAll(keepingCapacity: true)
        currentStart = nil
        currentLost = 0
        lastAngle = nil
    }

    private mutating func place(_ timestamp: UInt16) -> LD06Step {
        defer { previousTimestamp = timestamp }
        guard let previous = previousTimestamp, let last = time else {
            time = Int64(timestamp)
            return LD06Step(time: Int64(timestamp), silenceMillis: 0, lostPackets: 0)
        }
        let wrap = Int64(LD06Packet.timestampWrap)
        let delta = ((Int64(timestamp) - Int64(previous)) % wrap + wrap) % wrap
        // A timestamp a little behind the previous one is the sensor's clock going back (a restart),
        // not 29.9 s of silence: hold time.
        if delta > Self.regressionMillis { return LD06Step(time: last, silenceMillis: 0, lostPackets: 0) }
        let now = last + delta
        time = now
        let lost = max(0, Int((Double(delta) / Self.packetMillis).rounded()) - 1)
        lostPacketsTotal += lost
        return LD06Step(time: now, silenceMillis: delta, lostPackets: lost)
    }

    private mutating func emit(end: Int64, speed: Int, _ onScan: (LD06Scan) -> Void) {
        guard let start = currentStart, !current.isEmpty else { return }
        turns += 1
        onScan(LD06Scan(time: start, endTime: end, points: current, lostPackets: currentLost, speed: speed))
        current.removeAll(keepingCapacity: true)
        currentStart = nil
        currentLost = 0
    }
}
