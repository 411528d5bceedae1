import Yams

/// One upstream receiver of closed bins, from the `uplinks:` list.
public enum UplinkConfiguration: Sendable, Hashable {
    case mqtt(MQTTConfiguration)
    case sensorThings(SensorThingsConfiguration)

    /// The uplink's name: its delivery state in the store is kept under it, so renaming an uplink
    /// makes it deliver everything again.
    public var name: String {
        switch self {
        case .mqtt(let mqtt): mqtt.name
        case .sensorThings(let sensorThings): sensorThings.name
        }
    }

    /// The secrets this uplink needs, by their key, for checks before they are used.
    public var secrets: [(key: String, secret: Secret)] {
        switch self {
        case .mqtt(let mqtt):
            return mqtt.password.map { [("password", $0)] } ?? []
        case .sensorThings(let sensorThings):
            switch sensorThings.auth {
            case .bearer(let token): return [("auth.bearer", token)]
            case .basic(_, let password): return [("auth.password", password)]
            case nil: return []
            }
        }
    }
}

/// A secret (password, token) given literally, read from a file, or taken from an environment
/// variable. Its description never shows the value, so it cannot end up in a log.
public enum Secret: Sendable, Hashable, CustomStringConvertible {
    case literal(String)
    /// A file holding the secret; one trailing newline is ignored.
    case file(String)
    /// An environment variable holding the secret.
    case environment(String)

    public var description: String {
        switch self {
        case .literal: "<secret>"
        case .file(let path): "<secret from file \(path)>"
        case .environment(let name): "<secret from $\(name)>"
        }
    }

    /// The value, or a message saying where it could not be found and what to do.
    public func resolve(environment: [String: String]) -> Result<String, SecretError> {
        switch self {
        case .literal(let value):
            return .success(value)
        case .file(let path):
            guard var text = readFile(path) else {
                return .failure(
                    SecretError(
                        message:
                            "cannot read the secret file \(path); check it exists and passantd may read it"))
            }
            if text.hasSuffix("\n") { text.removeLast() }
            if text.hasSuffix("\r") { text.removeLast() }
            return .success(text)
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                return .failure(
                    SecretError(message: "the environment variable \(name) holding a secret is not set"))
            }
            return .success(value)
        }
    }
}

public struct SecretError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

extension Reader {
    /// `- type: mqtt|sensorthings` and that type's settings.
    mutating func uplink(_ node: Node, key: String) -> UplinkConfiguration? {
        guard case .mapping(let mapping) = node, let typeNode = mapping["type"] else {
            fail(node, key: "\(key).type", "is missing; say 'type: mqtt' or 'type: sensorthings'")
            return nil
        }
        switch typeNode.string {
        case "mqtt":
            return mqtt(node, key: key).map(UplinkConfiguration.mqtt)
        case "sensorthings":
            return sensorThings(node, key: key).map(UplinkConfiguration.sensorThings)
        default:
            fail(
                typeNode, key: "\(key).type",
                "'\(typeNode.string ?? "")' is not an uplink type; use mqtt or sensorthings")
            return nil
        }
    }

    /// A secret: a plain string, `{file: PATH}` or `{env: NAME}`.
    mutating func secret(_ node: Node, key: String) -> Secret? {
        if case .scalar = node {
            return scalar(node, key: key).map(Secret.literal)
        }
        let fields = mapping(node, key: key, allowed: ["file", "env"])
        if fields.count != 1 {
            fail(node, key: key, "give exactly one of file: PATH or env: NAME")
            return nil
        }
        if let file = fields["file"] { return path(file, key: "\(key).file").map(Secret.file) }
        if let name = fields["env"] { return scalar(name, key: "\(key).env").map(Secret.environment) }
        return nil
    }
}
