// One counter node's sentences, placed on a continuous millisecond timeline.
//
// A node's tick is a u32 that wraps every 49.7 days and restarts at 0 when the node boots; its seq is a
// u16 that wraps every 65536 sentences. Detection and binning need one time axis that never goes back,
// and an honest account of what was lost on the way. This is that bookkeeping, pure: sentences in,
// steps out, no clock.

import PCNT

/// Where one sentence sits on the node's timeline, and what happened since the previous one.
public struct TimelineStep: Sendable, Hashable {
    /// Milliseconds on the node's continuous timeline. Never less than the previous step's.
    public var time: Int64
    /// Sentences the node sent since the previous one that never arrived (from the seq gap).
    public var lostSentences: Int
    /// The node restarted since the previous sentence (see `NodeTimeline` for the rule).
    public var rebooted: Bool
    /// Milliseconds since the previous sentence on the timeline; 0 for the first one.
    public var silenceMillis: Int64
    /// The tick went back without a reboot. Time was held, not moved back.
    public var tickRegressed: Bool

    public init(
        time: Int64, lostSentences: Int, rebooted: Bool, silenceMillis: Int64, tickRegressed: Bool = false
    ) {
        self.time = time
        self.lostSentences = lostSentences
        self.rebooted = rebooted
        self.silenceMillis = silenceMillis
        self.tickRegressed = tickRegressed
    }

    /// The span before this step is an outage: the node was silent for longer than the protocol allows
    /// (`K` every 1 s of idleness; more than 3 s of silence means the link or node was down), or it
    /// rebooted (its time down is unknown, and its channels start afresh).
    public var followsOutage: Bool { rebooted || silenceMillis > NodeTimeline.linkDownMillis }
}

/// Per-node stream bookkeeping: unwraps the tick into continuous time, counts lost sentences and
/// detects reboots.
///
/// Rules, for each sentence after the first (`prev` is the previous sentence):
/// - **Time** advances by the tick difference modulo 2³², so a wrap 4294967295 → 0 continues upward.
/// - **Reboot** when either
///   - it is a `HELLO` with seq 0 and tick ≤ `bootWindowMillis`, and it is not simply the next
///     sentence of the running stream (seq = prev + 1 with the tick not going back) — so a `HELLO` sent
///     on `H` is never a reboot, even when its seq happens to have wrapped to 0; or
///   - without a `HELLO` (it was lost): the tick went back to ≤ `bootWindowMillis` and the seq went
///     back too (both restart at 0 on boot).
///
///   After a reboot, time continues from the previous sentence plus the new tick: the node booted after
///   the previous sentence, so at least that much time passed. Lost sentences are the new seq (those
///   sent since boot that did not arrive); what was sent before the reboot cannot be known.
/// - **Tick going back** without a reboot (and not a wrap: a wrap lands within `tickWrapWindowMillis`
///   after 2³²) is a node fault: time holds, the step is flagged and `tickRegressions` counts it. Later
///   ticks are measured from the new tick.
/// - **Lost sentences** are the seq gap minus one, modulo 2¹⁶ (65535 → 0 is not a gap). A repeated seq
///   loses nothing.
/// - The first sentence puts time at its tick, loses nothing and is not a reboot.
public struct NodeTimeline: Sendable {
    /// How soon after boot a node's tick must be for a sentence to count as "just booted".
    public static let bootWindowMillis: UInt32 = 60_000
    /// A tick that lands this close after 2³² is a wrap, not a fall back. It bounds the link outage that
    /// can be bridged across a wrap (which happens once in 49.7 days).
    public static let tickWrapWindowMillis: UInt32 = 3_600_000
    /// Silence longer than this means the link or the node was down (PCNT: `K` after 1 s idle).
    public static let linkDownMillis: Int64 = 3_000

    private var previous: (seq: UInt16, tick: UInt32)?

    /// Time of the latest sentence, or `nil` before the first.
    public private(set) var time: Int64?
    /// Sentences lost so far, over all steps.
    public private(set) var lostSentencesTotal = 0
    /// Reboots detected so far.
    public private(set) var reboots = 0
    /// Ticks that went back without a reboot.
    public private(set) var tickRegressions = 0

    public init() {}

    /// Places `sentence` on the timeline.
    public mutating func observe(_ sentence: NodeSentence) -> TimelineStep {
        defer { previous = (sentence.seq, sentence.tick) }
        guard let prev = previous, let last = time else {
            time = Int64(sentence.tick)
            return TimelineStep(
                time: Int64(sentence.tick), lostSentences: 0, rebooted: false, silenceMillis: 0)
        }

        let seqStep = sentence.seq &- prev.seq
        let tickStep = sentence.tick &- prev.tick
        let tickWentBack = sentence.tick < prev.tick && tickStep > Self.tickWrapWindowMillis
        let justBooted = sentence.tick <= Self.bootWindowMillis
        var isHello = false
        if case .hello = sentence.message { isHello = true }

        let continuesStream = seqStep == 1 && !tickWentBack
        let rebootWithHello = isHello && sentence.seq == 0 && justBooted && !continuesStream
        let rebootWithoutHello = tickWentBack && justBooted && sentence.seq < prev.seq
        let rebooted = rebootWithHello || rebootWithoutHello

        let lost: Int
        let silence: Int64
        var regressed = false
        if rebooted {
            lost = Int(sentence.seq)
            silence = Int64(sentence.tick)
            reboots += 1
        } else {
            lost = seqStep == 0 ? 0 : Int(seqStep) - 1
            if tickWentBack {
                silence = 0
                regressed = true
                tickRegressions += 1
            } else {
                silence = Int64(tickStep)
            }
        }
        lostSentencesTotal += lost
        let now = last + silence
        time = now
        return TimelineStep(
            time: now, lostSentences: lost, rebooted: rebooted, silenceMillis: silence,
            tickRegressed: regressed)
    }
}
