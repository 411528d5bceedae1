import CountBins
import Foundation

/// A bin of sensor `sensor` starting `minutes` minutes after 2026-05-04 08:00 UTC.
func bin(
    _ sensor: String = "door", minute minutes: Int64 = 0, length: BinLength = .oneMinute, aToB: Int = 3,
    bToA: Int = 1,
    coverage: Double = 1, flags: BinFlags = [], node: String = "gw-1"
) -> CountBin {
    CountBin(
        key: BinKey(node: node, sensor: sensor, start: baseTime + minutes * 60, length: length),
        aToB: aToB, bToA: bToA, coverage: coverage, flags: flags)
}

/// 2026-05-04 08:00:00 UTC, a multiple of an hour.
let baseTime: Int64 = 1_777_881_600

/// A fresh directory under the system's temporary directory, removed by `cleanUp()`.
struct TemporaryDirectory: ~Copyable {
    let path: String

    init() throws {
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent(
                "passant-store-\(UUID().uuidString)"
            ).path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}
