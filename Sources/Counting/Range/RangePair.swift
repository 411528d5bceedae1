// The two channels of a rangefinder pair, from samples to edges: each with its baseline (configured,
// or learned at start), each with its presence state.

import PCNT

/// Two rangefinders looking across the walkway, `spacing` apart along it, turned into channel edges.
///
/// A channel without a configured baseline learns one from its first ``Configuration/learnMillis`` of
/// samples (see `BaselineLearner`) and sees nobody meanwhile: the counter reports it degraded. A
/// calibrated baseline (`passant calibrate baseline`) avoids that, and a busy scene at start.
public struct RangePair: Sendable {
    public struct Configuration: Sendable, Hashable {
        public var presence: RangePresence.Configuration
        /// The empty scene of channels A and B; nil to learn it at start.
        public var baselineA: RangeBaseline?
        public var baselineB: RangeBaseline?
        /// How long a channel without a baseline learns before it counts. Default 30 000.
        public var learnMillis: Int64

        public init(
            presence: RangePresence.Configuration = .init(), baselineA: RangeBaseline? = nil,
            baselineB: RangeBaseline? = nil, learnMillis: Int64 = 30_000
        ) {
            self.presence = presence
            self.baselineA = baselineA
            self.baselineB = baselineB
            self.learnMillis = learnMillis
        }
    }

    /// Per channel: the presence state once a baseline is known, the learner until then.
    struct Side: Sendable {
        var presence: RangePresence?
        var learner: BaselineLearner?
        var learningSince: Int64?
    }

    public let configuration: Configuration
    private var a: Side
    private var b: Side

    public init(configuration: Configuration) {
        self.configuration = configuration
        a = Self.side(configuration.baselineA, .a, configuration)
        b = Self.side(configuration.baselineB, .b, configuration)
    }

    private static func side(_ baseline: RangeBaseline?, _ channel: Channel, _ configuration: Configuration)
        -> Side
    {
        guard let baseline else { return Side(learner: BaselineLearner()) }
        return Side(
            presence: RangePresence(
                channel: channel, baseline: baseline, configuration: configuration.presence))
    }

    /// Takes one sample of `channel` at `time`; returns the edge it confirms, if any.
    public mutating func observe(_ reading: RangeReading, on channel: Channel, at time: Int64) -> ChannelEdge?
    {
        channel == .a
            ? Self.observe(reading, at: time, &a, channel, configuration)
            : Self.observe(reading, at: time, &b, channel, configuration)
    }

    private static func observe(
        _ reading: RangeReading, at time: Int64, _ side: inout Side, _ channel: Channel,
        _ configuration: Configuration
    ) -> ChannelEdge? {
        if side.presence != nil { return side.presence!.observe(reading, at: time) }
        side.learner!.observe(reading)
        let start = side.learningSince ?? time
        side.learningSince = start
        guard time - start >= configuration.learnMillis else { return nil }
        if let baseline = side.learner!.baseline {
            side.presence = RangePresence(
                channel: channel, baseline: baseline, configuration: configuration.presence)
            side.learner = nil
        } else {
            // Nothing readable enough: learn afresh.
            side.learner = BaselineLearner()
            side.learningSince = time
        }
        return nil
    }

    /// The link was lost: presences in progress are forgotten (baselines are kept).
    public mutating func reset() {
        a.presence?.reset()
        b.presence?.reset()
    }

    /// A channel is still learning its baseline, or cannot see: what it misses cannot be known.
    public var isDegraded: Bool {
        [a, b].contains { $0.presence?.isBlind ?? true }
    }

    /// Whether a channel is still learning its baseline.
    public func isLearning(_ channel: Channel) -> Bool {
        (channel == .a ? a : b).presence == nil
    }

    /// The baseline in use on `channel`, nil while it is learned.
    public func baseline(_ channel: Channel) -> RangeBaseline? {
        (channel == .a ? a : b).presence?.baseline
    }

    /// The channel's running totals, nil while it learns.
    public func statistics(_ channel: Channel) -> RangePresence.Statistics? {
        (channel == .a ? a : b).presence?.statistics
    }
}
