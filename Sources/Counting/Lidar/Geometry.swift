// The sensor frame, in metres: x = d·cos θ, y = −d·sin θ for the raw clockwise angle θ. So x points
// along the sensor's 0°, and y to its left (counter-clockwise), as seen from above.

#if canImport(Glibc)
    import Glibc  // cos, sin and atan2 only: the C math library, not Foundation
#elseif canImport(Darwin)
    import Darwin
#endif

/// A point or a vector in the sensor frame, metres.
public struct PlanePoint: Sendable, Hashable {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }

    /// The point a sample at `degrees` (raw, clockwise) and `metres` lies at.
    public init(degrees: Double, metres: Double) {
        let radians = degrees * .pi / 180
        self.init(x: metres * cos(radians), y: -metres * sin(radians))
    }

    public static func + (a: PlanePoint, b: PlanePoint) -> PlanePoint {
        PlanePoint(x: a.x + b.x, y: a.y + b.y)
    }
    public static func - (a: PlanePoint, b: PlanePoint) -> PlanePoint {
        PlanePoint(x: a.x - b.x, y: a.y - b.y)
    }
    public static func * (a: PlanePoint, k: Double) -> PlanePoint { PlanePoint(x: a.x * k, y: a.y * k) }

    public var length: Double { (x * x + y * y).squareRoot() }

    /// The raw clockwise angle the sensor sees it at, degrees in [0, 360).
    public var degrees: Double {
        let degrees = atan2(-y, x) * 180 / .pi
        return degrees < 0 ? degrees + 360 : degrees
    }

    public func distance(to other: PlanePoint) -> Double { (self - other).length }

    /// The dot product: positive when the two point the same way (within 90°).
    public func dot(_ other: PlanePoint) -> Double { x * other.x + y * other.y }
}

/// The counting line from P to Q. Side A is on the right when looking from P to Q, side B on the left;
/// a person going from A to B walks `a_to_b`.
public struct CountingLine: Sendable, Hashable {
    public var p: PlanePoint
    public var q: PlanePoint

    public init(p: PlanePoint, q: PlanePoint) {
        precondition(p.distance(to: q) > 0, "a counting line needs two distinct points")
        self.p = p
        self.q = q
    }

    public var length: Double { p.distance(to: q) }

    /// Signed distance from the line, metres: negative on side A (right of P→Q), positive on side B.
    public func signedDistance(_ point: PlanePoint) -> Double {
        let d = q - p
        let v = point - p
        return (d.x * v.y - d.y * v.x) / length
    }

    /// Where `point` projects onto the line, as a fraction: 0 at P, 1 at Q.
    public func position(_ point: PlanePoint) -> Double {
        let d = q - p
        let v = point - p
        return (d.x * v.x + d.y * v.y) / (length * length)
    }
}

/// The region of interest: a polygon in the sensor frame. People (clusters) whose centre lies outside
/// it are ignored; points just outside it still shape the bodies that reach into it.
public struct Region: Sendable, Hashable {
    public var corners: [PlanePoint]

    public init(corners: [PlanePoint]) {
        precondition(corners.count >= 3, "a region needs at least three corners")
        self.corners = corners
    }

    /// Whether `point` lies inside (even-odd rule).
    public func contains(_ point: PlanePoint) -> Bool {
        var inside = false
        var j = corners.count - 1
        for i in 0..<corners.count {
            let a = corners[i]
            let b = corners[j]
            if (a.y > point.y) != (b.y > point.y),
                point.x < (b.x - a.x) * (point.y - a.y) / (b.y - a.y) + a.x
            {
                inside.toggle()
            }
            j = i
        }
        return inside
    }

    /// Whether `point` lies inside or within `margin` metres of an edge.
    public func contains(_ point: PlanePoint, margin: Double) -> Bool {
        if contains(point) { return true }
        var j = corners.count - 1
        for i in 0..<corners.count {
            let a = corners[j]
            let edge = corners[i] - a
            let offset = point - a
            let along =
                (offset.x * edge.x + offset.y * edge.y) / max(edge.x * edge.x + edge.y * edge.y, 1e-12)
            let nearest = a + edge * min(1, max(0, along))
            if nearest.distance(to: point) <= margin { return true }
            j = i
        }
        return false
    }
}
