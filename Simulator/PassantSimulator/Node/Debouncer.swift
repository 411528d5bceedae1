// The node firmware's debounce: a beam's reported state changes only after the raw input has held the new
// state for `debounce_ms`. Shorter pulses and gaps are never reported.

/// Debounces one beam. Feed it raw changes in time order; it returns the confirmed edges.
///
/// A confirmed edge is stamped with the time it was confirmed (raw change + debounce), which is when a
/// node learns of it and sends it: every reported edge is late by the same `debounce` milliseconds, so
/// durations and order are exact and ticks never run backwards in the stream.
public struct Debouncer: Sendable, Hashable {
    /// How long a new raw state must persist to be reported, ms.
    public let debounce: Int64
    /// The reported (debounced) state.
    public private(set) var stable = false
    /// The latest raw state.
    public private(set) var raw = false
    private var pendingSince: Int64?

    public init(debounce: Int64) {
        self.debounce = debounce
    }

    /// One raw change at `time` (later than any fed before). Returns an edge confirmed by it, if any:
    /// the previous change, had it held long enough, or this one when there is no debounce.
    public mutating func feed(time: Int64, interrupted: Bool) -> [(time: Int64, interrupted: Bool)] {
        var confirmed: [(time: Int64, interrupted: Bool)] = []
        if let edge = confirm(upTo: time) { confirmed.append(edge) }
        raw = interrupted
        if raw == stable {
            pendingSince = nil
        } else {
            pendingSince = time
            if debounce == 0, let edge = confirm(upTo: time) { confirmed.append(edge) }
        }
        return confirmed
    }

    /// The pending change, if it has held until `time` (all raw changes before `time` having been fed).
    public mutating func confirm(upTo time: Int64) -> (time: Int64, interrupted: Bool)? {
        guard let since = pendingSince, since + debounce <= time else { return nil }
        stable = raw
        pendingSince = nil
        return (since + debounce, stable)
    }

    /// The node booted at `time`: it reports clear until the raw state, read afresh, persists.
    public mutating func reboot(at time: Int64) {
        stable = false
        pendingSince = raw ? time : nil
    }
}
