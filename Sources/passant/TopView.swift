import Control

/// A LiDAR scan seen from above in characters, for the monitor in an 80×24 terminal over SSH.
///
/// The walkway runs across the screen: columns follow the sensor frame's y (along the facade), rows its
/// x (out from the facade, the sensor `S` on the top edge when it is mounted on the facade). A row is
/// twice as tall as a column is wide, as terminal cells are, so distances look true. The picture is
/// framed on the region (or on the line and what is seen) and stays still while people move.
enum TopView {
    /// What one scan message holds, in metres in the sensor frame.
    struct Scan {
        var points: [[Double]]
        var tracks: [[Double]]
        var line: [[Double]]?
        var region: [[Double]]?

        init(points: [[Double]], tracks: [[Double]], line: [[Double]]? = nil, region: [[Double]]? = nil) {
            self.points = points
            self.tracks = tracks
            self.line = line
            self.region = region
        }

        init(_ message: LiveMessage) {
            self.init(
                points: message.points ?? [], tracks: message.tracks ?? [], line: message.line,
                region: message.region)
        }
    }

    static let legend = "S sensor  = counting line (A and B: its sides)  : region  · seen  @ person"

    static func render(_ scan: Scan, width: Int, height: Int) -> String {
        let frame = (scan.region ?? []) + (scan.line ?? []) + [[0, 0]]
        // Without a region the view follows what is seen, at least 2 m around the line.
        let extent = scan.region == nil ? frame + scan.points + scan.tracks : frame
        var minX = extent.map { $0[0] }.min()!
        var maxX = extent.map { $0[0] }.max()!
        var minY = extent.map { $0[1] }.min()!
        var maxY = extent.map { $0[1] }.max()!
        if maxX - minX < 2 { maxX = minX + 2 }
        if maxY - minY < 2 { (minY, maxY) = ((minY + maxY) / 2 - 1, (minY + maxY) / 2 + 1) }
        // Metres per column; a row is two columns tall.
        let scale = max((maxY - minY) / Double(width - 1), (maxX - minX) / Double(2 * (height - 1)))
        // Centre the frame on the screen.
        minY -= (Double(width - 1) * scale - (maxY - minY)) / 2
        minX -= (Double(2 * (height - 1)) * scale - (maxX - minX)) / 2
        var grid = Array(repeating: Array(repeating: Character(" "), count: width), count: height)
        func plot(_ point: [Double], _ mark: Character) {
            let column = Int(((point[1] - minY) / scale).rounded())
            let row = Int(((point[0] - minX) / (2 * scale)).rounded())
            guard grid.indices.contains(row), grid[row].indices.contains(column) else { return }
            grid[row][column] = mark
        }
        func draw(from: [Double], to: [Double], _ mark: Character) {
            let length = ((to[0] - from[0]) * (to[0] - from[0]) + (to[1] - from[1]) * (to[1] - from[1]))
                .squareRoot()
            let steps = max(1, Int(length / (scale / 2)))
            for step in 0...steps {
                let t = Double(step) / Double(steps)
                plot([from[0] + (to[0] - from[0]) * t, from[1] + (to[1] - from[1]) * t], mark)
            }
        }
        if let region = scan.region, region.count >= 3 {
            for (index, corner) in region.enumerated() {
                draw(from: corner, to: region[(index + 1) % region.count], ":")
            }
        }
        if let line = scan.line, line.count == 2 {
            let (p, q) = (line[0], line[1])
            draw(from: p, to: q, "=")
            // Side A is on the right looking from P to Q.
            let (dx, dy) = (q[0] - p[0], q[1] - p[1])
            let length = (dx * dx + dy * dy).squareRoot()
            let middle = [(p[0] + q[0]) / 2, (p[1] + q[1]) / 2]
            let offset = max(0.4, 3 * scale)
            let right = [dy / length * offset, -dx / length * offset]
            plot([middle[0] + right[0], middle[1] + right[1]], "A")
            plot([middle[0] - right[0], middle[1] - right[1]], "B")
        }
        for point in scan.points { plot(point, "·") }
        for track in scan.tracks { plot(track, "@") }
        plot([0, 0], "S")
        let border = "  +" + String(repeating: "-", count: width) + "+\n"
        return border + grid.map { "  |" + String($0) + "|\n" }.joined() + border + "  " + legend + "\n"
    }
}
