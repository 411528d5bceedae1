import Yams

/// A point in the LiDAR's frame, metres: x = d·cos θ away from the sensor's 0°, y = −d·sin θ to its left.
public struct SensorPoint: Sendable, Hashable {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// The counting set-up of a 2D LiDAR (`protocol: ld06`).
public struct LidarConfiguration: Sendable, Hashable {
    /// `line: [[x, y], [x, y]]`: P and Q. Side A is on the right looking from P to Q; `a_to_b` is a
    /// crossing from A to B.
    public var p: SensorPoint
    public var q: SensorPoint
    /// `region: [[x, y], …]`: only people whose middle is inside are followed; nil: everywhere within
    /// `max_range_m`.
    public var region: [SensorPoint]?
    /// `background:`: the empty scene learned by `passant calibrate background`. When the file does not
    /// exist yet, passantd learns the scene from the first 20 s and flags those bins degraded.
    public var backgroundPath: String?
    /// `absorb_after_s`: something that stays put this long becomes background (a parked bicycle).
    public var absorbAfterSeconds: Int
    /// `fast_mover_mps`: faster than this at the line (up to 1 m past it, or on the 1.9 m before it when
    /// faster than walking at the line), and at two sightings running, is a cyclist or a scooter, not a
    /// pedestrian; 0 counts everyone.
    public var fastMoverSpeed: Double
    /// `max_range_m`: returns farther than this are ignored.
    public var maxRange: Double

    public static let defaultAbsorbAfterSeconds = 120
    public static let defaultFastMoverSpeed = 3.0
    public static let defaultMaxRange = 8.0
}

extension Reader {
    /// The LiDAR keys of a sensor: required for `protocol: ld06`, refused for the others.
    mutating func lidar(_ fields: [String: Node], node: Node, key: String, isLidar: Bool)
        -> LidarConfiguration?
    {
        let lidarKeys = ["line", "region", "background", "absorb_after_s", "fast_mover_mps", "max_range_m"]
        guard isLidar else {
            for name in lidarKeys {
                if let value = fields[name] {
                    fail(value, key: "\(key).\(name)", "is only for 'protocol: ld06' sensors")
                }
            }
            return nil
        }
        guard let lineNode = fields["line"] else {
            fail(
                node, key: "\(key).line",
                "is missing; an ld06 sensor counts at a line given as [[x, y], [x, y]] in metres (P and Q)")
            return nil
        }
        let line = points(lineNode, key: "\(key).line")
        var valid = true
        if let line, line.count != 2 {
            fail(lineNode, key: "\(key).line", "must be two points [[x, y], [x, y]], not \(line.count)")
            valid = false
        } else if let line, line[0] == line[1] {
            fail(lineNode, key: "\(key).line", "P and Q are the same point; the line needs a length")
            valid = false
        }
        var region: [SensorPoint]?
        if let regionNode = fields["region"] {
            region = points(regionNode, key: "\(key).region")
            if let corners = region, corners.count < 3 {
                fail(regionNode, key: "\(key).region", "needs at least three corners, not \(corners.count)")
                valid = false
            }
            if region == nil { valid = false }
        }
        let background = fields["background"].flatMap { path($0, key: "\(key).background") }
        let absorb = fields["absorb_after_s"].flatMap {
            integer($0, key: "\(key).absorb_after_s", in: 10...86_400)
        }
        let fast = fields["fast_mover_mps"].flatMap { decimal($0, key: "\(key).fast_mover_mps", in: 0...30) }
        let range = fields["max_range_m"].flatMap { decimal($0, key: "\(key).max_range_m", in: 0.5...12) }
        guard valid, let line, line.count == 2 else { return nil }
        return LidarConfiguration(
            p: line[0], q: line[1], region: region, backgroundPath: background,
            absorbAfterSeconds: absorb ?? LidarConfiguration.defaultAbsorbAfterSeconds,
            fastMoverSpeed: fast ?? LidarConfiguration.defaultFastMoverSpeed,
            maxRange: range ?? LidarConfiguration.defaultMaxRange)
    }

    /// `[[x, y], …]` in metres.
    private mutating func points(_ node: Node, key: String) -> [SensorPoint]? {
        guard case .sequence(let sequence) = node else {
            fail(node, key: key, "must be a list of points [[x, y], …] in metres")
            return nil
        }
        var result: [SensorPoint] = []
        for (index, item) in sequence.enumerated() {
            guard case .sequence(let pair) = item, pair.count == 2 else {
                fail(item, key: "\(key)[\(index)]", "must be a point [x, y] in metres")
                return nil
            }
            let items = Array(pair)
            guard let x = decimal(items[0], key: "\(key)[\(index)]", in: -50...50),
                let y = decimal(items[1], key: "\(key)[\(index)]", in: -50...50)
            else { return nil }
            result.append(SensorPoint(x: x, y: y))
        }
        return result
    }
}
