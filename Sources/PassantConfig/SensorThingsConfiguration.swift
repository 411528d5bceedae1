// The OGC SensorThings API uplink (`type: sensorthings`).
import Yams

/// An OGC SensorThings API server receiving bins (`type: sensorthings`).
///
/// ```yaml
/// uplinks:
///   - type: sensorthings
///     url: https://iot.example.org/sensorthings/v1.1
///     thing: {name: Marktplatz, longitude: 8.5417, latitude: 47.3769}
///     phenomenon_time: start        # the server takes instants only
///     auth: {bearer: {file: /etc/passant/sta-token}}
/// ```
public struct SensorThingsConfiguration: Sendable, Hashable {
    /// The uplink's name; the store keeps its delivery state under it.
    public var name: String
    /// The service root, e.g. `http://127.0.0.1:8000/sensorthings/v1.1`, without a trailing slash.
    public var url: String
    /// The Thing standing for the counting site, with its Location.
    public var thing: Thing
    public var phenomenonTime: PhenomenonTime
    /// The most observations (rows) one `CreateObservations` request carries; each bin is two rows.
    public var batchRows: Int
    /// How long one request may take before it is abandoned (and, if it was a write, checked at the
    /// server before anything is sent again).
    public var timeoutSeconds: Double
    public var auth: Auth?
    public var tls: TLS

    public init(
        name: String = "sensorthings", url: String, thing: Thing, phenomenonTime: PhenomenonTime = .interval,
        batchRows: Int = SensorThingsConfiguration.defaultBatchRows,
        timeoutSeconds: Double = SensorThingsConfiguration.defaultTimeoutSeconds, auth: Auth? = nil,
        tls: TLS = TLS()
    ) {
        self.name = name
        self.url = url
        self.thing = thing
        self.phenomenonTime = phenomenonTime
        self.batchRows = batchRows
        self.timeoutSeconds = timeoutSeconds
        self.auth = auth
        self.tls = tls
    }

    /// The standard's `CreateObservations` limit on common servers (10,001 rows are refused).
    public static let defaultBatchRows = 10_000
    public static let defaultTimeoutSeconds = 60.0

    /// The site as a SensorThings Thing. `name` and `description` default from the site id.
    public struct Thing: Sendable, Hashable {
        public var name: String?
        public var description: String?
        /// WGS 84 degrees.
        public var longitude: Double
        public var latitude: Double

        public init(name: String? = nil, description: String? = nil, longitude: Double, latitude: Double) {
            self.name = name
            self.description = description
            self.longitude = longitude
            self.latitude = latitude
        }
    }

    /// What a bin's `phenomenonTime` is.
    public enum PhenomenonTime: String, Sendable, Hashable, CaseIterable {
        /// The bin's interval, `start/end`, as the standard intends.
        case interval
        /// The bin's start instant, for servers that take no intervals (django-ogc-sensorthings).
        case start
    }

    public enum Auth: Sendable, Hashable {
        /// `Authorization: Bearer TOKEN`.
        case bearer(Secret)
        /// HTTP basic authentication.
        case basic(username: String, password: Secret)
    }

    /// TLS for an `https` url. The server's certificate is always verified: against `caFile` when
    /// given, else against the system's trust store.
    public struct TLS: Sendable, Hashable {
        /// PEM file of the CA(s) to trust instead of the system's.
        public var caFile: String?
        /// PEM client certificate (chain), for servers that authenticate clients by certificate.
        public var certFile: String?
        /// PEM private key of `certFile`.
        public var keyFile: String?

        public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil) {
            self.caFile = caFile
            self.certFile = certFile
            self.keyFile = keyFile
        }
    }
}

extension Reader {
    mutating func sensorThings(_ node: Node, key: String) -> SensorThingsConfiguration? {
        let fields = mapping(
            node, key: key,
            allowed: ["type", "name", "url", "thing", "phenomenon_time", "batch", "timeout_s", "auth", "tls"])
        let errorsBefore = errors.count
        let name =
            fields["name"].flatMap { identifier($0, key: "\(key).name", parent: node, required: false) }
            ?? "sensorthings"

        var url: String?
        if let value = fields["url"], let text = scalar(value, key: "\(key).url") {
            if !(text.hasPrefix("http://") || text.hasPrefix("https://")) || text.contains(" ")
                || text.split(separator: "/", omittingEmptySubsequences: true).count < 2
            {
                fail(
                    value, key: "\(key).url",
                    "'\(text)' must be the service root, e.g. https://host/sensorthings/v1.1")
            } else {
                var trimmed = Substring(text)
                while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
                url = String(trimmed)
            }
        } else if fields["url"] == nil {
            fail(
                node, key: "\(key).url",
                "is missing; give the service root, e.g. https://host/sensorthings/v1.1")
        }

        var thing: SensorThingsConfiguration.Thing?
        if let value = fields["thing"] {
            thing = sensorThingsThing(value, key: "\(key).thing")
        } else {
            fail(
                node, key: "\(key).thing", "is missing; give at least {longitude: …, latitude: …} of the site"
            )
        }

        var phenomenonTime = SensorThingsConfiguration.PhenomenonTime.interval
        if let value = fields["phenomenon_time"], let text = scalar(value, key: "\(key).phenomenon_time") {
            if let known = SensorThingsConfiguration.PhenomenonTime(rawValue: text) {
                phenomenonTime = known
            } else {
                fail(
                    value, key: "\(key).phenomenon_time",
                    "'\(text)' is not known; use interval (start/end) or start (for servers that take instants only)"
                )
            }
        }
        let batch =
            fields["batch"].flatMap { integer($0, key: "\(key).batch", in: 2...10_000) }
            ?? SensorThingsConfiguration.defaultBatchRows
        let timeout =
            fields["timeout_s"].flatMap { decimal($0, key: "\(key).timeout_s", in: 0.01...600) }
            ?? SensorThingsConfiguration.defaultTimeoutSeconds

        var auth: SensorThingsConfiguration.Auth?
        if let value = fields["auth"] { auth = sensorThingsAuth(value, key: "\(key).auth") }

        var tls = SensorThingsConfiguration.TLS()
        if let value = fields["tls"] {
            let entries = mapping(value, key: "\(key).tls", allowed: ["ca_file", "cert_file", "key_file"])
            tls.caFile = entries["ca_file"].flatMap { path($0, key: "\(key).tls.ca_file") }
            tls.certFile = entries["cert_file"].flatMap { path($0, key: "\(key).tls.cert_file") }
            tls.keyFile = entries["key_file"].flatMap { path($0, key: "\(key).tls.key_file") }
            if (entries["cert_file"] == nil) != (entries["key_file"] == nil) {
                fail(
                    value, key: "\(key).tls",
                    "give cert_file and key_file together (the client certificate and its key)")
            }
            if let url, url.hasPrefix("http://") {
                fail(value, key: "\(key).tls", "is set but the url is http://; use https:// for TLS")
            }
        }

        guard errors.count == errorsBefore, let url, let thing else { return nil }
        return SensorThingsConfiguration(
            name: name, url: url, thing: thing, phenomenonTime: phenomenonTime, batchRows: batch,
            timeoutSeconds: timeout, auth: auth, tls: tls)
    }

    private mutating func sensorThingsThing(_ node: Node, key: String) -> SensorThingsConfiguration.Thing? {
        let fields = mapping(node, key: key, allowed: ["name", "description", "longitude", "latitude"])
        let name = fields["name"].map { label($0, key: "\(key).name", default: "") }
        let description = fields["description"].flatMap { scalar($0, key: "\(key).description") }
        var longitude: Double?
        var latitude: Double?
        if let value = fields["longitude"] {
            longitude = decimal(value, key: "\(key).longitude", in: -180...180)
        } else {
            fail(node, key: "\(key).longitude", "is missing (WGS 84 degrees east, e.g. 8.5417)")
        }
        if let value = fields["latitude"] {
            latitude = decimal(value, key: "\(key).latitude", in: -90...90)
        } else {
            fail(node, key: "\(key).latitude", "is missing (WGS 84 degrees north, e.g. 47.3769)")
        }
        guard let longitude, let latitude else { return nil }
        return SensorThingsConfiguration.Thing(
            name: name.flatMap { $0.isEmpty ? nil : $0 }, description: description, longitude: longitude,
            latitude: latitude)
    }

    private mutating func sensorThingsAuth(_ node: Node, key: String) -> SensorThingsConfiguration.Auth? {
        let fields = mapping(node, key: key, allowed: ["bearer", "username", "password"])
        if let token = fields["bearer"] {
            if fields["username"] != nil || fields["password"] != nil {
                fail(node, key: key, "give either bearer: TOKEN or username and password, not both")
                return nil
            }
            return secret(token, key: "\(key).bearer").map(SensorThingsConfiguration.Auth.bearer)
        }
        guard let userNode = fields["username"], let passwordNode = fields["password"] else {
            fail(node, key: key, "give bearer: TOKEN, or username: NAME and password: SECRET")
            return nil
        }
        guard let username = scalar(userNode, key: "\(key).username"),
            let password = secret(passwordNode, key: "\(key).password")
        else { return nil }
        if username.isEmpty || username.contains(":") {
            fail(userNode, key: "\(key).username", "must be non-empty and without ':'")
            return nil
        }
        return .basic(username: username, password: password)
    }

    /// A decimal number such as `8.5417` or `-0.12`.
    mutating func decimal(_ node: Node, key: String, in range: ClosedRange<Double>) -> Double? {
        guard let text = scalar(node, key: key) else { return nil }
        guard let value = Double(text), value.isFinite else {
            fail(node, key: key, "must be a number, not '\(text)'")
            return nil
        }
        if !range.contains(value) {
            fail(node, key: key, "must be between \(range.lowerBound) and \(range.upperBound), not \(text)")
            return nil
        }
        return value
    }
}
