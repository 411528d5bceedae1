// The MQTT uplink over libmosquitto: QoS 1 into a persistent session, one JSON message per sensor and
// batch, and a bin counts as delivered only once the broker's PUBACK for its message arrived.
//
// Message ids are 16-bit and live only in this process: after a restart, bins whose PUBACK never came
// are simply sent again, and the receiver drops (or replaces) a bin it already holds by its key.

import CountBins
import Logging
import PassantConfig
import Synchronization
import Uplinks

/// Delivers bins to an MQTT broker.
///
/// Topics (the prefix is `topic_prefix`, by default `passant/<site>`):
/// - `<prefix>/<sensor>/bins`: the bins, QoS 1, not retained (see `BinMessage` for the JSON);
/// - `<prefix>/status`: retained `online` after every connect; `offline` as the last will, and
///   published on a clean shutdown;
/// - `<prefix>/health`: retained, whatever the daemon passes to `publishHealth(_:)`.
///
/// The client reconnects by itself (libmosquitto's network thread); the delivery service's
/// `prepare()` waits for the connection and turns a failure into an `UplinkError` that says what
/// to fix. After a TLS or authentication failure the client is rebuilt at the next `prepare()`, so
/// a corrected CA file or password file is read again without restarting the daemon.
public final class MQTTUplink: Uplink {
    public let name: String
    /// Bins per `deliver` call: ten messages of `bins_per_message`, few enough that all are in
    /// flight at once (libmosquitto sends up to 20 unacknowledged messages).
    public let maxBatch: Int
    /// How often the daemon should call `publishHealth(_:)`; nil when `health_interval_s` is 0.
    public let healthInterval: Duration?
    /// `<prefix>/status`.
    public let statusTopic: String
    /// `<prefix>/health`.
    public let healthTopic: String
    /// `<prefix>` of every topic.
    public let topicPrefix: String
    /// The MQTT client id; the broker keeps the persistent session under it.
    public let clientID: String

    private let configuration: MQTTConfiguration
    private let site: String
    private let labels: [String: DirectionLabels]
    private let environment: [String: String]
    private let logger: Logger
    private let connectTimeout: Duration
    private let session = Mutex(Session())

    /// Connection state owned by the uplink: the current client and the messages in flight on it.
    private struct Session: ~Copyable {
        var client: MosquittoClient?
        /// Bins per unacknowledged message id of the current client.
        var inFlight: [Int32: [CountBin]] = [:]
        /// The message carrying each bin in flight, so a bin offered again while its first message
        /// still waits for a PUBACK is not sent twice.
        var messageOfBin: [BinKey: Int32] = [:]
        /// Whether the last `prepare()` failed, to log the recovery once.
        var failing = false
        var statistics = Statistics()
    }

    /// What this uplink has published since it was made, for the health message and for measuring
    /// bytes per bin.
    public struct Statistics: Sendable, Hashable {
        /// Bin messages handed to the client (a message resent by libmosquitto counts once).
        public var messages = 0
        /// Bins in those messages.
        public var bins = 0
        /// JSON payload bytes of those messages (MQTT adds about 40 bytes per message and a
        /// 4-byte PUBACK).
        public var payloadBytes = 0
        /// Bins whose message the broker acknowledged.
        public var confirmedBins = 0
    }

    /// What has been published so far.
    public var statistics: Statistics { session.withLock { $0.statistics } }

    /// Makes the uplink; it connects in `prepare()`.
    ///
    /// - Parameters:
    ///   - configuration: the `type: mqtt` entry of `uplinks:`.
    ///   - site: the configuration's `site`, for the default topic prefix and client id.
    ///   - node: the configuration's `node` (this gateway), for the default client id.
    ///   - labels: each sensor's direction labels by sensor name; a sensor not listed gets
    ///     `a_to_b`/`b_to_a`.
    ///   - environment: the process environment, for `password: {env: NAME}`.
    ///   - connectTimeout: how long `prepare()` waits for the broker.
    /// - Throws: `UplinkError(.configuration, …)` when a password from an environment variable is
    ///   missing (the environment cannot change without a restart). Password files and TLS files
    ///   are read when connecting, so fixing one needs no restart.
    public init(
        configuration: MQTTConfiguration, site: String, node: String, labels: [String: DirectionLabels],
        environment: [String: String], logger: Logger, connectTimeout: Duration = .seconds(10)
    ) throws(UplinkError) {
        self.configuration = configuration
        self.name = configuration.name
        self.site = site
        self.labels = labels
        self.environment = environment
        self.connectTimeout = connectTimeout
        self.maxBatch = configuration.binsPerMessage * 10
        self.healthInterval =
            configuration.healthIntervalSeconds > 0 ? .seconds(configuration.healthIntervalSeconds) : nil
        self.topicPrefix = configuration.topicPrefix ?? "passant/\(site)"
        self.statusTopic = "\(topicPrefix)/status"
        self.healthTopic = "\(topicPrefix)/health"
        self.clientID = configuration.clientID ?? "passant-\(site)-\(node)"
        var logger = logger
        logger[metadataKey: "uplink"] = "\(configuration.name)"
        self.logger = logger
        if let password = configuration.password, case .environment = password {
            if case .failure(let error) = password.resolve(environment: environment) {
                throw UplinkError(.configuration, "\(configuration.name): \(error.message)")
            }
        }
    }

    /// Makes the uplink for one `type: mqtt` entry of a whole configuration, taking the site, the
    /// node and the sensors' direction labels from it. This is what the daemon calls.
    public convenience init(
        _ mqtt: MQTTConfiguration, of configuration: Configuration, environment: [String: String],
        logger: Logger
    ) throws(UplinkError) {
        var labels: [String: DirectionLabels] = [:]
        for sensor in configuration.sensors { labels[sensor.name] = sensor.labels }
        try self.init(
            configuration: mqtt, site: configuration.site, node: configuration.node, labels: labels,
            environment: environment, logger: logger)
    }

    deinit {
        session.withLock { $0.client?.stop() }
    }

    /// `host:port`, for messages.
    public var endpoint: String { "\(configuration.host):\(configuration.port)" }

    /// The topic of `sensor`'s bins.
    public func binsTopic(sensor: String) -> String { "\(topicPrefix)/\(sensor)/bins" }
    /// The topic of `sensor`'s gap records (bins dropped by the store before they were delivered).
    public func gapsTopic(sensor: String) -> String { "\(topicPrefix)/\(sensor)/gaps" }

    // MARK: - Uplink

    /// Connects (or waits for the running client to reconnect) and returns once the broker accepted
    /// the session; throws what went wrong otherwise.
    public func prepare() async throws(UplinkError) {
        let (client, isNew) = try currentOrNewClient()
        // A new client's first attempt counts; a running one must fail anew (it may be reconnecting).
        let failuresBefore = isNew ? 0 : client.events.read { $0.failureCount }
        let connected = await client.events.wait(until: .now + connectTimeout) { state -> Bool? in
            if state.connected { return true }
            // A new failure since we started waiting ends the wait: the broker said no, or is not there.
            if state.failureCount > failuresBefore || (state.failureCount > 0 && state.loopEnded) {
                return false
            }
            return nil
        }
        if connected == true {
            let recovered = session.withLock { session in
                defer { session.failing = false }
                return session.failing
            }
            if recovered {
                logger.notice("connected to the MQTT broker \(endpoint) as \(clientID)")
            } else {
                logger.info("connected to the MQTT broker \(endpoint) as \(clientID)")
            }
            return
        }
        let state = client.events.read { $0 }
        let error = describe(state.lastFailure)
        session.withLock { $0.failing = true }
        if error.kind == .configuration || state.loopEnded {
            // The network thread stopped or retrying cannot help: drop the client, so the next
            // prepare() reads the files and secrets again.
            dropClient(client)
        }
        throw error
    }

    /// Publishes `bins` (one message per sensor and `bins_per_message`) and waits up to
    /// `ack_timeout_s` for the broker's acknowledgements; returns the keys of the bins whose
    /// message was acknowledged. Called one batch at a time (the delivery service's loop): two
    /// concurrent calls with the same bins could both send them.
    public func deliver(_ bins: [CountBin]) async throws(UplinkError) -> [BinKey] {
        if bins.isEmpty { return [] }
        guard let client = session.withLock({ $0.client }), client.events.read({ $0.connected }) else {
            throw UplinkError(.transient, "not connected to the MQTT broker \(endpoint); bins stay queued")
        }

        // A bin still in flight from an earlier call, with the same values, waits for that message.
        var awaited: Set<Int32> = []
        var toSend: [CountBin] = []
        session.withLock { session in
            for bin in bins {
                if let mid = session.messageOfBin[bin.key], session.inFlight[mid]?.contains(bin) == true {
                    awaited.insert(mid)
                } else {
                    toSend.append(bin)
                }
            }
        }

        var sendError: MosquittoError?
        sending: for (sensor, sensorBins) in groupedBySensor(toSend) {
            let sensorLabels = labels[sensor] ?? DirectionLabels()
            for start in stride(from: 0, to: sensorBins.count, by: configuration.binsPerMessage) {
                let chunk = Array(
                    sensorBins[start..<min(start + configuration.binsPerMessage, sensorBins.count)])
                let message = OutgoingMessage(
                    topic: binsTopic(sensor: sensor),
                    payload: BinMessage.encode(chunk, site: site, labels: sensorLabels),
                    qos: Int32(configuration.qos), retain: false)
                let mid: Int32
                do {
                    mid = try client.publish(message, awaited: true)
                } catch {
                    sendError = error
                    break sending
                }
                let superseded = session.withLock { session in
                    session.inFlight[mid] = chunk
                    var earlier: Set<Int32> = []
                    for bin in chunk {
                        if let old = session.messageOfBin.updateValue(mid, forKey: bin.key), old != mid {
                            earlier.insert(old)
                        }
                    }
                    session.statistics.messages += 1
                    session.statistics.bins += chunk.count
                    session.statistics.payloadBytes += message.payload.count
                    return Self.dropSuperseded(earlier, in: &session)
                }
                // Messages whose every bin went out again with other values: their PUBACK, should it
                // still come, confirms nothing.
                client.events.forget(superseded)
                awaited.insert(mid)
            }
        }
        if awaited.isEmpty, let sendError {
            throw UplinkError(
                .transient,
                "cannot publish to the MQTT broker \(endpoint): \(sendError.message); bins stay queued")
        }

        let timeout = Duration.seconds(configuration.ackTimeoutSeconds)
        _ = await client.events.wait(until: .now + timeout) { state -> Bool? in
            // Stop early when the connection drops: libmosquitto resends after reconnecting, and the
            // next delivery waits for those same messages.
            awaited.isSubset(of: state.acknowledged) || !state.connected ? true : nil
        }
        let acknowledged = client.events.takeAcknowledged(awaited)
        let confirmedBins: Set<CountBin> = session.withLock { session in
            var confirmed: Set<CountBin> = []
            for mid in acknowledged {
                guard let chunk = session.inFlight.removeValue(forKey: mid) else { continue }
                for bin in chunk {
                    confirmed.insert(bin)
                    if session.messageOfBin[bin.key] == mid { session.messageOfBin[bin.key] = nil }
                }
            }
            return confirmed
        }
        // Only bins with the values offered count: a bin re-saved with final values while an older
        // message was in flight must be sent again.
        let confirmed = bins.filter { confirmedBins.contains($0) }.map(\.key)
        session.withLock { $0.statistics.confirmedBins += confirmed.count }
        if confirmed.isEmpty {
            let connected = client.events.read { $0.connected }
            throw UplinkError(
                .transient,
                connected
                    ? "the MQTT broker \(endpoint) acknowledged none of \(bins.count) bins within \(configuration.ackTimeoutSeconds) s; they stay queued"
                    : "lost the connection to the MQTT broker \(endpoint) while delivering; bins stay queued")
        }
        return confirmed
    }

    /// Publishes gap records, one message per sensor, and returns those the broker acknowledged
    /// within `ack_timeout_s`. Gaps are rare and small, so unlike bins they are not tracked across
    /// calls: one offered again before its PUBACK is simply sent again (same key, latest wins).
    public func deliver(gaps: [DroppedRange]) async throws(UplinkError) -> [DroppedRange] {
        if gaps.isEmpty { return [] }
        guard let client = session.withLock({ $0.client }), client.events.read({ $0.connected }) else {
            throw UplinkError(.transient, "not connected to the MQTT broker \(endpoint); gap records stay queued")
        }
        var messages: [Int32: [DroppedRange]] = [:]
        for sensor in Set(gaps.map(\.sensor)).sorted() {
            let sensorGaps = gaps.filter { $0.sensor == sensor }
            let message = OutgoingMessage(
                topic: gapsTopic(sensor: sensor), payload: BinMessage.encode(gaps: sensorGaps, site: site),
                qos: Int32(configuration.qos), retain: false)
            do {
                let mid = try client.publish(message, awaited: true)
                messages[mid] = sensorGaps
            } catch {
                if messages.isEmpty {
                    throw UplinkError(
                        .transient,
                        "cannot publish gap records to the MQTT broker \(endpoint): \(error.message); they stay queued")
                }
                break
            }
        }
        let awaited = Set(messages.keys)
        _ = await client.events.wait(until: .now + .seconds(configuration.ackTimeoutSeconds)) {
            state -> Bool? in
            awaited.isSubset(of: state.acknowledged) || !state.connected ? true : nil
        }
        let acknowledged = client.events.takeAcknowledged(awaited)
        // Gap records are sent anew next time, in a new message: a late PUBACK for these confirms nothing.
        client.events.forget(awaited.subtracting(acknowledged))
        return gaps.filter { gap in
            acknowledged.contains { messages[$0]?.contains(gap) == true }
        }
    }

    /// Publishes the retained `offline` status, waits briefly for its acknowledgement and
    /// disconnects cleanly (so the broker does not publish the will on top).
    public func shutdown() async {
        guard let client = session.withLock({ $0.client }) else { return }
        if client.events.read({ $0.connected }),
            let mid = try? client.publish(status("offline"), awaited: true)
        {
            _ = await client.events.wait(until: .now + .seconds(5)) { state -> Bool? in
                state.acknowledged.contains(mid) ? true : nil
            }
            _ = client.events.takeAcknowledged([mid])
        }
        dropClient(client)
        logger.info("disconnected from the MQTT broker \(endpoint)")
    }

    /// Publishes `json` on `<prefix>/health`, retained, QoS 0: a health report is a snapshot, so one
    /// that cannot be sent now is dropped rather than queued. Returns whether it was handed to the
    /// connection.
    @discardableResult
    public func publishHealth(_ json: String) -> Bool {
        guard let client = session.withLock({ $0.client }), client.events.read({ $0.connected }) else {
            return false
        }
        let message = OutgoingMessage(topic: healthTopic, payload: Array(json.utf8), qos: 0, retain: true)
        return (try? client.publish(message, awaited: false)) != nil
    }

    /// Whether the client is connected to the broker now (for the daemon's status).
    public var isConnected: Bool {
        session.withLock { $0.client }?.events.read { $0.connected } ?? false
    }

    // MARK: - Internals

    /// For tests: lose the connection the way a crash would (no DISCONNECT), so the broker
    /// publishes the will. The uplink is left without a client.
    func abandonConnectionForTesting() {
        let client = session.withLock { session in
            defer { session.client = nil }
            return session.client
        }
        client?.abandonConnection()
    }

    /// For tests: what the PUBACK ledger of the current client and the uplink's own bookkeeping
    /// hold; everything is 0 once every message was acknowledged and taken, or given up.
    var ledgerForTesting: (awaiting: Int, acknowledged: Int, early: Int, inFlight: Int) {
        let (client, inFlight) = session.withLock { ($0.client, $0.inFlight.count) }
        let counts =
            client?.events.read { ($0.awaiting.count, $0.acknowledged.count, $0.early.count) } ?? (0, 0, 0)
        return (counts.0, counts.1, counts.2, inFlight)
    }

    private func status(_ text: String) -> OutgoingMessage {
        OutgoingMessage(
            topic: statusTopic, payload: Array(text.utf8), qos: Int32(configuration.qos), retain: true)
    }

    /// Removes from `inFlight` those of `mids` that no bin waits for any more (each of their bins went
    /// out again in a later message) and returns them.
    private static func dropSuperseded(_ mids: Set<Int32>, in session: inout Session) -> Set<Int32> {
        var dropped: Set<Int32> = []
        for mid in mids {
            guard let chunk = session.inFlight[mid] else { continue }
            if !chunk.contains(where: { session.messageOfBin[$0.key] == mid }) {
                session.inFlight[mid] = nil
                dropped.insert(mid)
            }
        }
        return dropped
    }

    private func currentOrNewClient() throws(UplinkError) -> (MosquittoClient, isNew: Bool) {
        if let client = session.withLock({ $0.client }) { return (client, false) }
        let client = try makeClient()
        session.withLock { session in
            session.client = client
            session.inFlight = [:]
            session.messageOfBin = [:]
        }
        return (client, true)
    }

    private func dropClient(_ client: MosquittoClient) {
        let current = session.withLock { session in
            guard session.client === client else { return false }
            session.client = nil
            session.inFlight = [:]
            session.messageOfBin = [:]
            return true
        }
        if current { client.stop() }
    }

    /// A client set up from the configuration, connecting in the background.
    private func makeClient() throws(UplinkError) -> MosquittoClient {
        let events = ConnectionEvents(endpoint: endpoint, birth: status("online"), logger: logger)
        do {
            let client = try MosquittoClient(clientID: clientID, cleanSession: false, events: events)
            if let username = configuration.username {
                var password: String?
                if let secret = configuration.password {
                    switch secret.resolve(environment: environment) {
                    case .success(let value): password = value
                    case .failure(let error): throw UplinkError(.configuration, "\(name): \(error.message)")
                    }
                }
                try client.setCredentials(username: username, password: password)
            }
            if let tls = configuration.tls {
                for (key, path) in [
                    ("ca_file", tls.caFile), ("cert_file", tls.certFile), ("key_file", tls.keyFile),
                ] {
                    if let path, !isReadable(path) {
                        throw UplinkError(
                            .configuration,
                            "\(name): cannot read tls.\(key) \(path); check it exists and passantd may read it. Bins stay queued"
                        )
                    }
                }
                if tls.insecure {
                    logger.warning(
                        "TLS to \(endpoint) does not verify the broker's certificate (tls.insecure)")
                }
                try client.setTLS(
                    caFile: tls.caFile, caPath: tls.caFile == nil ? "/etc/ssl/certs" : nil,
                    certFile: tls.certFile,
                    keyFile: tls.keyFile, verify: !tls.insecure)
            }
            try client.setWill(status("offline"))
            try client.start(
                host: configuration.host, port: configuration.port, keepalive: configuration.keepaliveSeconds)
            return client
        } catch let error as MosquittoError {
            throw UplinkError(.configuration, "\(name): cannot set up the MQTT client: \(error)")
        } catch let error as UplinkError {
            throw error
        } catch {
            throw UplinkError(.configuration, "\(name): \(error)")
        }
    }

    /// Turns the client's last failure into an error saying what to do.
    private func describe(_ failure: ConnectionFailure?) -> UplinkError {
        switch failure {
        case .refused(let code, let text):
            switch code {
            case 4:
                return UplinkError(
                    .configuration,
                    "the MQTT broker \(endpoint) refused the user name or password (\(text)); check username and password. Bins stay queued"
                )
            case 5:
                return UplinkError(
                    .configuration,
                    "the MQTT broker \(endpoint) did not authorise \(configuration.username.map { "user \($0)" } ?? "an anonymous client") (\(text)); check username, password or the broker's ACL. Bins stay queued"
                )
            case 2:
                return UplinkError(
                    .configuration,
                    "the MQTT broker \(endpoint) refused the client id \(clientID) (\(text)); set client_id. Bins stay queued"
                )
            case 1:
                return UplinkError(
                    .configuration,
                    "the MQTT broker \(endpoint) does not speak MQTT 3.1.1 (\(text)). Bins stay queued")
            default:
                return UplinkError(
                    .transient,
                    "the MQTT broker \(endpoint) refused the connection (\(text)); retrying. Bins stay queued"
                )
            }
        case .dropped(let code, let text, let log):
            if MosquittoError.tlsCodes.contains(code) || log.map(isTLSLogLine) == true {
                let detail = log ?? text
                let ca = configuration.tls?.caFile.map { "tls.ca_file (\($0))" } ?? "the system's CA store"
                return UplinkError(
                    .configuration,
                    "TLS with the MQTT broker \(endpoint) failed: \(detail). Check that \(ca) holds the CA that signed the broker's certificate and that the certificate names \(configuration.host). Nothing is lost: bins stay queued and delivery resumes once this is fixed"
                )
            }
            let detail = log.map { "\(text); \($0)" } ?? text
            return UplinkError(
                .transient,
                "cannot reach the MQTT broker \(endpoint) (\(detail)); bins stay queued and are delivered once it is back"
            )
        case nil:
            return UplinkError(
                .transient,
                "no answer from the MQTT broker \(endpoint) within \(connectTimeout); bins stay queued and are delivered once it answers"
            )
        }
    }
}

private func isTLSLogLine(_ line: String) -> Bool {
    line.contains("OpenSSL") || line.contains("SSL") || line.contains("certificate")
}

/// `bins` grouped by sensor, sensors in order of first appearance, bins in their given order.
private func groupedBySensor(_ bins: [CountBin]) -> [(String, [CountBin])] {
    var order: [String] = []
    var groups: [String: [CountBin]] = [:]
    for bin in bins {
        if groups[bin.key.sensor] == nil { order.append(bin.key.sensor) }
        groups[bin.key.sensor, default: []].append(bin)
    }
    return order.map { ($0, groups[$0]!) }
}
