import Yams

/// An OGC SensorThings API server receiving bins (`type: sensorthings`). Filled in by that uplink.
public struct SensorThingsConfiguration: Sendable, Hashable {
    public var name: String
}

extension Reader {
    mutating func sensorThings(_ node: Node, key: String) -> SensorThingsConfiguration? {
        let fields = mapping(node, key: key, allowed: ["type", "name"])
        let name =
            fields["name"].flatMap { identifier($0, key: "\(key).name", parent: node, required: false) } ?? "sensorthings"
        return SensorThingsConfiguration(name: name)
    }
}
