import PCNT
import TFmini

/// What the daemon reports about each rangefinder of a pair. Counters and settings only.
public struct RangefinderPairHealth: Sendable, Hashable {
    public struct Side: Sendable, Hashable {
        public var link: SensorHealth.Link = .waiting
        public var frames = 0
        public var rejects = TFminiRejects()
        /// The firmware version, once the sensor answered the version command.
        public var version: TFminiVersion?
        /// The baseline in use, nil while it is learned.
        public var baseline: RangeBaseline?
        public var learning = true
        public var noReturn = 0
        public var saturated = 0
        /// Times the port was reopened.
        public var reconnects = 0
        public init() {}
    }

    public var a = Side()
    public var b = Side()

    public init() {}

    public subscript(_ channel: Channel) -> Side {
        get { channel == .a ? a : b }
        set {
            if channel == .a { a = newValue } else { b = newValue }
        }
    }
}
