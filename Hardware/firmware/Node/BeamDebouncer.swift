// Debouncing one beam on the node: a beam's reported state changes only after the raw input has held the
// new state for `debounce_ms`. Shorter pulses and gaps are never reported.

/// Debounces one beam from its raw level changes, each stamped with the millisecond it was sampled.
///
/// A confirmed edge is stamped with the tick it was confirmed on (raw change + debounce): that is when
/// the node knows of it, every edge is late by the same `debounce_ms`, so durations and order are exact
/// and ticks never run backwards in the stream. Ticks wrap at 2³²; differences are taken modulo 2³².
struct BeamDebouncer {
    /// The reported (debounced) state: `true` = interrupted.
    private(set) var stable = false
    /// When the reported state last changed (tick of the edge).
    private(set) var stableSince: UInt32 = 0
    private var raw = false
    private var pending = false
    private var pendingSince: UInt32 = 0

    /// The pending change, if it has held until `time` (every raw change before `time` fed already).
    /// Returns the edge's tick; the new state is `stable`.
    mutating func confirm(upTo time: UInt32, debounce: UInt32) -> UInt32? {
        guard pending, time &- pendingSince >= debounce else { return nil }
        pending = false
        stable = raw
        stableSince = pendingSince &+ debounce
        return stableSince
    }

    /// The raw level changed at `time`. With no debounce the change is an edge at once (returned).
    mutating func feed(time: UInt32, interrupted: Bool, debounce: UInt32) -> UInt32? {
        raw = interrupted
        if raw == stable {
            pending = false
            return nil
        }
        pending = true
        pendingSince = time
        return debounce == 0 ? confirm(upTo: time, debounce: 0) : nil
    }
}
