import CountBins
import Yams

/// A problem in the configuration file, with where it is and what to do.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable, Hashable {
    public var file: String
    /// 1-based line, when known.
    public var line: Int?
    /// The key path, e.g. `sensors[0].baud`.
    public var key: String
    public var message: String

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        return key.isEmpty ? "\(place): \(message)" : "\(place): \(key): \(message)"
    }
}

extension Configuration {
    /// Parses and validates a configuration. Every problem found is reported, not just the first.
    ///
    /// - Parameters:
    ///   - text: the YAML text.
    ///   - file: the file's name, for messages.
    ///   - defaultNode: the gateway id used when `node` is not set (the host name).
    public static func parse(_ text: String, file: String, defaultNode: String) throws(ConfigurationErrors)
        -> Configuration
    {
        var reader = Reader(file: file)
        let root: Node
        do {
            // Every value is read as text and checked here (`integer`, `path`…), so YAML's implicit
            // tags are never used: the basic resolver skips Yams' default one, whose regular
            // expressions are ICU's and would bring its tables into passantd's memory (~3 MB, for good).
            guard let node = try Yams.compose(yaml: text, .basic) else {
                throw ConfigurationErrors([
                    ConfigurationError(
                        file: file, line: nil, key: "",
                        message: "the file is empty; start from passant.example.yaml")
                ])
            }
            root = node
        } catch let error as ConfigurationErrors {
            throw error
        } catch let error as YamlError {
            throw ConfigurationErrors([reader.yamlError(error)])
        } catch {
            throw ConfigurationErrors([
                ConfigurationError(file: file, line: nil, key: "", message: "\(error)")
            ])
        }

        let top = reader.mapping(
            root, key: "",
            allowed: ["site", "node", "bin_seconds", "grace_seconds", "store", "sensors", "uplinks", "control_socket", "privacy"])
        let site = reader.identifier(top["site"], key: "site", parent: root, required: true) ?? ""
        let node = reader.identifier(top["node"], key: "node", parent: root, required: false) ?? defaultNode
        var binLength = BinLength.fifteenMinutes
        if let value = top["bin_seconds"], let seconds = reader.integer(value, key: "bin_seconds") {
            if let length = BinLength(rawValue: seconds) {
                binLength = length
            } else {
                reader.fail(value, key: "bin_seconds", "must be 60, 300, 900 or 3600, not \(seconds)")
            }
        }
        let grace =
            top["grace_seconds"].flatMap { reader.integer($0, key: "grace_seconds", in: 0...600) } ?? 10

        var store = StoreConfiguration()
        if let storeNode = top["store"] {
            let fields = reader.mapping(storeNode, key: "store", allowed: ["path", "max_mb", "max_age_days"])
            if let path = fields["path"] { store.path = reader.path(path, key: "store.path") ?? store.path }
            if let value = fields["max_mb"] {
                store.maxMegabytes =
                    reader.integer(value, key: "store.max_mb", in: StoreConfiguration.maxMegabytesRange)
                    ?? store.maxMegabytes
            }
            if let value = fields["max_age_days"] {
                store.maxAgeDays =
                    reader.integer(value, key: "store.max_age_days", in: StoreConfiguration.maxAgeDaysRange)
                    ?? store.maxAgeDays
            }
        }

        var sensors: [SensorConfiguration] = []
        if let list = top["sensors"] {
            if case .sequence(let sequence) = list {
                for (index, item) in sequence.enumerated() {
                    if let sensor = reader.sensor(item, key: "sensors[\(index)]") { sensors.append(sensor) }
                }
                if sequence.isEmpty { reader.fail(list, key: "sensors", "lists no sensor; add at least one") }
            } else {
                reader.fail(
                    list, key: "sensors", "must be a list of sensors (each item starting with '- name:')")
            }
        } else {
            reader.fail(root, key: "sensors", "is missing; list the sensors attached to this gateway")
        }
        var uplinks: [UplinkConfiguration] = []
        if let list = top["uplinks"] {
            if case .sequence(let sequence) = list {
                for (index, item) in sequence.enumerated() {
                    if let uplink = reader.uplink(item, key: "uplinks[\(index)]") { uplinks.append(uplink) }
                }
            } else {
                reader.fail(
                    list, key: "uplinks", "must be a list of uplinks (each item starting with '- type:')")
            }
        }
        var seenUplinks: Set<String> = []
        for (index, uplink) in uplinks.enumerated() where !seenUplinks.insert(uplink.name).inserted {
            reader.errors.append(
                ConfigurationError(
                    file: file, line: nil, key: "uplinks[\(index)].name",
                    message: "'\(uplink.name)' names two uplinks; give each its own name"))
        }
        var portUsers: [String: String] = [:]
        for (index, sensor) in sensors.enumerated() {
            for port in sensor.ports {
                if let other = portUsers[port] {
                    reader.errors.append(
                        ConfigurationError(
                            file: file, line: nil, key: "sensors[\(index)]",
                            message:
                                "port \(port) is already read by sensor '\(other)'; a port has one reader"))
                }
                portUsers[port] = portUsers[port] ?? sensor.name
            }
        }
        var seen: [String: Int] = [:]
        for (index, sensor) in sensors.enumerated() {
            if let first = seen[sensor.name] {
                reader.errors.append(
                    ConfigurationError(
                        file: file, line: nil, key: "sensors[\(index)].name",
                        message:
                            "'\(sensor.name)' is already the name of sensors[\(first)]; names must be unique")
                )
            }
            seen[sensor.name] = seen[sensor.name] ?? index
        }

        var controlSocket: String? = Configuration.defaultControlSocket
        if let value = top["control_socket"] {
            if reader.scalar(value, key: "control_socket") == "none" {
                controlSocket = nil
            } else {
                controlSocket = reader.path(value, key: "control_socket") ?? controlSocket
            }
        }

        let privacy = top["privacy"].map { reader.privacy($0, key: "privacy") } ?? .off

        if !reader.errors.isEmpty { throw ConfigurationErrors(reader.sortedErrors) }
        return Configuration(
            site: site, node: node, binLength: binLength, graceSeconds: grace, store: store, sensors: sensors,
            uplinks: uplinks, controlSocket: controlSocket, privacy: privacy)
    }
}

/// All problems found in one configuration file.
public struct ConfigurationErrors: Error, CustomStringConvertible, Sendable {
    public var errors: [ConfigurationError]
    public init(_ errors: [ConfigurationError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// Walks the YAML tree, collecting every problem with its line. Sections in other files extend it.
struct Reader {
    let file: String
    var errors: [ConfigurationError] = []

    init(file: String) { self.file = file }

    mutating func fail(_ node: Node, key: String, _ message: String) {
        errors.append(ConfigurationError(file: file, line: node.mark?.line, key: key, message: message))
    }

    /// The problems in the order a technician reads the file: by line (file-wide ones first), then key,
    /// the order found breaking ties. Every parse of one text gives the same list.
    var sortedErrors: [ConfigurationError] {
        errors.enumerated().sorted { a, b in
            let (lineA, lineB) = (a.element.line ?? 0, b.element.line ?? 0)
            if lineA != lineB { return lineA < lineB }
            if a.element.key != b.element.key { return a.element.key < b.element.key }
            return a.offset < b.offset
        }.map(\.element)
    }

    mutating func yamlError(_ error: YamlError) -> ConfigurationError {
        switch error {
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams sorts the duplicated keys with an ordering that is not total once a key is not text
            // (`? [a, b]`, listed as "<uncovertable>"), starting from a Dictionary's order, which differs
            // from one parse to the next: its list and the line it gives vary. Name the text keys
            // sorted and once each; give the line only when the keys are text with distinct spellings
            // (then it is the first duplicate of the smallest key, the same every time; `1` and `"1"`
            // are distinct keys that Yams orders neither way).
            let notText = "<uncovertable>"
            let text = duplicates.filter { $0 != notText }
            var names = Set(text).sorted().map { "'\($0)'" }
            let complex = text.count < duplicates.count
            if complex { names.append("keys that are not text (`? …`)") }
            let placed = !complex && Set(text).count == text.count
            return ConfigurationError(
                file: file, line: placed ? context.mark.line : nil, key: "",
                message:
                    "not valid YAML: a mapping has the same key more than once: \(names.joined(separator: ", ")); set each key once"
            )
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return ConfigurationError(
                file: file, line: mark.line, key: "",
                message: "not valid YAML: \(problem) (column \(mark.column))")
        default:
            return ConfigurationError(file: file, line: nil, key: "", message: "not valid YAML: \(error)")
        }
    }

    /// The entries of a mapping by key; unknown keys are errors (they are usually typos).
    mutating func mapping(_ node: Node, key: String, allowed: [String]) -> [String: Node] {
        guard case .mapping(let mapping) = node else {
            fail(node, key: key, "must be a mapping of keys to values")
            return [:]
        }
        var result: [String: Node] = [:]
        for (name, value) in mapping {
            guard let text = name.string else {
                fail(name, key: key, "has a key that is not text")
                continue
            }
            let path = key.isEmpty ? text : "\(key).\(text)"
            if !allowed.contains(text) {
                fail(
                    name, key: path, "is not a known setting; known here: \(allowed.joined(separator: ", "))")
            } else if result[text] != nil {
                fail(name, key: path, "is set twice")
            } else {
                result[text] = value
            }
        }
        return result
    }

    mutating func scalar(_ node: Node, key: String) -> String? {
        guard case .scalar(let scalar) = node else {
            fail(node, key: key, "must be a single value")
            return nil
        }
        return scalar.string
    }

    mutating func integer(_ node: Node, key: String, in range: ClosedRange<Int>? = nil) -> Int? {
        guard let text = scalar(node, key: key) else { return nil }
        guard let value = Int(text) else {
            fail(node, key: key, "must be a whole number, not '\(text)'")
            return nil
        }
        if let range, !range.contains(value) {
            fail(node, key: key, "must be between \(range.lowerBound) and \(range.upperBound), not \(value)")
            return nil
        }
        return value
    }

    /// Site, node and sensor names end up in bin keys and topics: keep them to a safe alphabet.
    mutating func identifier(_ node: Node?, key: String, parent: Node, required: Bool) -> String? {
        guard let node else {
            if required { fail(parent, key: key, "is missing") }
            return nil
        }
        guard let text = scalar(node, key: key) else { return nil }
        let allowed = text.unicodeScalars.allSatisfy { scalar in
            (scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)))
                || scalar == "-" || scalar == "_" || scalar == "."
        }
        if text.isEmpty || text.count > 64 || !allowed {
            fail(node, key: key, "'\(text)' must be 1–64 characters of A–Z, a–z, 0–9, '-', '_' or '.'")
            return nil
        }
        return text
    }

    mutating func path(_ node: Node, key: String) -> String? {
        guard let text = scalar(node, key: key) else { return nil }
        if text.isEmpty {
            fail(node, key: key, "is empty")
            return nil
        }
        return text
    }

    mutating func label(_ node: Node?, key: String, default value: String) -> String {
        guard let node, let text = scalar(node, key: key) else { return value }
        if text.isEmpty || text.count > 64 {
            fail(node, key: key, "must be 1–64 characters")
            return value
        }
        return text
    }

    mutating func sensor(_ node: Node, key: String) -> SensorConfiguration? {
        let fields = mapping(
            node, key: key,
            allowed: [
                "name", "port", "protocol", "baud", "labels", "max_transit_ms", "stuck_after_s",
                "link_timeout_ms", "channels", "frame_rate_hz", "line", "region", "background", "absorb_after_s",
                "fast_mover_mps", "max_range_m",
            ] + RangefinderSettings.keys)
        let errorsBefore = errors.count
        let name = identifier(fields["name"], key: "\(key).name", parent: node, required: true)
        var proto = SensorProtocol.pcnt
        if let value = fields["protocol"], let text = scalar(value, key: "\(key).protocol") {
            if let known = SensorProtocol(rawValue: text) {
                proto = known
            } else {
                let known = SensorProtocol.allCases.map(\.rawValue).joined(separator: ", ")
                fail(value, key: "\(key).protocol", "'\(text)' is not supported; supported: \(known)")
            }
        }
        var port: String?
        if proto == .tfminiPair {
            if let value = fields["port"] {
                fail(
                    value, key: "\(key).port",
                    "a tfmini-pair reads two ports; give them as channels.a.port and channels.b.port")
            }
        } else if let value = fields["port"] {
            port = devicePort(value, key: "\(key).port")
        } else {
            fail(node, key: "\(key).port", "is missing; `passant ports` lists the serial ports")
        }
        let range = rangefinder(fields, node: node, key: key, protocol: proto)
        if proto == .tfminiPair { port = range.a?.port }
        var baud = proto == .ld06 ? 230_400 : 115_200
        if let value = fields["baud"], let number = integer(value, key: "\(key).baud") {
            let standard = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115_200, 230_400, 460_800, 921_600]
            if standard.contains(number) {
                baud = number
            } else {
                fail(
                    value, key: "\(key).baud",
                    "\(number) is not a standard rate; PCNT nodes and TFminis use 115200, the LD06 230400")
            }
        }
        let lidar = lidar(fields, node: node, key: key, isLidar: proto == .ld06)
        var labels = DirectionLabels()
        if let value = fields["labels"] {
            let entries = mapping(value, key: "\(key).labels", allowed: ["a_to_b", "b_to_a"])
            labels.aToB = label(entries["a_to_b"], key: "\(key).labels.a_to_b", default: labels.aToB)
            labels.bToA = label(entries["b_to_a"], key: "\(key).labels.b_to_a", default: labels.bToA)
            if labels.aToB == labels.bToA, let value = entries["b_to_a"] {
                fail(value, key: "\(key).labels", "both directions are called '\(labels.aToB)'")
            }
        }
        let transit = fields["max_transit_ms"].flatMap {
            integer($0, key: "\(key).max_transit_ms", in: 100...10_000)
        }
        let stuck = fields["stuck_after_s"].flatMap { integer($0, key: "\(key).stuck_after_s", in: 2...3600) }
        let timeout = fields["link_timeout_ms"].flatMap {
            integer($0, key: "\(key).link_timeout_ms", in: 1500...60_000)
        }
        guard errors.count == errorsBefore, let name, let port else { return nil }
        return SensorConfiguration(
            name: name, port: port, protocol: proto, baud: baud, labels: labels,
            maxTransitMillis: transit ?? 1500, stuckAfterSeconds: stuck ?? 30,
            // TFminis stream 100 frames a second and have no keepalive: a second of silence is an outage.
            linkTimeoutMillis: timeout ?? (proto == .tfminiPair ? 1500 : 3000), rangefinder: range.settings,
            channelA: range.a, channelB: range.b, lidar: lidar)
    }
}

extension Configuration {
    /// Reads and parses a configuration file.
    public static func load(path: String, defaultNode: String) throws(ConfigurationErrors) -> Configuration {
        guard let text = readFile(path) else {
            throw ConfigurationErrors([
                ConfigurationError(
                    file: path, line: nil, key: "",
                    message:
                        "cannot read the configuration file; check the path (or pass --config FILE) and its permissions"
                )
            ])
        }
        let configuration = try parse(text, file: path, defaultNode: defaultNode)
        if let problem = configuration.fileSafetyProblem(path: path) { throw ConfigurationErrors([problem]) }
        return configuration
    }
}
