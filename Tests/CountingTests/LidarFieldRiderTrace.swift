// `PASSANT_RIDER_TRACE=<n> swift test --filter riderTrace`: the life of lone rider n of
// `LoneRider.all` (with `overtake-<n>`, of `Overtake.all`; with `walkers-<seed>-<second>`, the traffic of
// `moderateTrafficOnMoreSeeds` as the environment varies it (`FieldOptions`) from two seconds before
// `second` to two after; with `mixed-<seed>-<second>`, the same with 60 riders an hour, as the
// mixed-traffic test has; with `alone-<n>`, walker n of `LidarFieldTests.walkersAlone`) turn by turn: where the rider's hips
// are, the clusters the detector made (centre, returns, extent, part of), and its tracks (position,
// speed, hits, confirmed or tentative), to read how a rider came to be counted as a walker.

import LD06
import TestSupport
import Testing

@testable import Counting

#if canImport(Glibc)
    import Glibc
#endif

@Suite("LD06 field riders: trace")
struct LidarFieldRiderTrace {
    @Test(.enabled(if: getenv("PASSANT_RIDER_TRACE") != nil)) func riderTrace() {
        let name = String(cString: getenv("PASSANT_RIDER_TRACE")!)
        let parts = name.split(separator: "-")
        var walkers: [FieldWalker] = []
        var riders: [FieldRider] = []
        var street: FieldStreet
        let background: LidarBackground
        var window = (from: 0.0, to: 8.0)
        if parts.first == "mixed" || parts.first == "walkers", parts.count == 3, let seed = UInt64(parts[1]),
            let second = Double(parts[2])
        {
            // The mixed-traffic test's street (or its walkers alone), around `second`.
            var options = FieldOptions.fromEnvironment()
            if parts.first == "mixed" { options.ridersPerHour = 60 }
            let traffic = options.traffic(seed: seed)
            (street, background, walkers, riders) = (
                traffic.street, traffic.background, traffic.walkers, traffic.riders
            )
            window = (second - 2, second + 2)
        } else if parts.first == "alone", parts.count == 2, let index = Int(parts[1]) {
            // One of `LidarFieldTests.walkersAlone`, on its empty street.
            walkers = [LidarFieldTests.walkersAlone[index].1]
            street = FieldStreet(random: SeededGenerator(seed: 9 + UInt64(index)))
            background = street.background()
            street.time = 0
            window.to = 30
        } else {
            let seed: UInt64
            if parts.first == "overtake" {
                let overtake = Overtake.all[parts.last.flatMap { Int($0) } ?? 0]
                (walkers, riders, seed) = ([overtake.walker], [overtake.rider], overtake.seed)
                window.to = 20
            } else {
                let lone = LoneRider.all[Int(name) ?? 0]
                (riders, seed) = ([lone.rider], lone.seed)
            }
            street = FieldStreet(random: SeededGenerator(seed: seed))
            background = street.background()
            street.time = 0
        }
        var detector = LidarDetector(
            configuration: .init(line: street.line, region: street.region, background: background))
        var crossings: [Crossing] = []
        var lines: [String] = []
        // Run on past the window, unprinted, for as long as a track may coast hidden: a crossing made in
        // the window is decided by then, not counted by the reset that ends the run.
        while street.time < window.to + 4 {
            let before = crossings.count
            let mid = street.time + 0.05
            let walking = walkers.filter {
                $0.y(at: street.time) != nil || $0.y(at: street.time + 0.1) != nil
            }
            let riding = riders.filter { $0.y(at: street.time) != nil || $0.y(at: street.time + 0.1) != nil }
            detector.handle(street.turn(walking, riders: riding), into: &crossings)
            guard mid >= window.from, mid <= window.to,
                riding.contains(where: { abs($0.y(at: mid) ?? 9) < 6 })
                    || walking.contains(where: { abs($0.y(at: mid) ?? 9) < 4 })
            else { continue }
            lines.append(
                "\(f(mid))"
                    + riding.compactMap { r in r.y(at: mid).map { " \(r) at (\(f(r.lane)),\(f($0)))" } }
                    .joined()
                    + walking.compactMap { w in
                        w.y(at: mid).map {
                            " walker (\(f(w.x(at: mid, y: $0))),\(f($0)))\(w.bag ? "+bag" : "")"
                                + (w.company == .child ? "+child" : w.company == .pram ? "+pram" : "")
                        }
                    }
                    .joined())
            for c in detector.clusters {
                lines.append(
                    "  cluster (\(f(c.centre.x)),\(f(c.centre.y))) p\(c.points) w\(f(c.extent))"
                        + (c.partOf.map { " part of #\($0)" } ?? ""))
            }
            for t in detector.tracker.tracks {
                lines.append(
                    "  track \(t.id) (\(f(t.position.x)),\(f(t.position.y))) v\(f(t.speed)) h\(t.hits)"
                        + (t.confirmed ? "C" : "t") + " m\(t.misses)" + (t.origin.map { " from \($0)" } ?? "")
                        + " span\(f(t.typicalSpan))" + (t.pushedTurns > 0 ? " pushed\(t.pushedTurns)" : "")
                )
            }
            for crossing in crossings[before...] { lines.append("  COUNTED \(crossing)") }
        }
        detector.reset(into: &crossings)
        let passed = crossings.filter { (window.from...window.to).contains(Double($0.time) / 1000) }
        lines.append("end: the crossings made in the window: \(passed)")
        print(lines.joined(separator: "\n"))
    }

    private func f(_ value: Double) -> String { "\(Double(Int((value * 100).rounded())) / 100)" }
}
