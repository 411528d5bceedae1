// The counter node's command handling, as its firmware does it: parameters in RAM and in flash, and
// the `R` answers to `Q`, `P`, `W`, `H` and `X` (PCNT.md, "Gateway → node commands").

import PCNT

/// A node's parameters and its answers to gateway commands.
public struct NodeFirmware: Sendable, Hashable {
    /// What the node does after answering.
    public enum Action: Sendable, Hashable {
        case none
        /// Send `HELLO` again (after `H`).
        case sendHello
        /// Reboot (after `X`): the node falls silent, then starts with `HELLO`, seq 0, tick 0.
        case reboot
    }

    public private(set) var parameters: [String: String]
    /// What `W` saved; a reboot restores it.
    public private(set) var saved: [String: String]
    /// Commands answered so far.
    public private(set) var answered = 0

    static let readOnly: Set<String> = ["fw", "kind"]

    public init(
        nodeID: String, firmware: String, kind: NodeKind, debounceMillis: Int64 = 20, rateHz: Int = 50
    ) {
        parameters = ["node_id": nodeID, "fw": firmware, "kind": kind.rawValue]
        // Each kind has its own: an IR2 node answers `unknown-key` for `rate_hz`, as in PCNT.md.
        switch kind {
        case .ir2:
            parameters["debounce_ms"] = String(debounceMillis)
            parameters["emit"] = "2"
        case .tof2:
            parameters["rate_hz"] = String(rateHz)
        }
        saved = parameters
    }

    public var rateHz: Int { parameters["rate_hz"].flatMap { Int($0) } ?? 50 }
    public var nodeID: String { parameters["node_id"] ?? "sim-1" }

    /// The node's answer to `command`, and what it does next.
    public mutating func answer(_ command: Command) -> (Response, Action) {
        answered += 1
        switch command {
        case .query(let request, let key):
            guard let value = parameters[key] else {
                return (Response(request: request, ok: false, key: key, value: "unknown-key"), .none)
            }
            return (Response(request: request, ok: true, key: key, value: value), .none)
        case .set(let request, let key, let value):
            guard parameters[key] != nil else {
                return (Response(request: request, ok: false, key: key, value: "unknown-key"), .none)
            }
            guard !Self.readOnly.contains(key) else {
                return (Response(request: request, ok: false, key: key, value: "read-only"), .none)
            }
            guard Self.isValid(key, value) else {
                return (Response(request: request, ok: false, key: key, value: "out-of-range"), .none)
            }
            parameters[key] = value
            return (Response(request: request, ok: true, key: key, value: value), .none)
        case .write(let request):
            saved = parameters
            return (Response(request: request, ok: true, key: "saved", value: "1"), .none)
        case .hello(let request):
            return (Response(request: request, ok: true, key: "hello", value: "1"), .sendHello)
        case .reboot(let request):
            return (Response(request: request, ok: true, key: "reboot", value: "1"), .reboot)
        }
    }

    /// A reboot forgets what was set and not saved.
    public mutating func rebooted() {
        parameters = saved
    }

    static func isValid(_ key: String, _ value: String) -> Bool {
        switch key {
        case "debounce_ms": return Int(value).map { (0...200).contains($0) } ?? false
        case "rate_hz": return Int(value).map { (1...250).contains($0) } ?? false
        case "emit": return Int(value).map { (0...3).contains($0) } ?? false
        case "node_id":
            return !value.isEmpty && value.utf8.count <= 32
                && value.utf8.allSatisfy {
                    ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == 0x2D
                }
        default: return true
        }
    }
}
