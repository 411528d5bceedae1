// The OGC SensorThings API uplink: bins become Observations of one Datastream per counter and
// direction, sent with CreateObservations (dataArray), and never stored twice at the server.
//
// Exactly once without help from the server (django-ogc-sensorthings detects no duplicates and
// ignores client-chosen ids): every row carries its key in `parameters/passant_key`, and
// `resultTime` is the bin's end. Per Datastream the uplink knows the newest `resultTime` the server
// holds (its high-water mark, read at start and after any failure whose outcome is unknown). A row
// newer than the mark cannot be at the server and is sent; a row at or below it (a batch whose
// reply was lost, a bin stored just before a crash, a bin whose values changed) is first looked up
// at the server by its key, and sent only if it is not there. Read-backs thus cost nothing in the
// normal case and stay as small as the uncertainty.

import CountBins
import Foundation
import Logging
import PassantConfig
import Uplinks

/// Delivers bins to an OGC SensorThings API server (v1.1, with the dataArray extension).
///
/// The daemon creates one per `type: sensorthings` entry in `uplinks:` and hands it to a
/// `DeliveryService`, which calls `prepare()`, then `deliver(_:)` with pending bins, and
/// `shutdown()` at the end (required: it releases the HTTP client).
public actor SensorThingsUplink: Uplink {
    /// A counter as the server shows it: its name and what its directions are called at the site.
    public struct Sensor: Sendable, Hashable {
        public var name: String
        public var labels: DirectionLabels
        /// What kind of counter it is, for the Sensor entity's metadata.
        public var `protocol`: SensorProtocol

        public init(
            name: String, labels: DirectionLabels = DirectionLabels(), protocol: SensorProtocol = .pcnt
        ) {
            self.name = name
            self.labels = labels
            self.protocol = `protocol`
        }

        public init(_ sensor: SensorConfiguration) {
            self.init(name: sensor.name, labels: sensor.labels, protocol: sensor.protocol)
        }
    }

    public nonisolated let name: String
    /// Bins per request (`batch_rows` over the rows of a bin: two, one per direction; four with fast movers).
    public nonisolated let maxBatch: Int

    let configuration: SensorThingsConfiguration
    private let node: String
    private let sensors: [Sensor]
    private let site: SiteDescription
    private let environment: [String: String]
    let logger: Logger
    private var tls: TLSFiles?
    /// A TLS handshake failed: the next `prepare()` reads the TLS files again into a new client, so a
    /// corrected CA file works without restarting the daemon.
    private var rereadTLS = false
    private var service: ServiceClient?

    // What the server holds, learned in `prepare()` and kept up to date.
    private var authorization: String?
    var thingID: EntityID?
    var datastreams: [StreamKey: EntityID] = [:]
    private var sensorIDs: [String: EntityID] = [:]
    private var observedPropertyIDs: [String: EntityID] = [:]
    /// Per Datastream, the newest bin end (Unix seconds) the server holds; absent: none.
    private var highWater: [StreamKey: Int64] = [:]
    /// Datastreams whose high-water mark is known. Emptied when a write's outcome is unknown.
    private var highWaterKnown: Set<StreamKey> = []
    /// Keys of rows whose group the server refused: sent one per group until stored.
    private var suspects: Set<String> = []
    private var lastRefused: Set<String> = []

    /// Requests, bytes and time spent so far.
    public private(set) var traffic = SensorThingsTraffic()

    /// - Parameters:
    ///   - configuration: this uplink's entry in `uplinks:`.
    ///   - site: the site id (config `site`): the Thing's key.
    ///   - node: this gateway's id (config `node`): part of Datastream and Observation keys.
    ///   - sensors: the configured counters; each gets two Datastreams. Bins of other sensors (still
    ///     in the store after a sensor was removed) get theirs when they are delivered.
    ///   - environment: for secrets given as `{env: NAME}`.
    /// - Throws: `.configuration` when a TLS file cannot be read.
    public init(
        configuration: SensorThingsConfiguration, site: String, node: String, sensors: [Sensor],
        environment: [String: String], logger: Logger
    ) throws(UplinkError) {
        self.configuration = configuration
        self.name = configuration.name
        // Rows per bin: two, four for a LiDAR that counts fast movers apart.
        self.maxBatch = max(1, configuration.batchRows / (sensors.contains { $0.protocol == .ld06 } ? 4 : 2))
        self.node = node
        self.sensors = sensors
        var labels: [String: (aToB: String, bToA: String)] = [:]
        for sensor in sensors { labels[sensor.name] = (sensor.labels.aToB, sensor.labels.bToA) }
        var protocols: [String: SensorProtocol] = [:]
        for sensor in sensors { protocols[sensor.name] = sensor.protocol }
        self.site = SiteDescription(
            site: site, thing: configuration.thing, labels: labels, protocols: protocols)
        self.environment = environment
        var logger = logger
        logger[metadataKey: "uplink"] = "\(configuration.name)"
        self.logger = logger
        try ServiceClient.checkLibrary()
        self.tls = configuration.url.hasPrefix("https://") ? try TLSFiles(configuration.tls) : nil
    }

    // MARK: - Uplink

    /// Checks the service root, finds or creates the Thing, its Location, the Sensors, the
    /// ObservedProperty and the Datastreams of the configured sensors, and reads each Datastream's
    /// high-water mark.
    public func prepare() async throws(UplinkError) {
        if rereadTLS {
            tls = try TLSFiles(configuration.tls)
            rereadTLS = false
            // Swapped out before the await, so that no other call on this actor sees a client that
            // is shutting down (or makes a second new one).
            let old = service
            service = nil
            await old?.shutdown()
        }
        if service == nil {
            service = try ServiceClient(
                root: configuration.url, timeoutSeconds: configuration.timeoutSeconds, tls: tls)
        }
        authorization = try resolveAuthorization()
        let root = try await call(.GET, "/", what: "reading the service root")
        guard root.status == 200 else {
            if root.status == 404 {
                throw UplinkError(
                    .configuration,
                    "\(configuration.url) is not a SensorThings service root (404); check url (e.g. https://host/sensorthings/v1.1)"
                )
            }
            throw failure(root, "reading the service root")
        }
        var wanted: Set<StreamKey> = []
        for sensor in sensors {
            for direction in Direction.allCases {
                wanted.insert(StreamKey(node: node, sensor: sensor.name, direction: direction))
            }
        }
        try await discover(wanted)
        // After any failure the delivery service prepares again: everything is read afresh then.
        highWaterKnown = []
        try await refreshHighWater(wanted)
    }

    /// Sends `bins` in one CreateObservations request (after settling rows that may already be at
    /// the server) and returns the keys of the bins whose two rows the server holds.
    public func deliver(_ bins: [CountBin]) async throws(UplinkError) -> [BinKey] {
        guard thingID != nil else { throw UplinkError(.transient, "not prepared") }
        if bins.isEmpty { return [] }
        let rows = bins.flatMap(ObservationRow.rows(of:))
        let streams = Set(rows.map(\.stream))
        if !streams.isSubset(of: datastreams.keys) {
            try await discover(streams.subtracting(datastreams.keys))
        }
        try await refreshHighWater(streams.subtracting(highWaterKnown))

        let uncertain = rows.filter { $0.end <= highWater[$0.stream, default: .min] }
        var stored = uncertain.isEmpty ? [] : try await settle(uncertain)
        let toSend = rows.filter { !stored.contains($0.key) }
        if !toSend.isEmpty { stored.formUnion(try await create(toSend)) }

        return bins.filter { bin in
            ObservationRow.rows(of: bin).allSatisfy { stored.contains($0.key) }
        }.map(\.key)
    }

    public func shutdown() async {
        await service?.shutdown()
        service = nil
        thingID = nil
    }

    // MARK: - Entities

    /// Finds the Thing and the `wanted` Datastreams, creating what is missing.
    func discover(_ wanted: Set<StreamKey>) async throws(UplinkError) {
        var found = try await findThing()
        if found == nil {
            var bodies: [String] = []
            for stream in wanted.sorted() {
                bodies.append(
                    site.datastreamBody(
                        stream, sensor: try await sensorID(stream),
                        observedProperty: try await observedProperty(stream)))
            }
            let created = try await call(
                .POST, "/Things", body: site.thingBody(datastreams: bodies), what: "creating the Thing")
            guard created.status == 201 || created.status == 200 else {
                throw failure(created, "creating the Thing")
            }
            logger.notice("created the Thing for site \(site.site) with \(bodies.count) Datastreams")
            found = try await findThing()
            guard found != nil else {
                throw UplinkError(
                    .transient,
                    "created the Thing for site \(site.site) but cannot find it by properties/passant_key")
            }
        }
        guard let found else { return }
        let thing = found.id
        if thingID != thing { datastreams = [:] }
        thingID = thing
        datastreams.merge(found.datastreams) { _, new in new }
        for stream in wanted.sorted() where datastreams[stream] == nil {
            let body = site.datastreamBody(
                stream, sensor: try await sensorID(stream),
                observedProperty: try await observedProperty(stream),
                thing: thing)
            let created = try await call(
                .POST, "/Datastreams", body: Array(body.utf8), what: "creating the Datastream \(stream)")
            guard created.status == 201 || created.status == 200 else {
                throw failure(created, "creating the Datastream \(stream)")
            }
            logger.notice("created the Datastream \(stream)")
            if let location = created.header("Location"), let id = EntityID(location: location) {
                datastreams[stream] = id
            } else if let id = try await findThing()?.datastreams[stream] {
                datastreams[stream] = id
            } else {
                throw UplinkError(.transient, "created the Datastream \(stream) but cannot find it")
            }
        }
    }

    /// The Thing of this site and its Datastreams, or nil.
    func findThing() async throws(UplinkError) -> (id: EntityID, datastreams: [StreamKey: EntityID])? {
        let reply = try await call(
            .GET, "/Things",
            query: [
                ("$filter", "properties/passant_key eq \(OData.literal(site.thingKey))"), ("$select", "id"),
                ("$expand", "Datastreams($select=id,properties)"),
            ], what: "looking for the Thing of site \(site.site)")
        guard reply.status == 200 else { throw failure(reply, "looking for the Thing of site \(site.site)") }
        guard let things = Replies.entities(reply.json) else {
            throw UplinkError(.transient, "looking for the Thing: the reply is not a SensorThings collection")
        }
        guard let id = Replies.firstID(things),
            let thing = things.first(where: { EntityID($0["@iot.id"]) == id })
        else { return nil }
        let count = things.count
        if count > 1 {
            logger.warning("the server holds \(count) Things for site \(site.site); using the oldest")
        }
        return (id, Replies.datastreams(thing))
    }

    private func sensorID(_ stream: StreamKey) async throws(UplinkError) -> EntityID {
        let key = SiteDescription.sensorKey(node: stream.node, sensor: stream.sensor)
        if let id = sensorIDs[key] { return id }
        let id = try await findOrCreate(
            "Sensors", key: key, body: site.sensorBody(node: stream.node, sensor: stream.sensor),
            what: "the Sensor \(key)")
        sensorIDs[key] = id
        return id
    }

    private func observedProperty(_ stream: StreamKey) async throws(UplinkError) -> EntityID {
        let (key, body) = SiteDescription.observedProperty(stream.series)
        if let id = observedPropertyIDs[key] { return id }
        let id = try await findOrCreate(
            "ObservedProperties", key: key, body: body, what: "the ObservedProperty \(key)")
        observedPropertyIDs[key] = id
        return id
    }

    private func findOrCreate(_ collection: String, key: String, body: [UInt8], what: String)
        async throws(UplinkError)
        -> EntityID
    {
        let query = [("$filter", "properties/passant_key eq \(OData.literal(key))"), ("$select", "id")]
        let reply = try await call(.GET, "/\(collection)", query: query, what: "looking for \(what)")
        guard reply.status == 200, let entities = Replies.entities(reply.json) else {
            throw failure(reply, "looking for \(what)")
        }
        if let id = Replies.firstID(entities) { return id }
        let created = try await call(.POST, "/\(collection)", body: body, what: "creating \(what)")
        guard created.status == 201 || created.status == 200 else {
            throw failure(created, "creating \(what)")
        }
        if let location = created.header("Location"), let id = EntityID(location: location) {
            return id
        }
        let again = try await call(.GET, "/\(collection)", query: query, what: "looking for \(what)")
        guard let id = Replies.entities(again.json).flatMap(Replies.firstID) else {
            throw UplinkError(.transient, "created \(what) but cannot find it")
        }
        return id
    }

    // MARK: - Observations

    /// Reads the newest `resultTime` of each of `streams` (one small request each; ordering by
    /// `phenomenonTime` fails on django-ogc-sensorthings, `resultTime` is the bin end anyway).
    private func refreshHighWater(_ streams: Set<StreamKey>) async throws(UplinkError) {
        for stream in streams.sorted() {
            guard let id = datastreams[stream] else { continue }
            let reply = try await call(
                .GET, "/Datastreams\(id.path)/Observations",
                query: [("$orderby", "resultTime desc"), ("$top", "1"), ("$select", "resultTime")],
                what: "reading the newest Observation of \(stream)")
            guard reply.status == 200, let entities = Replies.entities(reply.json) else {
                throw failure(reply, "reading the newest Observation of \(stream)")
            }
            if let text = entities.first?["resultTime"] as? String {
                guard let millis = UTCTime.parseMillis(text) else {
                    throw UplinkError(
                        .transient, "the server's resultTime '\(text)' of \(stream) is not ISO 8601")
                }
                highWater[stream] = millis / 1000
            } else {
                highWater[stream] = nil
            }
            highWaterKnown.insert(stream)
        }
    }

    /// Looks up `rows` (each at or below its Datastream's high-water mark) at the server and makes
    /// the server hold each found row exactly once, with this row's values: an extra copy is deleted,
    /// changed values are patched. Returns the keys the server now holds.
    private func settle(_ rows: [ObservationRow]) async throws(UplinkError) -> Set<String> {
        let found = try await readBack(rows)
        var stored: Set<String> = []
        for row in rows {
            guard let copies = found[row.key], !copies.isEmpty else { continue }
            let keep = copies.filter(row.matches).min { $0.id < $1.id } ?? copies.min { $0.id < $1.id }!
            for extra in copies where extra.id != keep.id {
                let reply = try await call(
                    .DELETE, "/Observations\(extra.id.path)", what: "deleting a copy of \(row.key)")
                guard (200..<300).contains(reply.status) || reply.status == 404 else {
                    throw failure(reply, "deleting a second copy of \(row.key)")
                }
                logger.warning("deleted a second copy of \(row.key) at the server")
            }
            if !row.matches(keep) {
                let body = JSONText.object([
                    ("phenomenonTime", JSONText.string(row.phenomenonTime(configuration.phenomenonTime))),
                    ("resultTime", JSONText.string(UTCTime.format(row.end))), ("result", String(row.result)),
                    ("parameters", row.parameters),
                ])
                let reply = try await call(
                    .PATCH, "/Observations\(keep.id.path)", body: Array(body.utf8),
                    what: "updating \(row.key)")
                guard (200..<300).contains(reply.status) else { throw failure(reply, "updating \(row.key)") }
                logger.info("updated \(row.key) at the server with the bin's final values")
            }
            stored.insert(row.key)
        }
        return stored
    }

    /// The Observations stored under the keys of `rows`, by key. Reads each Datastream's rows by
    /// `resultTime` over runs of adjacent bins: one request per run (and per 100 rows), and only
    /// rows that are in fact at the server come back, so a lost reply to a batch the server never
    /// stored costs nothing but a few empty answers.
    private func readBack(_ rows: [ObservationRow]) async throws(UplinkError) -> [String: [StoredObservation]]
    {
        let wanted = Set(rows.map(\.key))
        var found: [String: [StoredObservation]] = [:]
        let byStream = Dictionary(grouping: rows, by: \.stream)
        for stream in byStream.keys.sorted() {
            guard let id = datastreams[stream] else { continue }
            let sorted = byStream[stream]!.sorted { $0.bin.start < $1.bin.start }
            var runs: [(first: Int64, last: Int64)] = []
            for row in sorted {
                if let last = runs.last, row.bin.start <= last.last {
                    runs[runs.count - 1].last = max(last.last, row.end)
                } else {
                    runs.append((row.end, row.end))
                }
            }
            for run in runs {
                let filter =
                    "resultTime ge \(UTCTime.format(run.first)) and resultTime le \(UTCTime.format(run.last))"
                // django-ogc-sensorthings serves at most 100 entities per page.
                let page = 100
                var skip = 0
                while true {
                    let reply = try await call(
                        .GET, "/Datastreams\(id.path)/Observations",
                        query: [
                            ("$filter", filter), ("$select", "id,result,parameters"),
                            ("$orderby", "resultTime"),
                            ("$top", String(page)), ("$skip", String(skip)),
                        ], what: "reading back Observations of \(stream)")
                    guard reply.status == 200, let entities = Replies.entities(reply.json) else {
                        throw failure(reply, "reading back Observations of \(stream)")
                    }
                    traffic.rowsReadBack += entities.count
                    for observation in entities.compactMap(Replies.observation)
                    where wanted.contains(observation.key) {
                        found[observation.key, default: []].append(observation)
                    }
                    let more = (reply.json as? [String: Any])?["@iot.nextLink"] != nil
                    if entities.isEmpty || (entities.count < page && !more) { break }
                    skip += entities.count
                }
            }
        }
        return found
    }

    /// One CreateObservations request. Returns the keys stored; a refused row stays pending.
    private func create(_ rows: [ObservationRow]) async throws(UplinkError) -> Set<String> {
        let groups = CreateObservations.groups(rows, datastreams: datastreams, suspects: suspects)
        let ordered = groups.flatMap(\.rows)
        let body = CreateObservations.body(groups, phenomenonTime: configuration.phenomenonTime)
        let what = "sending \(ordered.count) observations"
        let reply: ServiceResponse
        traffic.rowsSent += ordered.count
        do {
            reply = try await send(.POST, "/CreateObservations", body: body)
        } catch {
            // The server may have stored the rows: look before sending any of them again.
            highWaterKnown.subtract(rows.map(\.stream))
            throw UplinkError(
                .transient,
                "\(error.message); what was sent is looked up at the server before it is sent again")
        }
        guard reply.status == 201 || reply.status == 200 else {
            if reply.status >= 500 { highWaterKnown.subtract(rows.map(\.stream)) }
            if reply.status == 413 || (reply.status == 400 && ordered.count > 1000) {
                throw UplinkError(
                    .configuration,
                    "\(what): the server refused the request (\(reply.status)): \(reply.message); try a smaller batch"
                )
            }
            throw failure(reply, what)
        }
        guard let outcomes = CreateObservations.outcomes(reply: reply.json as Any, rowCount: ordered.count)
        else {
            highWaterKnown.subtract(rows.map(\.stream))
            throw UplinkError(.transient, "\(what): the reply is not one entry per row: \(reply.message)")
        }
        var stored: Set<String> = []
        var refused: [ObservationRow] = []
        for (row, ok) in zip(ordered, outcomes) {
            if ok {
                stored.insert(row.key)
                highWater[row.stream] = max(highWater[row.stream, default: .min], row.end)
            } else {
                refused.append(row)
            }
        }
        traffic.rowsStored += stored.count
        suspects.subtract(stored)
        if !refused.isEmpty { noteRefused(refused, of: ordered) }
        return stored
    }

    /// Logs refused rows once (not on every retry), marks them for groups of their own, and forgets
    /// a Datastream that refused every row: it may have been deleted at the server, and the next
    /// delivery finds it again (one small request) or creates it.
    private func noteRefused(_ refused: [ObservationRow], of rows: [ObservationRow]) {
        let keys = Set(refused.map(\.key))
        let isolated = keys.isSubset(of: suspects)
        suspects.formUnion(keys)
        if suspects.count > 100_000 { suspects = keys }
        for stream in Set(refused.map(\.stream))
        where !rows.contains(where: { $0.stream == stream && !keys.contains($0.key) }) {
            datastreams[stream] = nil
            highWaterKnown.remove(stream)
        }
        if keys != lastRefused {
            let sample = refused.prefix(3).map(\.key).joined(separator: ", ")
            if isolated {
                logger.error(
                    "the server refused \(refused.count) observation(s) sent on their own (it says only \"error\"), e.g. \(sample); their bins stay pending and are retried"
                )
            } else {
                logger.warning(
                    "the server refused \(refused.count) of \(rows.count) observations (e.g. \(sample)); a bad row spoils its whole group on some servers, so they are sent again one per group"
                )
            }
            lastRefused = keys
        }
    }

    // MARK: - HTTP

    private func resolveAuthorization() throws(UplinkError) -> String? {
        switch configuration.auth {
        case nil:
            return nil
        case .bearer(let secret):
            switch secret.resolve(environment: environment) {
            case .success(let token): return "Bearer " + token
            case .failure(let error): throw UplinkError(.configuration, "auth.bearer: \(error.message)")
            }
        case .basic(let username, let password):
            switch password.resolve(environment: environment) {
            case .success(let value):
                return "Basic " + Data("\(username):\(value)".utf8).base64EncodedString()
            case .failure(let error): throw UplinkError(.configuration, "auth.password: \(error.message)")
            }
        }
    }

    /// One request, counted in `traffic`; throws only when no response arrived.
    private func send(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: [UInt8]? = nil
    ) async throws(TransportFailure) -> ServiceResponse {
        guard let service else { throw TransportFailure(message: "not prepared", bytesSent: 0, seconds: 0) }
        traffic.requests += 1
        do {
            let response = try await service.send(
                method, path, query: query, body: body, authorization: authorization)
            traffic.bytesSent += response.bytesSent
            traffic.bytesReceived += response.body.count
            traffic.secondsWaiting += response.seconds
            return response
        } catch {
            traffic.bytesSent += error.bytesSent
            traffic.secondsWaiting += error.seconds
            throw error
        }
    }

    /// A request whose failure to get an answer is merely transient.
    func call(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: [UInt8]? = nil,
        what: String
    ) async throws(UplinkError) -> ServiceResponse {
        do {
            return try await send(method, path, query: query, body: body)
        } catch {
            if error.isTLS {
                rereadTLS = true
                throw UplinkError(.configuration, "\(what): \(error.message)")
            }
            throw UplinkError(.transient, "\(what): \(error.message)")
        }
    }

    /// The error for an unexpected status: the server's message, and whether waiting helps.
    func failure(_ reply: ServiceResponse, _ what: String) -> UplinkError {
        switch reply.status {
        case 401, 403:
            UplinkError(
                .configuration,
                "\(what): the server refused the credentials (\(reply.status)): \(reply.message); check auth")
        case 400..<500:
            UplinkError(
                .configuration, "\(what): the server refused the request (\(reply.status)): \(reply.message)")
        case 500..<600:
            UplinkError(.transient, "\(what): the server failed (\(reply.status)): \(reply.message)")
        default:
            UplinkError(.transient, "\(what): unexpected answer (\(reply.status)): \(reply.message)")
        }
    }
}
