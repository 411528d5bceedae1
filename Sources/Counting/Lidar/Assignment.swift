// The globally cheapest matching of tracks to detections (the Hungarian method, O(n³)).

/// Solves the rectangular assignment problem: `cost[row][column]`, rows are tracks, columns are
/// detections. Returns for each row the column it gets, or nil. Pairs whose cost is `.infinity`
/// (outside the gate) are never matched.
///
/// Greedy nearest-neighbour matching swaps people who pass close to each other; the optimal matching
/// minimises the total distance over all pairs, which keeps two side-by-side walkers apart.
func optimalAssignment(_ cost: [[Double]], columns: Int) -> [Int?] {
    LidarAssignment.solve(cost, columns: columns)
}

/// Gives every row that `assignment` left without a column (nil, or a column at or past `columns`: a
/// miss) a column no row has whose cost is finite, cheapest pair first.
func assignLeftovers(_ assignment: inout [Int?], costs: [[Double]], columns: Int) {
    var used = Array(repeating: false, count: columns)
    for case let column? in assignment where column < columns { used[column] = true }
    while true {
        var best: (row: Int, column: Int, cost: Double)?
        for row in assignment.indices where (assignment[row] ?? columns) >= columns {
            for column in 0..<columns where !used[column] && costs[row][column] < best?.cost ?? .infinity {
                best = (row, column, costs[row][column])
            }
        }
        guard let best else { return }
        assignment[best.row] = best.column
        used[best.column] = true
    }
}

/// The assignment solver, public for its tests.
public enum LidarAssignment {
    /// See `optimalAssignment`.
    public static func solve(_ cost: [[Double]], columns: Int) -> [Int?] {
        let rows = cost.count
        guard rows > 0, columns > 0 else { return Array(repeating: nil, count: rows) }
        let n = max(rows, columns)
        // Forbidden pairs get a cost larger than any real matching, so they are used only when unavoidable
        // and then dropped.
        var largest = 0.0
        for row in cost { for value in row where value.isFinite { largest = max(largest, value) } }
        let forbidden = (largest + 1) * Double(n) + 1
        // Square matrix, 1-based as in the classic formulation (potentials u, v; way back-pointers).
        var a = Array(repeating: Array(repeating: 0.0, count: n + 1), count: n + 1)
        for i in 0..<rows {
            for j in 0..<columns { a[i + 1][j + 1] = cost[i][j].isFinite ? cost[i][j] : forbidden }
        }
        var u = Array(repeating: 0.0, count: n + 1)
        var v = Array(repeating: 0.0, count: n + 1)
        var p = Array(repeating: 0, count: n + 1)
        var way = Array(repeating: 0, count: n + 1)
        for i in 1...n {
            p[0] = i
            var j0 = 0
            var minimum = Array(repeating: Double.infinity, count: n + 1)
            var used = Array(repeating: false, count: n + 1)
            repeat {
                used[j0] = true
                let i0 = p[j0]
                var delta = Double.infinity
                var j1 = 0
                for j in 1...n where !used[j] {
                    let current = a[i0][j] - u[i0] - v[j]
                    if current < minimum[j] {
                        minimum[j] = current
                        way[j] = j0
                    }
                    if minimum[j] < delta {
                        delta = minimum[j]
                        j1 = j
                    }
                }
                for j in 0...n {
                    if used[j] {
                        u[p[j]] += delta
                        v[j] -= delta
                    } else {
                        minimum[j] -= delta
                    }
                }
                j0 = j1
            } while p[j0] != 0
            repeat {
                let j1 = way[j0]
                p[j0] = p[j1]
                j0 = j1
            } while j0 != 0
        }
        var result: [Int?] = Array(repeating: nil, count: rows)
        for j in 1...n where p[j] >= 1 && p[j] <= rows && j <= columns {
            let row = p[j] - 1
            if cost[row][j - 1].isFinite { result[row] = j - 1 }
        }
        return result
    }
}
