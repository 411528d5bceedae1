import Yams

/// An MQTT broker receiving bins (`type: mqtt`). Filled in by the MQTT uplink.
public struct MQTTConfiguration: Sendable, Hashable {
    public var name: String
}

extension Reader {
    mutating func mqtt(_ node: Node, key: String) -> MQTTConfiguration? {
        let fields = mapping(node, key: key, allowed: ["type", "name"])
        let name = fields["name"].flatMap { identifier($0, key: "\(key).name", parent: node, required: false) } ?? "mqtt"
        return MQTTConfiguration(name: name)
    }
}
