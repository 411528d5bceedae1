// The PCNT v1 vocabulary: what a counter node says (`NodeSentence`) and what a gateway asks
// (`Command`). This module compiles for the gateway and, in Embedded Swift, for the node firmware:
// no Foundation, no existentials, typed throws only.

/// The kind of counter node, from its `HELLO`.
public enum NodeKind: String, Sendable, Hashable {
    /// Two infrared break-beams; the node sends `B` edges.
    case ir2 = "IR2"
    /// Two single-point rangefinders; the node sends `D` sample pairs.
    case tof2 = "TOF2"
}

/// One of the two channels of a counter node. A person walking A→B interrupts A first.
public enum Channel: String, Sendable, Hashable {
    case a = "A"
    case b = "B"
}

/// A node's identity, sent at boot and on request.
public struct Hello: Sendable, Hashable {
    public var protocolVersion: Int
    public var nodeID: String
    public var firmware: String
    public var kind: NodeKind

    public init(protocolVersion: Int = 1, nodeID: String, firmware: String, kind: NodeKind) {
        self.protocolVersion = protocolVersion
        self.nodeID = nodeID
        self.firmware = firmware
        self.kind = kind
    }
}

/// The node's periodic health report (`S`, every 10 s).
public struct NodeStatus: Sendable, Hashable {
    public struct Flags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let beamAStuck = Flags(rawValue: 0x01)
        public static let beamBStuck = Flags(rawValue: 0x02)
        public static let lowSupply = Flags(rawValue: 0x04)
        public static let watchdogReset = Flags(rawValue: 0x08)
        public static let emitterFault = Flags(rawValue: 0x10)
    }

    public var uptimeSeconds: UInt32
    /// Temperature in tenths of a degree Celsius.
    public var temperatureDeciCelsius: Int32
    public var supplyMillivolts: UInt32
    public var flags: Flags

    public init(uptimeSeconds: UInt32, temperatureDeciCelsius: Int32, supplyMillivolts: UInt32, flags: Flags) {
        self.uptimeSeconds = uptimeSeconds
        self.temperatureDeciCelsius = temperatureDeciCelsius
        self.supplyMillivolts = supplyMillivolts
        self.flags = flags
    }
}

/// A command's answer (`R`).
public struct Response: Sendable, Hashable {
    public var request: UInt16
    public var ok: Bool
    public var key: String
    /// The parameter's value when `ok`, the reason otherwise (`unknown-key`, `out-of-range`, …).
    public var value: String

    public init(request: UInt16, ok: Bool, key: String, value: String) {
        self.request = request
        self.ok = ok
        self.key = key
        self.value = value
    }
}

/// What a node sentence says, after `TYPE,seq,t`.
public enum NodeMessage: Sendable, Hashable {
    case hello(Hello)
    /// An IR2 beam edge, debounced on the node: `interrupted` is `true` when the beam broke.
    case beam(Channel, interrupted: Bool)
    /// A TOF2 sample pair: distances in mm (0 = no return) and signal strengths.
    case distances(aMillimetres: UInt32, aStrength: UInt16, bMillimetres: UInt32, bStrength: UInt16)
    case status(NodeStatus)
    case keepalive
    case response(Response)
}

/// One sentence from a counter node: its sequence number, its millisecond tick and what it says.
public struct NodeSentence: Sendable, Hashable {
    /// +1 per sentence, wrapping 65535 → 0. A gap means lost sentences.
    public var seq: UInt16
    /// The node's millisecond tick, wrapping at 2³²; 0 at boot.
    public var tick: UInt32
    public var message: NodeMessage

    public init(seq: UInt16, tick: UInt32, message: NodeMessage) {
        self.seq = seq
        self.tick = tick
        self.message = message
    }
}

/// A gateway → node command. `request` comes back in the node's `R` response.
public enum Command: Sendable, Hashable {
    /// Read a parameter.
    case query(request: UInt16, key: String)
    /// Set a parameter in RAM.
    case set(request: UInt16, key: String, value: String)
    /// Persist the parameters to flash.
    case write(request: UInt16)
    /// Re-send `HELLO`.
    case hello(request: UInt16)
    /// Reboot the node.
    case reboot(request: UInt16)

    public var request: UInt16 {
        switch self {
        case .query(let request, _), .set(let request, _, _), .write(let request), .hello(let request),
            .reboot(let request):
            return request
        }
    }
}

/// Limits of the wire format.
public enum PCNTLimits {
    /// A whole sentence, `$` to `\n` inclusive, is at most this many bytes.
    public static let maxSentenceBytes = 120
    /// Protocol version carried in `HELLO`.
    public static let protocolVersion = 1
}
