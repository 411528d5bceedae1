import Counting
import Synchronization

/// The daemon's live state, written by the sensor loops and read by the watchdog, the health report
/// and `passant status`. Counters and states only: no crossing, no time finer than a second.
public final class StatusBoard: Sendable {
    public struct SensorReport: Sendable {
        public var name: String
        public var port: String
        public var health: SensorHealth
        /// Bins written to the store by this sensor since start.
        public var binsStored = 0
        /// Bins waiting because the store refused them (disk full…); retried every second.
        public var binsWaiting = 0
        /// Monotonic seconds of the loop's last turn: a loop that stops turning is hung.
        public var heartbeat: Double = 0
        public var lastError: String?
        /// Frames decoded per second over the last second.
        public var framesPerSecond = 0.0
        /// Whether the port is open (false while it is missing, busy or being reopened).
        public var portOpen = false
    }

    private let sensors = Mutex<[String: SensorReport]>([:])

    public init() {}

    public func update(_ name: String, _ change: (inout SensorReport) -> Void) {
        sensors.withLock { reports in
            if var report = reports[name] {
                change(&report)
                reports[name] = report
            }
        }
    }

    public func register(_ name: String, port: String) {
        sensors.withLock { $0[name] = SensorReport(name: name, port: port, health: SensorHealth()) }
    }

    public var reports: [SensorReport] {
        sensors.withLock { Array($0.values) }.sorted { $0.name < $1.name }
    }
}

/// Seconds on the monotonic clock.
func monotonicSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

/// The system clock, Unix milliseconds.
func systemMillis() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
}

#if canImport(Glibc)
    import Glibc
#endif
