// What tells a rider from a walker, for the clusterer and the tracker alike.

/// A bicycle or an e-scooter as the LiDAR sees it at hip height: faster than anyone walks, and longer
/// along its way than anyone is deep.
enum Vehicle {
    /// Faster than this (m/s) is a vehicle, not a walker: walking is 0.5–2 m/s, nobody walks at 2.5.
    static let speed = 2.5
    /// A bicycle is some 1.8 m long: its parts (hips, basket, child seat) lie within this of each other
    /// along its way, metres.
    static let length = 1.9
}
