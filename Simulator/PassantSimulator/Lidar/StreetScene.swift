// What an LD06 on a facade sees at hip height: the facade itself, a post, a bench, parked cars, and the
// people and cyclists on the walkway. The simulator's own geometry: it shares nothing with the
// gateway's tracker, so the ground truth cannot inherit the tracker's mistakes.
//
// Frame (the LD06's): the sensor at the origin, x = d·cos θ away from the facade, y = −d·sin θ along
// it, θ the raw clockwise angle. The walkway runs along y; the walkway's near edge is `walkwayEdge`
// metres from the facade. A walker's walking-axis position p maps to y = p − spacing/2, so the middle
// between the PCNT beams (where the ground truth says someone crossed) is the line y = 0.

/// A straight obstacle (wall, bench edge, car side), metres.
public struct Wall: Sendable {
    public var from: (x: Double, y: Double)
    public var to: (x: Double, y: Double)
    public var intensity: Double

    public init(from: (x: Double, y: Double), to: (x: Double, y: Double), intensity: Double = 220) {
        self.from = from
        self.to = to
        self.intensity = intensity
    }
}

/// An upright ellipse (a body, a post, an arm) with axes along x and y, metres.
public struct Blob: Sendable, Hashable {
    public var x: Double
    public var y: Double
    /// Half-width along x and along y.
    public var radiusX: Double
    public var radiusY: Double
    public var intensity: Double

    public init(x: Double, y: Double, radiusX: Double, radiusY: Double, intensity: Double) {
        self.x = x
        self.y = y
        self.radiusX = radiusX
        self.radiusY = radiusY
        self.intensity = intensity
    }
}

/// The static part of the street.
public struct StreetScene: Sendable {
    public var walls: [Wall]
    public var posts: [Blob]
    /// Distance of the walkway's near edge from the facade (m).
    public var walkwayEdge: Double

    public init(walls: [Wall], posts: [Blob], walkwayEdge: Double) {
        self.walls = walls
        self.posts = posts
        self.walkwayEdge = walkwayEdge
    }

    /// A facade-mounted sensor over a 2.5 m walkway: the facade behind it, a lamp post and a bench at
    /// the kerb, cars parked beyond, open street after that.
    public static let street = StreetScene(
        walls: [
            // The facade, 3 cm behind the sensor's optical centre.
            Wall(from: (-0.03, -30), to: (-0.03, 30), intensity: 180),
            // A bench at the kerb: its back and ends.
            Wall(from: (3.05, 1.2), to: (3.05, 2.8), intensity: 150),
            Wall(from: (3.05, 1.2), to: (3.45, 1.2), intensity: 150),
            Wall(from: (3.05, 2.8), to: (3.45, 2.8), intensity: 150),
            // Parked cars, side on.
            Wall(from: (4.6, -6.0), to: (4.6, -1.6), intensity: 240),
            Wall(from: (4.6, 2.2), to: (4.6, 6.5), intensity: 240),
        ],
        posts: [Blob(x: 3.0, y: -1.0, radiusX: 0.06, radiusY: 0.06, intensity: 230)],
        walkwayEdge: 0.4)
}

/// The nearest hit of a ray from the origin along (`dx`, `dy`) with an ellipse, if any.
@inline(__always)
func hit(_ blob: Blob, dx: Double, dy: Double) -> Double? {
    // ((t·dx − x)/rx)² + ((t·dy − y)/ry)² = 1
    let ax = dx / blob.radiusX
    let ay = dy / blob.radiusY
    let cx = blob.x / blob.radiusX
    let cy = blob.y / blob.radiusY
    let a = ax * ax + ay * ay
    let b = -2 * (ax * cx + ay * cy)
    let c = cx * cx + cy * cy - 1
    let discriminant = b * b - 4 * a * c
    guard discriminant >= 0 else { return nil }
    let root = discriminant.squareRoot()
    let near = (-b - root) / (2 * a)
    if near > 0 { return near }
    let far = (-b + root) / (2 * a)
    return far > 0 ? far : nil
}

/// The hit of a ray from the origin along (`dx`, `dy`) with a wall, if any.
@inline(__always)
func hit(_ wall: Wall, dx: Double, dy: Double) -> Double? {
    let ex = wall.to.x - wall.from.x
    let ey = wall.to.y - wall.from.y
    let denominator = dx * ey - dy * ex
    guard abs(denominator) > 1e-12 else { return nil }
    let t = (wall.from.x * ey - wall.from.y * ex) / denominator
    let s = (wall.from.x * dy - wall.from.y * dx) / denominator
    return t > 0 && s >= 0 && s <= 1 ? t : nil
}
