import Yams

/// An MQTT broker receiving bins (`type: mqtt`).
///
/// ```yaml
/// uplinks:
///   - type: mqtt
///     host: mqtt.city.example
///     tls: {ca_file: /etc/passant/city-ca.pem}
///     username: gw-17
///     password: {file: /etc/passant/mqtt-password}
/// ```
public struct MQTTConfiguration: Sendable, Hashable {
    /// The uplink's name (`name`, default `mqtt`); its delivery state is kept under it.
    public var name: String
    /// The broker's host name or address (`host`, required).
    public var host: String
    /// `port`: 1883, or 8883 with TLS, unless set.
    public var port: Int
    /// `client_id`; nil means `passant-<site>-<node>`. It must stay the same across restarts:
    /// the broker keeps the persistent session under it.
    public var clientID: String?
    /// `topic_prefix`; nil means `passant/<site>`. Bins go to `<prefix>/<sensor>/bins`, the status
    /// to `<prefix>/status`, health to `<prefix>/health`.
    public var topicPrefix: String?
    public var username: String?
    /// Needs `username`.
    public var password: Secret?
    /// `tls`; nil means plain TCP.
    public var tls: MQTTTLSConfiguration?
    /// `keepalive_s`: how often the client pings an idle broker, and so how soon the broker
    /// notices a dead gateway and publishes the `offline` will (after 1.5 times this).
    public var keepaliveSeconds: Int
    /// `qos`: 1 (default) or 2. QoS 0 is refused: it has no acknowledgement, and a bin is marked
    /// delivered only when the broker acknowledged it.
    public var qos: Int
    /// `health_interval_s`: how often the daemon publishes a health message; 0 turns it off.
    public var healthIntervalSeconds: Int
    /// `ack_timeout_s`: how long a delivery waits for the broker's acknowledgements before the
    /// unacknowledged bins are offered again later.
    public var ackTimeoutSeconds: Int
    /// `bins_per_message`: the most bins in one MQTT message (one message holds one sensor's
    /// bins). Lower it for brokers with a small message size limit (a bin is about 300 bytes).
    public var binsPerMessage: Int

    public static let defaultPort = 1883
    public static let defaultTLSPort = 8883

    public init(
        name: String = "mqtt", host: String, port: Int? = nil, clientID: String? = nil,
        topicPrefix: String? = nil, username: String? = nil, password: Secret? = nil,
        tls: MQTTTLSConfiguration? = nil, keepaliveSeconds: Int = 60, qos: Int = 1,
        healthIntervalSeconds: Int = 300, ackTimeoutSeconds: Int = 30, binsPerMessage: Int = 100
    ) {
        self.name = name
        self.host = host
        self.port = port ?? (tls == nil ? Self.defaultPort : Self.defaultTLSPort)
        self.clientID = clientID
        self.topicPrefix = topicPrefix
        self.username = username
        self.password = password
        self.tls = tls
        self.keepaliveSeconds = keepaliveSeconds
        self.qos = qos
        self.healthIntervalSeconds = healthIntervalSeconds
        self.ackTimeoutSeconds = ackTimeoutSeconds
        self.binsPerMessage = binsPerMessage
    }
}

/// TLS to the broker (`tls:`). The broker's certificate and host name are verified unless
/// `insecure: true`.
public struct MQTTTLSConfiguration: Sendable, Hashable {
    /// `ca_file`: PEM file with the CA(s) that signed the broker's certificate; nil means the
    /// system's CA store (`/etc/ssl/certs`).
    public var caFile: String?
    /// `cert_file` and `key_file`: a client certificate and its key, both or neither.
    public var certFile: String?
    public var keyFile: String?
    /// `insecure`: skip verifying the broker's certificate and name. For a first test only.
    public var insecure: Bool

    public init(
        caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil, insecure: Bool = false
    ) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.insecure = insecure
    }
}

extension Reader {
    mutating func mqtt(_ node: Node, key: String) -> MQTTConfiguration? {
        let fields = mapping(
            node, key: key,
            allowed: [
                "type", "name", "host", "port", "client_id", "topic_prefix", "username", "password", "tls",
                "keepalive_s", "qos", "health_interval_s", "ack_timeout_s", "bins_per_message",
            ])
        let errorsBefore = errors.count
        let name =
            fields["name"].flatMap { identifier($0, key: "\(key).name", parent: node, required: false) }
            ?? "mqtt"

        var host: String?
        if let value = fields["host"], let text = scalar(value, key: "\(key).host") {
            if text.contains("://") {
                fail(
                    value, key: "\(key).host",
                    "'\(text)' must be a host name or address only; set port and tls separately")
            } else if text.isEmpty || text.contains(where: { $0 == " " || $0 == "/" }) {
                fail(value, key: "\(key).host", "'\(text)' is not a host name or address")
            } else {
                host = text
            }
        } else if fields["host"] == nil {
            fail(node, key: "\(key).host", "is missing; give the broker's host name or address")
        }

        let tls = fields["tls"].flatMap { mqttTLS($0, key: "\(key).tls") }
        let port = fields["port"].flatMap { integer($0, key: "\(key).port", in: 1...65535) }

        var clientID: String?
        if let value = fields["client_id"], let text = scalar(value, key: "\(key).client_id") {
            let printable = text.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 32 && $0.value < 127 }
            if text.isEmpty || text.count > 128 || !printable {
                fail(
                    value, key: "\(key).client_id",
                    "'\(text)' must be 1–128 printable ASCII characters without spaces")
            } else {
                clientID = text
            }
        }

        var topicPrefix: String?
        if let value = fields["topic_prefix"], let text = scalar(value, key: "\(key).topic_prefix") {
            if text.isEmpty || text.hasPrefix("/") || text.hasSuffix("/") || text.contains("//") {
                fail(
                    value, key: "\(key).topic_prefix",
                    "'\(text)' must be topic levels separated by '/', without a leading or trailing '/'")
            } else if text.contains(where: { $0 == "+" || $0 == "#" || $0 == "\0" }) {
                fail(value, key: "\(key).topic_prefix", "'\(text)' must not contain the wildcards '+' or '#'")
            } else {
                topicPrefix = text
            }
        }

        var username: String?
        if let value = fields["username"], let text = scalar(value, key: "\(key).username") {
            if text.isEmpty {
                fail(value, key: "\(key).username", "is empty; remove it to connect without a user name")
            } else {
                username = text
            }
        }
        let password = fields["password"].flatMap { secret($0, key: "\(key).password") }
        if let value = fields["password"], fields["username"] == nil {
            fail(value, key: "\(key).password", "needs a username; MQTT has no password without a user name")
        }

        let keepalive = fields["keepalive_s"].flatMap { integer($0, key: "\(key).keepalive_s", in: 5...3600) }
        var qos: Int?
        if let value = fields["qos"], let number = integer(value, key: "\(key).qos") {
            if number == 1 || number == 2 {
                qos = number
            } else if number == 0 {
                fail(
                    value, key: "\(key).qos",
                    "0 has no acknowledgement, so passant could not know a bin arrived; use 1")
            } else {
                fail(value, key: "\(key).qos", "must be 1 or 2, not \(number)")
            }
        }
        var health: Int?
        if let value = fields["health_interval_s"],
            let number = integer(value, key: "\(key).health_interval_s")
        {
            if number == 0 || (10...86_400).contains(number) {
                health = number
            } else {
                fail(
                    value, key: "\(key).health_interval_s",
                    "must be 0 (off) or between 10 and 86400, not \(number)")
            }
        }
        let ackTimeout = fields["ack_timeout_s"].flatMap {
            integer($0, key: "\(key).ack_timeout_s", in: 1...600)
        }
        let binsPerMessage = fields["bins_per_message"].flatMap {
            integer($0, key: "\(key).bins_per_message", in: 1...1000)
        }

        guard errors.count == errorsBefore, let host else { return nil }
        return MQTTConfiguration(
            name: name, host: host, port: port, clientID: clientID, topicPrefix: topicPrefix,
            username: username,
            password: password, tls: tls, keepaliveSeconds: keepalive ?? 60, qos: qos ?? 1,
            healthIntervalSeconds: health ?? 300, ackTimeoutSeconds: ackTimeout ?? 30,
            binsPerMessage: binsPerMessage ?? 100)
    }

    private mutating func mqttTLS(_ node: Node, key: String) -> MQTTTLSConfiguration? {
        let fields = mapping(node, key: key, allowed: ["ca_file", "cert_file", "key_file", "insecure"])
        var tls = MQTTTLSConfiguration()
        tls.caFile = fields["ca_file"].flatMap { path($0, key: "\(key).ca_file") }
        tls.certFile = fields["cert_file"].flatMap { path($0, key: "\(key).cert_file") }
        tls.keyFile = fields["key_file"].flatMap { path($0, key: "\(key).key_file") }
        if (fields["cert_file"] == nil) != (fields["key_file"] == nil) {
            let given = fields["cert_file"] ?? fields["key_file"] ?? node
            fail(given, key: key, "give both cert_file and key_file for a client certificate, or neither")
        }
        if let value = fields["insecure"], let text = scalar(value, key: "\(key).insecure") {
            switch text {
            case "true", "yes": tls.insecure = true
            case "false", "no": tls.insecure = false
            default: fail(value, key: "\(key).insecure", "must be true or false, not '\(text)'")
            }
        }
        return tls
    }
}
