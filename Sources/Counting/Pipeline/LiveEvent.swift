// The live monitor's view of a sensor: what a technician on a ladder watches to see that the sensor
// works. Kept only while someone watches, handed to the daemon's control socket (a Unix socket on
// the gateway), and never stored or sent upstream.

/// One thing that happened at a sensor, for the live monitor.
public enum LiveEvent: Sendable, Hashable {
    /// The two channels: beam interrupted, or someone present in front of a rangefinder.
    case channels(a: Bool, b: Bool)
    /// Rangefinder distances in millimetres (nil: no return).
    case distances(a: Int?, b: Int?)
    /// Someone walked through.
    case crossing(Direction)
    /// A LiDAR turn: foreground points and tracked people in the sensor frame, metres, with the
    /// counting line and region they are judged against.
    case scan(points: [PlanePoint], tracks: [PlaneTrack], line: CountingLine, region: Region?)
}

/// A tracked person in the sensor's plane: position (m) and velocity (m/s).
public struct PlaneTrack: Sendable, Hashable {
    public var x: Double
    public var y: Double
    public var vx: Double
    public var vy: Double

    public init(x: Double, y: Double, vx: Double, vy: Double) {
        self.x = x
        self.y = y
        self.vx = vx
        self.vy = vy
    }
}

/// Live events kept while someone watches, bounded so that a monitor that stops reading cannot make
/// the counter grow.
public struct LiveEvents: Sendable {
    public private(set) var watched = false
    private var events: [LiveEvent] = []
    static let limit = 1024

    public init() {}

    public mutating func watch(_ watching: Bool) {
        watched = watching
        if !watching { events.removeAll() }
    }

    public mutating func append(_ event: LiveEvent) {
        guard watched else { return }
        if events.count >= Self.limit { events.removeFirst(events.count - Self.limit + 1) }
        events.append(event)
    }

    public mutating func take() -> [LiveEvent] {
        defer { events.removeAll(keepingCapacity: true) }
        return events
    }
}
