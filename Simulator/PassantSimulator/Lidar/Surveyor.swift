// A technician walking along where the counting line should be, for `passant calibrate line --walk`.

/// Someone walking once, at a steady pace, straight from one point to another in the sensor's frame
/// (metres), then stepping out of the sensor's plane.
public struct Surveyor: Sendable, Hashable {
    public var from: (x: Double, y: Double)
    public var to: (x: Double, y: Double)
    /// When the walk starts (s of simulation time).
    public var start: Double
    /// m/s.
    public var speed: Double

    public init(
        from: (x: Double, y: Double), to: (x: Double, y: Double), start: Double = 3, speed: Double = 0.8
    ) {
        self.from = from
        self.to = to
        self.start = start
        self.speed = speed
    }

    public var length: Double {
        ((to.x - from.x) * (to.x - from.x) + (to.y - from.y) * (to.y - from.y)).squareRoot()
    }
    public var end: Double { start + length / speed }

    /// Where the surveyor is at `seconds`, or nil before and after the walk.
    public func position(at seconds: Double) -> (x: Double, y: Double)? {
        guard seconds >= start, seconds <= end, length > 0 else { return nil }
        let share = (seconds - start) * speed / length
        return (from.x + (to.x - from.x) * share, from.y + (to.y - from.y) * share)
    }

    public static func == (lhs: Surveyor, rhs: Surveyor) -> Bool {
        lhs.from == rhs.from && lhs.to == rhs.to && lhs.start == rhs.start && lhs.speed == rhs.speed
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(from.x)
        hasher.combine(from.y)
        hasher.combine(to.x)
        hasher.combine(to.y)
        hasher.combine(start)
        hasher.combine(speed)
    }
}
