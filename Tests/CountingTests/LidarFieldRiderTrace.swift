// `PASSANT_RIDER_TRACE=<n> swift test --filter riderTrace`: the life of lone rider n of
// `LoneRider.all` (or, with `overtake-<n>`, of `Overtake.all`) turn by turn: where the
// rider's hips are, the clusters the detector made (centre, returns, extent, part of), and its tracks
// (position, speed, hits, confirmed or tentative), to read how a rider came to be counted as a walker.

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
        var walkers: [FieldWalker] = []
        let rider: FieldRider
        let seed: UInt64
        if name.hasPrefix("overtake-") {
            let overtake = Overtake.all[Int(name.dropFirst(9)) ?? 0]
            (walkers, rider, seed) = ([overtake.walker], overtake.rider, overtake.seed)
        } else {
            let lone = LoneRider.all[Int(name) ?? 0]
            (rider, seed) = (lone.rider, lone.seed)
        }
        var street = FieldStreet(random: SeededGenerator(seed: seed))
        let background = street.background()
        street.time = 0
        var detector = LidarDetector(
            configuration: .init(line: FieldStreet.line, region: FieldStreet.region, background: background))
        var crossings: [Crossing] = []
        var lines = ["\(rider)"]
        let end = walkers.isEmpty ? 8.0 : 20
        while street.time < end {
            let before = crossings.count
            let mid = street.time + 0.05
            let here = walkers.filter { $0.y(at: mid) != nil }
            detector.handle(
                street.turn(here, riders: rider.y(at: mid) != nil ? [rider] : []), into: &crossings)
            let y = rider.y(at: mid)
            guard y.map({ abs($0) < 6 }) ?? false || here.contains(where: { abs($0.y(at: mid)!) < 4 }) else {
                continue
            }
            lines.append(
                "\(f(mid)) rider's hips y \(y.map(f) ?? "-")"
                    + here.map { " walker (\(f($0.lane)),\(f($0.y(at: mid)!)))" }.joined())
            for c in detector.clusters {
                lines.append(
                    "  cluster (\(f(c.centre.x)),\(f(c.centre.y))) p\(c.points) w\(f(c.extent))"
                        + (c.partOf.map { " part of #\($0)" } ?? ""))
            }
            for t in detector.tracker.tracks {
                lines.append(
                    "  track \(t.id) (\(f(t.position.x)),\(f(t.position.y))) v\(f(t.speed)) h\(t.hits)"
                        + (t.confirmed ? "C" : "t") + " m\(t.misses)" + (t.origin.map { " from \($0)" } ?? "")
                )
            }
            for crossing in crossings[before...] { lines.append("  COUNTED \(crossing)") }
        }
        detector.reset(into: &crossings)
        lines.append("end: \(crossings)")
        print(lines.joined(separator: "\n"))
    }

    private func f(_ value: Double) -> String { "\(Double(Int((value * 100).rounded())) / 100)" }
}
