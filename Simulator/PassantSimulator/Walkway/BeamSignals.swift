// What the two beams' receivers really see, sampled every millisecond like a node's firmware does: the
// union of every body over each beam, plus any beam stuck by a fault. Produced as a stream of state
// changes in time order, pulling people from the generator only as far as needed.

import PCNT

/// A raw (not yet debounced) change of one beam's state, at a node sample time in milliseconds.
public struct BeamTransition: Sendable, Hashable {
    /// Simulation time, ms.
    public var time: Int64
    public var channel: Channel
    public var interrupted: Bool

    public init(time: Int64, channel: Channel, interrupted: Bool) {
        self.time = time
        self.channel = channel
        self.interrupted = interrupted
    }
}

/// A beam blocked by a fault (a bag, dirt on the lens, a misaligned emitter) for a while.
public struct StuckBeam: Sendable, Hashable {
    public var channel: Channel
    /// Simulation time the beam gets stuck, ms.
    public var start: Int64
    /// How long it stays stuck interrupted, ms.
    public var duration: Int64

    public init(channel: Channel, start: Int64, duration: Int64) {
        self.channel = channel
        self.start = start
        self.duration = duration
    }
}

/// The true, sampled state of both beams over time.
///
/// A beam counts as interrupted at sample time `k` ms when some body covers it at exactly that time.
/// People come from `generator` in order of arrival, and nobody reaches a beam before arriving, so
/// every change before the arrival of the next person not yet generated is final.
public struct BeamSignals: Sendable {
    /// Distance between beam A (at 0) and beam B (m).
    public let spacing: Double
    private var generator: PedestrianGenerator
    private var events: [[Event]] = [[], []]  // per channel, sorted by time
    private var counts: [Int] = [0, 0]
    private var states: [Bool] = [false, false]
    private var generated: [Pedestrian] = []
    /// Everything before this time (ms) has been handed out.
    public private(set) var horizon: Int64 = 0

    private struct Event: Sendable {
        var time: Int64
        var delta: Int
    }

    /// The beams of a walkway `spacing` metres apart, with people from `generator` and optional stuck
    /// periods.
    public init(generator: PedestrianGenerator, spacing: Double, stuck: [StuckBeam] = []) {
        self.generator = generator
        self.spacing = spacing
        for fault in stuck where fault.duration > 0 {
            insert(Event(time: fault.start, delta: 1), channel: fault.channel)
            insert(Event(time: fault.start + fault.duration, delta: -1), channel: fault.channel)
        }
    }

    /// All raw changes before `time` (ms) not yet returned, in time order, A before B at equal times.
    public mutating func advance(to time: Int64) -> [BeamTransition] {
        guard time > horizon else { return [] }
        while generator.nextArrival * 1000 < Double(time), let person = generator.next() {
            add(person)
        }
        var out: [BeamTransition] = []
        for (index, channel) in [Channel.a, Channel.b].enumerated() {
            var consumed = 0
            let list = events[index]
            while consumed < list.count && list[consumed].time < time {
                let now = list[consumed].time
                while consumed < list.count && list[consumed].time == now {
                    counts[index] += list[consumed].delta
                    consumed += 1
                }
                let interrupted = counts[index] > 0
                if interrupted != states[index] {
                    states[index] = interrupted
                    out.append(BeamTransition(time: now, channel: channel, interrupted: interrupted))
                }
            }
            events[index].removeFirst(consumed)
        }
        horizon = time
        if out.count > 1 {
            out.sort { ($0.time, $0.channel == .a ? 0 : 1) < ($1.time, $1.channel == .a ? 0 : 1) }
        }
        return out
    }

    /// The people generated so far and not yet taken, in arrival order. Ground truth reads them here.
    public mutating func takePedestrians() -> [Pedestrian] {
        defer { generated.removeAll(keepingCapacity: true) }
        return generated
    }

    /// Whether a beam is interrupted as of the horizon.
    public func isInterrupted(_ channel: Channel) -> Bool {
        states[channel == .a ? 0 : 1]
    }

    private mutating func add(_ person: Pedestrian) {
        generated.append(person)
        for (index, position) in [0.0, spacing].enumerated() {
            for interval in person.occupancy(ofBeamAt: position) {
                // Samples strictly inside the open interval: first k with k/1000 > start, up to end.
                let first = Int64((interval.start * 1000).rounded(.down)) + 1
                let end = Int64((interval.end * 1000).rounded(.up))
                guard first < end else { continue }
                insert(Event(time: first, delta: 1), channel: index == 0 ? .a : .b)
                insert(Event(time: end, delta: -1), channel: index == 0 ? .a : .b)
            }
        }
    }

    private mutating func insert(_ event: Event, channel: Channel) {
        let index = channel == .a ? 0 : 1
        // Few events are pending at any time: a binary search and an insert are plenty.
        var low = 0
        var high = events[index].count
        while low < high {
            let mid = (low + high) / 2
            if events[index][mid].time <= event.time { low = mid + 1 } else { high = mid }
        }
        events[index].insert(event, at: low)
    }
}
