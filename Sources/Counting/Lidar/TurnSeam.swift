// Turns cut where nobody walks: behind the sensor, opposite the counting line, not at its 0°.

import LD06

#if canImport(Glibc)
    import Glibc  // atan2 only: the C math library, not Foundation
#elseif canImport(Darwin)
    import Darwin
#endif

/// Cuts the sensor's turns anew at `angle`, the bearing opposite the counting line's middle.
///
/// The LD06 begins each turn at 0°, its forward direction: mounted on a facade, straight across the
/// walkway, where the counting line usually is. The samples just either side of 0° are then a whole
/// turn (100 ms) apart, and someone on the line is seen half where they were and half where they are a
/// turn later: a walker 0.14 m on, stretched or squeezed; a rider 0.6 m on, cut in two, their speed
/// misread as they cross. Cut opposite the line (on a facade, into the wall, where there are no
/// returns), each body is seen within a few milliseconds, and the turn's time is when the sensor
/// looked at the line.
///
/// Each turn handed on is the samples of one turn from 0° up to `angle` and those of the turn before
/// from `angle` on, in angle order. The first turn after a start or a reset only supplies the second
/// half of the next one.
struct TurnSeam: Sendable {
    /// Degrees, raw and clockwise, in [0, 360).
    let angle: Double
    /// The previous turn's samples from `angle` on, and when it passed `angle`.
    private var carried: [ScanPoint] = []
    private var carriedTime: Int64?
    private var points: [ScanPoint] = []

    /// The seam for a sensor counting at `line`.
    init(line: CountingLine) {
        let middle = (line.p + line.q) * 0.5
        let bearing = atan2(-middle.y, middle.x) * 180 / .pi
        var opposite = bearing + 180
        if opposite >= 360 { opposite -= 360 }
        if opposite < 0 { opposite += 360 }
        angle = opposite
        carried.reserveCapacity(512)
        points.reserveCapacity(1024)
    }

    /// The turn that ends where `scan` passes the seam; nil for the first turn after a start or a reset.
    mutating func recut(_ scan: LD06Scan) -> LD06Scan? {
        let angle = self.angle
        let seamTime = scan.time + Int64((Double(scan.endTime - scan.time) * angle / 360).rounded())
        defer {
            carried.removeAll(keepingCapacity: true)
            carried.append(contentsOf: scan.points.lazy.filter { $0.angle >= angle })
            carriedTime = seamTime
        }
        guard let start = carriedTime, start < seamTime else { return nil }
        points.removeAll(keepingCapacity: true)
        points.append(contentsOf: scan.points.lazy.filter { $0.angle < angle })
        points.append(contentsOf: carried)
        return LD06Scan(
            time: start, endTime: seamTime, points: points, lostPackets: scan.lostPackets, speed: scan.speed)
    }

    /// Forgets the turn in progress (the link was lost: its samples are stale).
    mutating func reset() {
        carried.removeAll(keepingCapacity: true)
        carriedTime = nil
    }
}
