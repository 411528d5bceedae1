import CountBins
import PCNT

/// One sensor's whole counting pipeline, pure and deterministic: the bytes read from its port go in,
/// closed `CountBin`s come out. Decoding, detection and tracking stay inside; a sensor service runs
/// any protocol through this one interface.
///
/// Contract, shared by every protocol (see `PCNTCounter` for the reference implementation):
/// - `receive` takes bytes split anywhere, with their arrival time (Unix ms) when read live or nil
///   when replaying a capture; garbage is counted in `health.rejected`, never thrown.
/// - `tick(now:)` is called about once a second with the system clock when live: it notices a silent
///   link (`linkDown` in the bins) and closes bins that are due.
/// - `finish(now:)` closes every open bin, the current one early (`closedEarly`).
/// - `resume(_:)` continues a bin an earlier run closed early.
/// - Time inside is the sensor's own; `ClockAnchor` maps it to UTC.
///
/// To add a protocol: write a counter that conforms, a case in `CounterSetup`, and a mapping from the
/// sensor's configuration to it (PassantDaemon's `CounterSetup(sensor:in:)`).
public protocol SensorCounter: Sendable {
    /// Counters and link state for the technician and the health report.
    var health: SensorHealth { get }
    /// The latest instant (UTC, Unix ms) the sensor's own data has reached.
    var sensorNow: Int64? { get }
    /// Feeds bytes read from the port; returns the bins this closed.
    mutating func receive(_ bytes: UnsafeRawBufferPointer, arrival: Int64?) -> [CountBin]
    /// How many ports the sensor reads (a TFmini pair: two, A then B). Default 1.
    var portCount: Int { get }
    /// Feeds bytes read from port `port` (0-based, in the order of the configuration). Default: port 0
    /// goes to `receive(_:arrival:)`.
    mutating func receive(_ bytes: UnsafeRawBufferPointer, port: Int, arrival: Int64?) -> [CountBin]
    /// Port `port` was reopened after it was lost: what it sent meanwhile is gone. Default: nothing.
    mutating func reopened(port: Int)
    /// Bytes to send to the sensor each time port `port` is opened (settings it must have). Default none.
    func greeting(port: Int) -> [UInt8]
    /// The system clock moved on to `now` (Unix ms).
    mutating func tick(now: Int64) -> [CountBin]
    /// Stops counting at `now` (or at the sensor's last data when nil) and closes every open bin.
    mutating func finish(now: Int64?) -> [CountBin]
    /// Continues a bin that an earlier run closed early.
    mutating func resume(_ bin: CountBin)
    /// Someone started or stopped watching the live monitor: only then are live events kept.
    mutating func watch(_ watching: Bool)
    /// The live events since the last call, for the monitor only (never stored or sent).
    mutating func takeLiveEvents() -> [LiveEvent]
    /// Answers to commands sent to the node since the last call (PCNT `R`).
    mutating func takeReplies() -> [Response]
    /// Takes new calibration and detection settings (a baseline, a background, a counting line) without
    /// losing the open bins: what is in progress is decided as at a link loss first. Returns false
    /// when `setup` changes more than that (another protocol, other bins, other models): then only a
    /// restart applies it.
    mutating func recalibrate(_ setup: CounterSetup) -> Bool
}

extension SensorCounter {
    /// A counter with nothing to show live.
    public mutating func watch(_ watching: Bool) {}
    public mutating func takeLiveEvents() -> [LiveEvent] { [] }
    /// A sensor that takes no commands.
    public mutating func takeReplies() -> [Response] { [] }
    /// A sensor with nothing to calibrate.
    public mutating func recalibrate(_ setup: CounterSetup) -> Bool { false }
}

extension SensorCounter {
    public var portCount: Int { 1 }

    public mutating func receive(_ bytes: UnsafeRawBufferPointer, port: Int, arrival: Int64?) -> [CountBin] {
        receive(bytes, arrival: arrival)
    }

    public mutating func reopened(port: Int) {}

    public func greeting(port: Int) -> [UInt8] { [] }
}

/// Which pipeline a sensor runs, with its settings: what a sensor service needs to build its counter.
public enum CounterSetup: Sendable, Hashable {
    /// A PCNT node, IR2 or TOF2 (`configuration.range` holds the TOF2 presence settings).
    case pcnt(PCNTCounter.Configuration)
    /// Two TFmini-family sensors on two ports.
    case tfminiPair(TFminiPairCounter.Configuration)
    case ld06(LD06Counter.Configuration)

    /// The bin settings (node, sensor, length, grace), shared by every protocol.
    public var bins: Aggregator.Configuration {
        get {
            switch self {
            case .pcnt(let configuration): configuration.bins
            case .tfminiPair(let configuration): configuration.bins
            case .ld06(let configuration): configuration.bins
            }
        }
        set {
            switch self {
            case .pcnt(var configuration):
                configuration.bins = newValue
                self = .pcnt(configuration)
            case .tfminiPair(var configuration):
                configuration.bins = newValue
                self = .tfminiPair(configuration)
            case .ld06(var configuration):
                configuration.bins = newValue
                self = .ld06(configuration)
            }
        }
    }

    /// A fresh pipeline.
    public func makeCounter(clock: ClockAnchor.Mode) -> any SensorCounter {
        switch self {
        case .pcnt(let configuration): PCNTCounter(configuration: configuration, clock: clock)
        case .tfminiPair(let configuration): TFminiPairCounter(configuration: configuration, clock: clock)
        case .ld06(let configuration): LD06Counter(configuration: configuration, clock: clock)
        }
    }
}
