/// Maps a sensor's timeline (milliseconds, see `NodeTimeline`) to UTC (Unix milliseconds).
///
/// Detection runs on sensor time, which is exact between edges but has an unknown origin and drifts
/// by tens of ppm. Bins need UTC. Two ways to anchor:
/// - `.fixed(epoch:)`: timeline 0 is `epoch`; the system clock is never consulted. For replaying a
///   capture and for a simulated node whose start is known.
/// - `.systemClock`: anchored to the arrival times of sentences. Arrival = sensor instant + a
///   non-negative transport delay, so the anchor follows the *earliest* arrivals: it moves back at once
///   when a sentence arrives earlier than predicted, and moves forward by the smallest delay seen over
///   a window, which absorbs crystal drift without following jitter. A jump beyond `stepMillis`
///   (a clock step, a node reboot) re-anchors outright.
public struct ClockAnchor: Sendable, Hashable {
    public enum Mode: Sendable, Hashable {
        case fixed(epoch: Int64)
        case systemClock
    }

    public let mode: Mode
    /// UTC = `offset` + sensor time, once anchored.
    public private(set) var offset: Int64?
    /// Window over which the smallest transport delay is taken (sensor milliseconds).
    public var windowMillis: Int64 = 60_000
    /// A disagreement larger than this is a step, not drift.
    public var stepMillis: Int64 = 5_000
    /// Re-anchorings because of steps.
    public private(set) var steps = 0

    private var windowStart: Int64?
    private var smallestDelay: Int64 = .max

    public init(_ mode: Mode) {
        self.mode = mode
        if case .fixed(let epoch) = mode { offset = epoch }
    }

    /// Notes that a sentence stamped `sensorTime` arrived at `arrival` (Unix ms), when that is known.
    public mutating func observe(sensorTime: Int64, arrival: Int64?) {
        guard case .systemClock = mode, let arrival else { return }
        guard let current = offset else {
            anchor(sensorTime: sensorTime, arrival: arrival)
            return
        }
        let delay = arrival - (current + sensorTime)
        if delay < 0 {
            if -delay > stepMillis { steps += 1 }
            anchor(sensorTime: sensorTime, arrival: arrival)
            return
        }
        if delay > stepMillis {
            steps += 1
            anchor(sensorTime: sensorTime, arrival: arrival)
            return
        }
        smallestDelay = min(smallestDelay, delay)
        if let windowStart, sensorTime - windowStart >= windowMillis {
            offset = current + smallestDelay
            self.windowStart = sensorTime
            smallestDelay = .max
        }
    }

    /// Forgets the anchor: the node rebooted, so its timeline's relation to UTC must be learned anew.
    public mutating func reanchor() {
        if case .systemClock = mode { offset = nil }
    }

    /// UTC for a sensor time, or nil before the first anchoring.
    public func utc(_ sensorTime: Int64) -> Int64? {
        offset.map { $0 + sensorTime }
    }

    private mutating func anchor(sensorTime: Int64, arrival: Int64) {
        offset = arrival - sensorTime
        windowStart = sensorTime
        smallestDelay = .max
    }
}
