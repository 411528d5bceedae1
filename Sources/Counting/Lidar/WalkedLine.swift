#if canImport(Glibc)
    import Glibc  // atan2, cos and sin only
#elseif canImport(Darwin)
    import Darwin
#endif

/// "Walk the line" (`passant calibrate line --walk`): a technician walks once along where the counting
/// line should be, and the positions the LiDAR tracked are fitted with a straight segment.
public struct WalkedLine: Sendable {
    /// Ends of the fitted segment, metres in the sensor frame: `p` where the walk began, `q` where it
    /// ended.
    public var p: (x: Double, y: Double)
    public var q: (x: Double, y: Double)
    /// How far the positions lie from the segment, root mean square, metres.
    public var residual: Double
    public var positions: Int

    public var length: Double { ((q.x - p.x) * (q.x - p.x) + (q.y - p.y) * (q.y - p.y)).squareRoot() }

    public enum Problem: Error, CustomStringConvertible, Equatable {
        case tooFew(Int)
        case tooShort(Double)
        case notStraight(Double)

        public var description: String {
            switch self {
            case .tooFew(let count):
                "saw a walker at only \(count) positions; walk at an easy pace (about 1 m/s) inside the region, alone in view"
            case .tooShort(let length):
                "the walk covered \(WalkedLine.format(length)) m; walk the whole line, at least 1 m"
            case .notStraight(let residual):
                "the walk strayed \(WalkedLine.format(residual)) m from a straight line on average; walk straight, alone in view"
            }
        }
    }

    /// Fits the principal axis of `positions` (in the order walked).
    public init(fitting positions: [(x: Double, y: Double)]) throws(Problem) {
        guard positions.count >= 10 else { throw .tooFew(positions.count) }
        let n = Double(positions.count)
        let cx = positions.reduce(0) { $0 + $1.x } / n
        let cy = positions.reduce(0) { $0 + $1.y } / n
        var (sxx, syy, sxy) = (0.0, 0.0, 0.0)
        for point in positions {
            let (dx, dy) = (point.x - cx, point.y - cy)
            sxx += dx * dx
            syy += dy * dy
            sxy += dx * dy
        }
        // The direction of greatest spread: the eigenvector of the larger eigenvalue.
        let angle = 0.5 * atan2(2 * sxy, sxx - syy)
        var (ux, uy) = (cos(angle), sin(angle))
        // Point it the way the technician walked.
        let (first, last) = (positions[0], positions[positions.count - 1])
        if (last.x - first.x) * ux + (last.y - first.y) * uy < 0 { (ux, uy) = (-ux, -uy) }
        var (low, high, squares) = (Double.infinity, -Double.infinity, 0.0)
        for point in positions {
            let along = (point.x - cx) * ux + (point.y - cy) * uy
            let across = -(point.x - cx) * uy + (point.y - cy) * ux
            low = min(low, along)
            high = max(high, along)
            squares += across * across
        }
        p = (cx + low * ux, cy + low * uy)
        q = (cx + high * ux, cy + high * uy)
        residual = (squares / n).squareRoot()
        self.positions = positions.count
        guard length >= 1 else { throw .tooShort(length) }
        guard residual <= 0.25 else { throw .notStraight(residual) }
    }

    /// A track is confirmed a few turns after the walk starts, and a body is 0.2-0.3 m deep: the walked
    /// segment falls short of where the walker's body began and ended by about that much. The proposal
    /// adds it back at each end, so that people passing at either end of the line still cross it.
    public static let endAllowance = 0.25

    /// The same line, longer by `metres` at each end.
    public func extended(by metres: Double) -> WalkedLine {
        let (ux, uy) = ((q.x - p.x) / length, (q.y - p.y) / length)
        var line = self
        line.p = (p.x - ux * metres, p.y - uy * metres)
        line.q = (q.x + ux * metres, q.y + uy * metres)
        return line
    }

    /// `[[x, y], [x, y]]` with centimetre precision, as the configuration takes it.
    public var yaml: String { Self.yaml([p, q]) }

    public static func yaml(_ points: [(x: Double, y: Double)]) -> String {
        "[" + points.map { "[\(format($0.x)), \(format($0.y))]" }.joined(separator: ", ") + "]"
    }

    /// Metres with two decimals (no Foundation in the core).
    public static func format(_ value: Double) -> String {
        let centimetres = Int((value * 100).rounded())
        if centimetres == 0 { return "0" }
        let magnitude = abs(centimetres)
        let fraction = magnitude % 100
        return (centimetres < 0 ? "-" : "") + "\(magnitude / 100)." + (fraction < 10 ? "0" : "")
            + "\(fraction)"
    }
}
