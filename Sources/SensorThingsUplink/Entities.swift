// The entities passant keeps at the server — one Thing per site with its Location, one Sensor per
// counter, one ObservedProperty per series, one Datastream per counter and series — as JSON bodies,
// and the ids read back. Each carries `properties/passant_key`, so a restarted gateway or a second
// gateway at the same site finds them instead of creating them again.

import CountBins
import Foundation
import PassantConfig

/// A server-assigned `@iot.id`: a string (UUID) or a number, depending on the server.
struct EntityID: Sendable, Hashable, Comparable {
    /// The id as it appears in JSON: `"01a2…"` or `42`.
    var json: String
    /// The id in a resource path: `('01a2…')` or `(42)`.
    var path: String

    init?(_ value: Any?) {
        if let text = value as? String, !text.isEmpty {
            json = JSONText.string(text)
            path = "(" + OData.literal(text) + ")"
        } else if let number = value as? NSNumber, !(value is Bool) {
            json = number.stringValue
            path = "(" + number.stringValue + ")"
        } else {
            return nil
        }
    }

    /// The id in a `Location` header such as `…/Things('01a2…')` or `…/Things(42)`.
    init?(location: String) {
        guard let open = location.lastIndex(of: "("), location.hasSuffix(")") else { return nil }
        var inner = location[location.index(after: open)..<location.index(before: location.endIndex)]
        if inner.hasPrefix("'"), inner.hasSuffix("'"), inner.count >= 2 {
            inner = inner.dropFirst().dropLast()
            self.init(String(inner))
        } else if let number = Int64(inner) {
            self.init(NSNumber(value: number))
        } else {
            return nil
        }
    }

    static func < (lhs: EntityID, rhs: EntityID) -> Bool { lhs.json < rhs.json }

    /// `{"@iot.id": …}`, a reference to an existing entity in a body.
    var reference: String { #"{"@iot.id":"# + json + "}" }
}

/// What to say about the site and its counters.
struct SiteDescription: Sendable {
    var site: String
    var thing: SensorThingsConfiguration.Thing
    var labels: [String: (aToB: String, bToA: String)]
    var protocols: [String: SensorProtocol] = [:]

    var thingKey: String { site }

    func label(_ stream: StreamKey) -> String {
        let labels = labels[stream.sensor]
        switch stream.series {
        case .aToB: return labels?.aToB ?? Direction.aToB.rawValue
        case .bToA: return labels?.bToA ?? Direction.bToA.rawValue
        case .fastAToB: return "\(labels?.aToB ?? Direction.aToB.rawValue) fast movers"
        case .fastBToA: return "\(labels?.bToA ?? Direction.bToA.rawValue) fast movers"
        case .dropped: return "dropped bins"
        }
    }

    /// The deep insert: the Thing, its Location and the given Datastreams (whose Sensors and
    /// ObservedProperty exist already, so counters and directions share them).
    func thingBody(datastreams: [String]) -> [UInt8] {
        let name = thing.name ?? site
        let location = JSONText.object([
            ("name", JSONText.string(name)),
            ("description", JSONText.string("Where the passant counters of site \(site) are mounted")),
            ("encodingType", JSONText.string("application/geo+json")),
            (
                "location",
                #"{"type":"Point","coordinates":["# + JSONText.number(thing.longitude) + ","
                    + JSONText.number(thing.latitude) + "]}"
            ),
        ])
        var members: [(String, String)] = [
            ("name", JSONText.string(name)),
            (
                "description",
                JSONText.string(thing.description ?? "Pedestrian counting site \(site) (passant)")
            ),
            (
                "properties",
                JSONText.object([("passant_key", JSONText.string(thingKey)), ("site", JSONText.string(site))])
            ),
            ("Locations", JSONText.array([location])),
        ]
        if !datastreams.isEmpty { members.append(("Datastreams", JSONText.array(datastreams))) }
        return Array(JSONText.object(members).utf8)
    }

    /// A Datastream; `thing` is set when it is created on its own, not inside the Thing.
    func datastreamBody(
        _ stream: StreamKey, sensor: EntityID, observedProperty: EntityID, thing: EntityID? = nil
    ) -> String {
        let label = label(stream)
        let description =
            switch stream.series {
            case .dropped:
                "Bins of sensor \(stream.sensor) that gateway \(stream.node) had to drop (store full or too old) before delivering them: each Observation covers a range in which nothing else will arrive, and its result is how many bins were dropped"
            case .fastAToB, .fastBToA:
                "Fast movers (cyclists, scooters: faster than a walker at the line) counted by sensor \(stream.sensor) of gateway \(stream.node), going \(label) (\(stream.series.rawValue)), per bin; never part of the pedestrian counts"
            case .aToB, .bToA:
                "Pedestrians counted by sensor \(stream.sensor) of gateway \(stream.node), walking \(label) (\(stream.series.rawValue)), per bin"
            }
        var members: [(String, String)] = [
            ("name", JSONText.string("\(stream.sensor) \(label)")),
            ("description", JSONText.string(description)),
            (
                "observationType",
                JSONText.string("http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CountObservation")
            ),
            (
                "unitOfMeasurement",
                JSONText.object([
                    ("name", JSONText.string("count")), ("symbol", JSONText.string("{count}")),
                    ("definition", JSONText.string("http://unitsofmeasure.org/ucum.html#para-curly")),
                ])
            ),
            (
                "properties",
                JSONText.object([
                    ("passant_key", JSONText.string(stream.description)),
                    ("node", JSONText.string(stream.node)),
                    ("sensor", JSONText.string(stream.sensor)),
                    ("series", JSONText.string(stream.series.rawValue)),
                    ("label", JSONText.string(label)),
                ])
            ),
            ("Sensor", sensor.reference),
            ("ObservedProperty", observedProperty.reference),
        ]
        if let thing { members.append(("Thing", thing.reference)) }
        return JSONText.object(members)
    }

    static func sensorKey(node: String, sensor: String) -> String { "\(node)/\(sensor)" }

    func sensorBody(node: String, sensor: String) -> [UInt8] {
        Array(
            JSONText.object([
                ("name", JSONText.string(sensor)),
                ("description", JSONText.string("passant pedestrian counter \(sensor) on gateway \(node)")),
                // The only encodings django-ogc-sensorthings takes are PDF, SensorML and HTML.
                ("encodingType", JSONText.string("text/html")),
                ("metadata", JSONText.string("passant counter: \(Self.kind(protocols[sensor]))")),
                (
                    "properties",
                    JSONText.object([
                        ("passant_key", JSONText.string(Self.sensorKey(node: node, sensor: sensor))),
                        ("node", JSONText.string(node)), ("sensor", JSONText.string(sensor)),
                    ])
                ),
            ]).utf8)
    }

    /// What a counter is, in the words of its Sensor entity.
    static func kind(_ protocol: SensorProtocol?) -> String {
        switch `protocol` {
        case .pcnt, nil: "two infrared beams (PCNT protocol)"
        case .tof2: "two time-of-flight rangefinders on a counter node (PCNT protocol)"
        case .tfminiPair: "two Benewake TFmini-family rangefinders"
        case .ld06: "an LDROBOT LD06/LD19 2D LiDAR counting at a line"
        }
    }

    /// The ObservedProperty of a series: pedestrians counted (both directions share it), fast movers
    /// counted, or bins dropped. Its key (`properties/passant_key`) and body.
    static func observedProperty(_ series: Series) -> (key: String, body: [UInt8]) {
        let (key, name, description) =
            switch series {
            case .dropped:
                (
                    "dropped-bins", "dropped bins",
                    "Number of count bins the gateway dropped before delivering them"
                )
            case .fastAToB, .fastBToA:
                (
                    "fast-mover-count", "fast mover count",
                    "Number of fast movers (cyclists, scooters) crossing the counting line in one direction"
                )
            case .aToB, .bToA:
                (
                    "pedestrian-count", "pedestrian count",
                    "Number of pedestrians crossing the counting line in one direction"
                )
            }
        let body = JSONText.object([
            ("name", JSONText.string(name)),
            ("definition", JSONText.string("urn:passant:observed-property:\(key)")),
            ("description", JSONText.string(description)),
            ("properties", JSONText.object([("passant_key", JSONText.string(key))])),
        ])
        return (key, Array(body.utf8))
    }
}

/// Reading ids back from a collection reply.
enum Replies {
    /// The entities of `{"value": [...]}`.
    static func entities(_ reply: Any?) -> [[String: Any]]? {
        (reply as? [String: Any])?["value"] as? [[String: Any]]
    }

    /// The lowest id of the entities (several exist only after a race between two gateways;
    /// everyone then picks the same one).
    static func firstID(_ entities: [[String: Any]]) -> EntityID? {
        entities.compactMap { EntityID($0["@iot.id"]) }.min()
    }

    static func passantKey(_ entity: [String: Any]) -> String? {
        (entity["properties"] as? [String: Any])?["passant_key"] as? String
    }

    /// The Datastreams of an expanded Thing by their key (`node/sensor/series`).
    static func datastreams(_ thing: [String: Any]) -> [StreamKey: EntityID] {
        var result: [StreamKey: EntityID] = [:]
        for entity in thing["Datastreams"] as? [[String: Any]] ?? [] {
            guard let key = passantKey(entity), let id = EntityID(entity["@iot.id"]) else { continue }
            let parts = key.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 3, let series = Series(rawValue: String(parts[2])) else { continue }
            let stream = StreamKey(node: String(parts[0]), sensor: String(parts[1]), series: series)
            if let existing = result[stream], existing < id { continue }
            result[stream] = id
        }
        return result
    }

    /// An Observation read back: its id, result and `parameters`.
    static func observation(_ entity: [String: Any]) -> StoredObservation? {
        guard let id = EntityID(entity["@iot.id"]),
            let parameters = entity["parameters"] as? [String: Any],
            let key = parameters["passant_key"] as? String
        else { return nil }
        return StoredObservation(
            id: id, key: key, result: (entity["result"] as? NSNumber)?.doubleValue,
            coverage: (parameters["coverage"] as? NSNumber)?.doubleValue,
            flags: parameters["flags"] as? [String])
    }
}
