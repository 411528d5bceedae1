import Foundation

/// What `passant status` shows: the daemon, each sensor, each uplink, the store, and today's counts.
/// Counters, states and bin-aligned counts only.
public struct StatusReport: Codable, Sendable, Hashable {
    public var version: String
    public var uptimeSeconds: Int
    public var site: String
    public var node: String
    public var binSeconds: Int
    public var sensors: [Sensor]
    public var uplinks: [Uplink]
    public var store: Store
    /// Today (UTC) per sensor: counts per hour and direction, from the stored bins.
    public var today: [DayCounts]

    public init(
        version: String, uptimeSeconds: Int, site: String, node: String, binSeconds: Int, sensors: [Sensor],
        uplinks: [Uplink], store: Store, today: [DayCounts]
    ) {
        self.version = version
        self.uptimeSeconds = uptimeSeconds
        self.site = site
        self.node = node
        self.binSeconds = binSeconds
        self.sensors = sensors
        self.uplinks = uplinks
        self.store = store
        self.today = today
    }

    /// The report as it may leave the gateway (the MQTT health message): without today's counts and
    /// without the running totals of people and fast movers, since two reports a minute apart would
    /// give the exact count of that minute, finer than a bin and past the privacy policy.
    public var upstream: StatusReport {
        var report = self
        report.today = []
        for index in report.sensors.indices {
            report.sensors[index].crossings = nil
            report.sensors[index].fastMovers = nil
        }
        return report
    }

    public struct Sensor: Codable, Sendable, Hashable {
        public var name: String
        public var `protocol`: String
        public var port: String
        /// `waiting`, `up`, `down`, or `closed` when the port cannot be opened.
        public var link: String
        public var framesPerSecond: Double
        public var frames: Int
        public var rejectedFrames: Int
        /// Rejects by reason (bad checksum, too long, noise…).
        public var rejected: [String: Int]
        public var lostFrames: Int
        public var reboots: Int
        public var degraded: Bool
        /// Coverage of the bin being counted, so far.
        public var coverage: Double?
        /// People counted since the daemon started: on the control socket only. Nil in the health message
        /// sent upstream, where two reports a minute apart would give the true count of that minute,
        /// finer than a bin and past the privacy policy.
        public var crossings: Int?
        /// Fast movers (cyclists, scooters) counted apart since the daemon started, for a LiDAR that
        /// tells them apart; like `crossings`, on the control socket only.
        public var fastMovers: Int?
        public var binsStored: Int
        public var binsWaiting: Int
        public var lastError: String?
        /// What the node says of itself (PCNT HELLO: model, firmware).
        public var identity: String?

        public init(name: String, protocol: String, port: String, link: String) {
            self.name = name
            self.protocol = `protocol`
            self.port = port
            self.link = link
            framesPerSecond = 0
            frames = 0
            rejectedFrames = 0
            rejected = [:]
            lostFrames = 0
            reboots = 0
            degraded = false
            crossings = 0
            binsStored = 0
            binsWaiting = 0
        }
    }

    public struct Uplink: Codable, Sendable, Hashable {
        public var name: String
        /// Bins not yet confirmed by this uplink.
        public var queue: Int?
        /// Start of the newest bin it confirmed (ISO 8601).
        public var newestDeliveredBin: String?
        /// When it last confirmed something (ISO 8601).
        public var lastDelivery: String?
        public var lastError: String?

        public init(name: String) {
            self.name = name
        }
    }

    public struct Store: Codable, Sendable, Hashable {
        public var path: String
        public var bytes: Int64?
        public var maxBytes: Int64
        /// Bins closed before the system clock was synchronised, kept until their time is known.
        public var heldBins: Int?

        public init(path: String, bytes: Int64?, maxBytes: Int64, heldBins: Int? = nil) {
            self.path = path
            self.bytes = bytes
            self.maxBytes = maxBytes
            self.heldBins = heldBins
        }
    }

    public struct DayCounts: Codable, Sendable, Hashable {
        public var sensor: String
        /// The site's names for a_to_b and b_to_a.
        public var labels: [String]
        /// 24 hours × [a_to_b, b_to_a].
        public var hours: [[Int]]

        public init(sensor: String, labels: [String], hours: [[Int]]) {
            self.sensor = sensor
            self.labels = labels
            self.hours = hours
        }

        public var totals: [Int] { [hours.reduce(0) { $0 + $1[0] }, hours.reduce(0) { $0 + $1[1] }] }

        /// A day's counts per hour from one sensor's bins, given as (start in Unix seconds, a_to_b,
        /// b_to_a), the day starting at `midnight` (Unix seconds).
        public init(
            sensor: String, labels: [String], midnight: Int64,
            bins: some Sequence<(start: Int64, aToB: Int, bToA: Int)>
        ) {
            var hours = Array(repeating: [0, 0], count: 24)
            for bin in bins {
                let hour = Int((bin.start - midnight) / 3600)
                guard bin.start >= midnight, hour < 24 else { continue }
                hours[hour][0] += bin.aToB
                hours[hour][1] += bin.bToA
            }
            self.init(sensor: sensor, labels: labels, hours: hours)
        }
    }
}

extension JSONEncoder {
    /// For JSON that leaves passant (`--json` output, the health message): snake_case keys like the
    /// rest of passant's JSON, in a stable order. (The control socket itself uses the default coders:
    /// a snake_case decoder would also rewrite dictionary keys such as `debounce_ms`.)
    public static var passant: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
