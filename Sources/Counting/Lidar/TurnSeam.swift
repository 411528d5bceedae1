// Turns cut where nobody walks: behind the sensor, opposite the counting line, not at its 0°.

import LD06

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
/// Each turn handed on is the samples of one turn up to `angle` and those of the turn before from `angle`
/// on, in angle order. The first turn after a start or a reset only supplies the second half of the
/// next one, and so does a turn that comes more than half a turn late (packets lost): the half carried
/// over would be stale.
struct TurnSeam: Sendable {
    /// Degrees, raw and clockwise, in [0, 360).
    let angle: Double
    /// The previous turn's samples from `angle` on, and when it passed `angle`.
    private var carried: [ScanPoint] = []
    private var carriedTime: Int64?
    private var points: [ScanPoint] = []

    /// The seam for a sensor counting at `line`.
    init(line: CountingLine) {
        let opposite = ((line.p + line.q) * 0.5).degrees + 180
        angle = opposite >= 360 ? opposite - 360 : opposite
        carried.reserveCapacity(512)
        points.reserveCapacity(1024)
    }

    /// The turn that ends where `scan` passes the seam; nil for the first turn after a start or a reset,
    /// or after a gap.
    mutating func recut(_ scan: LD06Scan) -> LD06Scan? {
        let angle = self.angle
        let seamTime = Self.time(of: scan, at: angle)
        defer {
            carried.removeAll(keepingCapacity: true)
            carried.append(contentsOf: scan.points.lazy.filter { $0.angle >= angle })
            carriedTime = seamTime
        }
        let period = max(1, scan.endTime - scan.time)
        guard let start = carriedTime, start < seamTime, seamTime - start <= period * 3 / 2 else {
            return nil
        }
        points.removeAll(keepingCapacity: true)
        points.append(contentsOf: scan.points.lazy.filter { $0.angle < angle })
        points.append(contentsOf: carried)
        return LD06Scan(
            time: start, endTime: seamTime, points: points, lostPackets: scan.lostPackets, speed: scan.speed)
    }

    /// When the sensor looked at `angle` during `scan`, from its first and last samples' angles and times
    /// (a turn cut short by a restart or a lost link may not start at 0°).
    static func time(of scan: LD06Scan, at angle: Double) -> Int64 {
        guard let first = scan.points.first?.angle, let last = scan.points.last?.angle, last > first else {
            return scan.time
        }
        let fraction = (angle - first) / (last - first)
        return scan.time + Int64((Double(scan.endTime - scan.time) * fraction).rounded())
    }

    /// Forgets the turn in progress (the link was lost: its samples are stale).
    mutating func reset() {
        carried.removeAll(keepingCapacity: true)
        carriedTime = nil
    }
}
