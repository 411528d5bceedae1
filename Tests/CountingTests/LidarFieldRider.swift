// Riders on the field street (`FieldStreet`): cyclists and e-scooter riders, with a body model of their
// own. Not the simulator's single long ellipse: at hip height a bicycle is a string of separate things
// along its way (the rider's hips and pedalling thighs, the top tube, the handlebar with two hands on its
// grips, a front basket, a child seat or a top box behind the saddle) with gaps between them that the
// sensor sees through; an e-scooter is a standing rider's hips and, half a metre ahead, a thin stem and
// two hands on a handlebar.

import Counting
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Someone riding along the walkway (towards +y when `heading` is +1) at constant speed.
struct FieldRider: Sendable, CustomStringConvertible {
    enum Kind: Sendable { case bicycle, scooter }

    var kind: Kind
    var lane: Double
    var heading: Double
    /// m/s.
    var speed: Double
    var start: Double
    /// Chance that a sample hitting the rider's clothes returns nothing.
    var dark = 0.02
    /// A bicycle's top tube at the sensor's height (a man's frame); a step-through frame has none there.
    var frame = true
    /// A front basket ahead of the handlebar.
    var basket = false
    /// A child seat or a top box behind the saddle.
    var rearLoad = false
    /// Extra space between the parts along the way (a longer frame, a basket on a bracket), metres.
    var spread = 0.0
    /// Where the pedals (or the weaving) are at t = 0, radians.
    var phase = 0.0

    /// Riders enter and leave this far from the line, out of the region and its margin.
    static let from = 7.0

    /// Position of the hips along the walkway at `t` seconds, nil when not on it.
    func y(at t: Double) -> Double? {
        let elapsed = t - start
        guard elapsed >= 0 else { return nil }
        let y = heading * (speed * elapsed - Self.from)
        return abs(y) > Self.from + 0.01 ? nil : y
    }

    /// When the hips pass the line (y = 0), seconds.
    var lineTime: Double { start + Self.from / speed }

    var direction: Direction { heading > 0 ? .aToB : .bToA }

    /// What the sensor sees of the rider and the machine at `t`.
    func blobs(at t: Double, into blobs: inout [FieldBlob]) {
        guard let y = y(at: t) else { return }
        let h = heading
        switch kind {
        case .bicycle:
            // Riders weave a little, more when slow; pedalling (about one turn of the cranks per 2.3 m)
            // swings each thigh forward and back at hip height.
            let x = lane + 0.06 * sin(2 * .pi * t / 2.2 + phase) * min(1.5, 4.5 / speed)
            let pedal = 2 * .pi * (t - start) * speed / 2.3 + phase
            blobs.append(FieldBlob(x: x, y: y, across: 0.16, along: 0.12, dark: dark))
            for (side, shift) in [(-1.0, 0.0), (1.0, Double.pi)] {
                let reach = 0.16 + 0.08 * sin(pedal + shift)
                blobs.append(
                    FieldBlob(x: x + side * 0.1, y: y + h * reach, across: 0.065, along: 0.08, dark: dark))
            }
            if frame {
                blobs.append(
                    FieldBlob(x: x, y: y + h * (0.42 + spread / 2), across: 0.02, along: 0.12, dark: 0.1))
            }
            // Handlebar: a thin bar across, a hand on each grip, the stem in the middle.
            let bar = y + h * (0.62 + spread)
            blobs.append(FieldBlob(x: x, y: bar, across: 0.27, along: 0.015, dark: 0.1))
            blobs.append(FieldBlob(x: x - 0.27, y: bar, across: 0.045, along: 0.05, dark: dark))
            blobs.append(FieldBlob(x: x + 0.27, y: bar, across: 0.045, along: 0.05, dark: dark))
            if basket {
                blobs.append(FieldBlob(x: x, y: bar + h * (0.2 + spread), across: 0.17, along: 0.14))
            }
            if rearLoad {
                blobs.append(FieldBlob(x: x, y: y - h * (0.48 + spread), across: 0.16, along: 0.16))
            }
        case .scooter:
            // Standing still on the deck: hips with no stride, the stem and handlebar some 0.5 m ahead.
            let x = lane + 0.03 * sin(2 * .pi * t / 3 + phase)
            blobs.append(FieldBlob(x: x, y: y, across: 0.17, along: 0.12, dark: dark))
            let bar = y + h * (0.5 + spread)
            blobs.append(FieldBlob(x: x, y: bar, across: 0.025, along: 0.025, dark: 0.1))
            blobs.append(FieldBlob(x: x - 0.22, y: bar - h * 0.03, across: 0.045, along: 0.05, dark: dark))
            blobs.append(FieldBlob(x: x + 0.22, y: bar - h * 0.03, across: 0.045, along: 0.05, dark: dark))
        }
    }

    var description: String {
        var text = kind == .bicycle ? "bicycle" : "scooter"
        if kind == .bicycle {
            if !frame { text += ", step-through" }
            if basket { text += ", basket" }
            if rearLoad { text += ", child seat" }
        }
        func rounded(_ value: Double) -> Double { (value * 100).rounded() / 100 }
        if spread > 0 { text += ", spread \(rounded(spread))" }
        if dark > 0.1 { text += ", dark" }
        text += " \(heading > 0 ? "a→b" : "b→a") in lane \(rounded(lane)) at \(rounded(speed)) m/s"
        return text
    }
}

extension FieldRider {
    /// Riders arriving over `seconds` at `perHour` per direction, from a random stream of their own (the
    /// walkers of a seed stay the same with riders or without). Three in four ride a bicycle, with the
    /// street's mix of baskets and child seats; `overtaking` of them are timed to pass a walker going
    /// their way, 0.5–0.8 m beside their lane (where they walk before any step aside), within 1.5 m of
    /// the line. Riders ride their own line: walkers do not step aside for them, nor they for walkers.
    static func traffic(
        seconds: Double, perHour: Double, overtaking: Double, walkers: [FieldWalker],
        random: inout SeededGenerator
    ) -> [FieldRider] {
        var riders: [FieldRider] = []
        for heading in [1.0, -1.0] {
            let overtaken = walkers.filter {
                $0.heading == heading && $0.stop == nil && $0.turnAt == nil && $0.company != .pram
            }
            var t = 2.0
            while true {
                t += -log(1 - Double.random(in: 0..<1, using: &random)) * 3600 / perHour
                guard t < seconds else { break }
                var rider = random.rider(heading: heading, start: t)
                if Double.random(in: 0..<1, using: &random) < overtaking,
                    let walker = overtaken.randomElement(using: &random)
                {
                    // Side by side at `meet` (on the walker's way, before or just past the line).
                    let meet = Double.random(in: -1.5...0.5, using: &random)
                    let side: Double = Double.random(in: 0..<1, using: &random) < 0.5 ? -1 : 1
                    var lane = walker.lane + side * Double.random(in: 0.5...0.8, using: &random)
                    if lane < 0.6 || lane > 2.9 { lane = walker.lane - side * (lane - walker.lane).magnitude }
                    rider.lane = lane
                    let together = walker.start + (meet + FieldWalker.from) / walker.speed
                    rider.start = together - (meet + Self.from) / rider.speed
                }
                riders.append(rider)
            }
        }
        return riders
    }
}

extension SeededGenerator {
    /// A rider of the street's mix (three bicycles for one scooter) entering at `start`.
    mutating func rider(heading: Double, start: Double) -> FieldRider {
        let bicycle = Double.random(in: 0..<1, using: &self) < 0.75
        var rider = FieldRider(
            kind: bicycle ? .bicycle : .scooter, lane: Double.random(in: 0.6...2.9, using: &self),
            heading: heading,
            speed: bicycle
                ? Double.random(in: 3.5...7.5, using: &self) : Double.random(in: 4...6, using: &self),
            start: start, dark: Double.random(in: 0..<1, using: &self) < 0.25 ? 0.2 : 0.02,
            phase: Double.random(in: 0..<(2 * .pi), using: &self))
        if bicycle {
            rider.frame = Double.random(in: 0..<1, using: &self) < 0.6
            rider.basket = Double.random(in: 0..<1, using: &self) < 0.5
            rider.rearLoad = Double.random(in: 0..<1, using: &self) < 0.5
        }
        if Double.random(in: 0..<1, using: &self) < 0.3 {
            rider.spread = Double.random(in: 0.03...0.07, using: &self)
        }
        return rider
    }
}
