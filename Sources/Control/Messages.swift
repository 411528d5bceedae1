// What the CLI and passantd say to each other over the local control socket: one JSON object per
// line. A request, then one reply line — or, for `watch`, a line per live event until the CLI hangs
// up.
//
// The live feed (channel states, distances, crossings as they happen) is for the person at the
// screen only: it goes to a Unix socket on the gateway, owner-group only, never to the store or the
// network. Everything else here is counters and states.

/// A request from the CLI.
public struct ControlRequest: Codable, Sendable, Hashable {
    public enum Command: String, Codable, Sendable {
        /// The daemon's state: sensors, uplinks, store, today's counts.
        case status
        /// The live feed of one sensor (or all): presence, distances, crossings.
        case watch
        /// Read calibration files (baselines, backgrounds, counting lines) again.
        case reload
        /// Read, change or save a PCNT node's parameters (`P`, `W`, `Q`).
        case node
        /// What a sensor sends for `seconds`, as read from its port(s): for `passant calibrate` while
        /// passantd holds the port. Kept in memory by the CLI only while it learns the empty scene.
        case listen
    }

    public var command: Command
    /// The sensor the request is about; nil: all.
    public var sensor: String?
    /// `node`: `get`, `set` or `save`.
    public var action: String?
    /// `node set`: parameter name → value.
    public var parameters: [String: String]?
    /// `listen`: for how long.
    public var seconds: Double?

    public init(
        _ command: Command, sensor: String? = nil, action: String? = nil, parameters: [String: String]? = nil,
        seconds: Double? = nil
    ) {
        self.seconds = seconds
        self.command = command
        self.sensor = sensor
        self.action = action
        self.parameters = parameters
    }
}

/// The reply to a request that is not a stream.
public struct ControlReply: Codable, Sendable {
    /// nil when the request succeeded.
    public var error: String?
    public var status: StatusReport?
    public var node: NodeParameters?
    /// `reload`: what was read again.
    public var message: String?
    /// `listen`: the bytes read from each port of the sensor (a TFmini pair: A then B), base64.
    public var captures: [String]?

    public init(
        error: String? = nil, status: StatusReport? = nil, node: NodeParameters? = nil, message: String? = nil,
        captures: [String]? = nil
    ) {
        self.captures = captures
        self.error = error
        self.status = status
        self.node = node
        self.message = message
    }
}

/// A PCNT node's parameters as the node reported them.
public struct NodeParameters: Codable, Sendable, Hashable {
    public var sensor: String
    /// Name → value, as the node answered (`debounce_ms`, `emit`, `node_id`, `fw`, …).
    public var values: [String: String]
    /// Refusals by parameter: `unknown-key`, `out-of-range`, `read-only`…
    public var refused: [String: String]
    /// Whether the values were written to the node's flash (`save`).
    public var saved: Bool

    public init(sensor: String, values: [String: String], refused: [String: String] = [:], saved: Bool = false) {
        self.refused = refused
        self.sensor = sensor
        self.values = values
        self.saved = saved
    }
}

/// One event of the live feed.
public struct LiveMessage: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable {
        /// The two channels' states (beams interrupted, presence from distance).
        case channels
        /// Rangefinder distances, in millimetres (nil: no return).
        case distances
        /// Someone walked through.
        case crossing
        /// A LiDAR turn: foreground points and tracked people, in metres in the sensor frame.
        case scan
        /// The sensor's link changed (up, down).
        case link
    }

    public var kind: Kind
    public var sensor: String
    /// `channels`: occupied or not, A then B.
    public var channels: [Bool]?
    /// `distances`: A then B.
    public var distances: [Int?]?
    /// `crossing`: `a_to_b` or `b_to_a`, and the site's label for it.
    public var direction: String?
    public var label: String?
    /// `scan`: foreground points `[x, y]` and tracks `[x, y, vx, vy]`, metres.
    public var points: [[Double]]?
    public var tracks: [[Double]]?
    /// `scan`: the counting line `[[x, y], [x, y]]` (P then Q) and the region's corners, metres.
    public var line: [[Double]]?
    public var region: [[Double]]?
    /// `link`: up, down, waiting.
    public var link: String?

    public init(kind: Kind, sensor: String) {
        self.kind = kind
        self.sensor = sensor
    }
}
