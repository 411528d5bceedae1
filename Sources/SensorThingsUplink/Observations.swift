// Bins as SensorThings Observations: two rows per bin (one per direction; four with fast movers), the CreateObservations
// body (dataArray extension) and its reply. Pure functions of their inputs, so a retried request is
// byte for byte the request that went before.

import CountBins
import PassantConfig

/// One of a sensor's two directions; its raw value is part of Datastream and Observation keys.
public enum Direction: String, Sendable, Hashable, CaseIterable {
    case aToB = "a_to_b"
    case bToA = "b_to_a"
}

/// One Observation to be stored: one count (a direction, of pedestrians or of fast movers) of one bin.
struct ObservationRow: Sendable, Hashable {
    /// `node/sensor/start/length/series`: the bin key and the series, stored in `parameters` so the
    /// row can be found again (the server ignores client-chosen ids).
    var key: String
    var bin: BinKey
    var series: Series
    var result: Int
    var coverage: Double
    var flags: [String]

    /// Nil when the bin has no such count (fast movers of a sensor that does not tell them apart).
    init?(bin: CountBin, series: Series) {
        guard let result = series.count(in: bin) else { return nil }
        self.bin = bin.key
        self.series = series
        self.key = Self.key(bin.key, series)
        self.result = result
        // Rounded so the value read back compares equal to the value sent.
        self.coverage =
            (min(max(bin.coverage.isFinite ? bin.coverage : 0, 0), 1) * 1_000_000).rounded() / 1_000_000
        self.flags = bin.flags.names
    }

    init(bin: CountBin, direction: Direction) {
        self.init(bin: bin, series: Series(direction))!
    }

    /// The rows of a bin: its two directions, and its two fast-mover counts when it has them.
    static func rows(of bin: CountBin) -> [ObservationRow] {
        Series.counts.compactMap { ObservationRow(bin: bin, series: $0) }
    }

    static func key(_ bin: BinKey, _ series: Series) -> String {
        bin.description + "/" + series.rawValue
    }

    /// The Datastream this row belongs to.
    var stream: StreamKey { StreamKey(node: bin.node, sensor: bin.sensor, series: series) }

    /// The bin's end: the row's `resultTime` (when the count was complete), which also orders a
    /// Datastream's rows for the high-water mark.
    var end: Int64 { bin.end }

    /// The `parameters` object.
    var parameters: String {
        JSONText.object([
            ("passant_key", JSONText.string(key)),
            ("coverage", JSONText.number(coverage)),
            ("flags", JSONText.array(flags.map(JSONText.string))),
        ])
    }

    func phenomenonTime(_ mode: SensorThingsConfiguration.PhenomenonTime) -> String {
        switch mode {
        case .interval: UTCTime.format(bin.start) + "/" + UTCTime.format(bin.end)
        case .start: UTCTime.format(bin.start)
        }
    }

    /// The row in the component order of `CreateObservationsBody.components`.
    func dataArrayRow(_ mode: SensorThingsConfiguration.PhenomenonTime) -> String {
        "[" + JSONText.string(phenomenonTime(mode)) + "," + JSONText.string(UTCTime.format(end)) + ","
            + String(result) + "," + parameters + "]"
    }

    /// Whether an Observation read back from the server holds this row's values.
    func matches(_ stored: StoredObservation) -> Bool {
        stored.result == Double(result) && stored.coverage == coverage && stored.flags == flags
    }
}

/// What one of a counter's Datastreams holds: the pedestrians of one direction, the fast movers
/// (cyclists, scooters) of one direction, or the bins the gateway had to drop (store full or too old)
/// before delivering them.
enum Series: String, Sendable, Hashable, CaseIterable {
    case aToB = "a_to_b"
    case bToA = "b_to_a"
    case fastAToB = "fast_a_to_b"
    case fastBToA = "fast_b_to_a"
    case dropped

    init(_ direction: Direction) {
        self = direction == .aToB ? .aToB : .bToA
    }

    /// The series that hold a bin's counts.
    static let counts: [Series] = [.aToB, .bToA, .fastAToB, .fastBToA]

    var isFastMovers: Bool { self == .fastAToB || self == .fastBToA }

    /// This series' count in `bin`; nil when the bin has none.
    func count(in bin: CountBin) -> Int? {
        switch self {
        case .aToB: bin.aToB
        case .bToA: bin.bToA
        case .fastAToB: bin.fastMovers?.aToB
        case .fastBToA: bin.fastMovers?.bToA
        case .dropped: nil
        }
    }
}

/// Identifies one Datastream: `node/sensor/series`, stored in its `properties/passant_key`.
struct StreamKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    var node: String
    var sensor: String
    var series: Series

    init(node: String, sensor: String, series: Series) {
        self.node = node
        self.sensor = sensor
        self.series = series
    }

    init(node: String, sensor: String, direction: Direction) {
        self.init(node: node, sensor: sensor, series: Series(direction))
    }

    var description: String { "\(node)/\(sensor)/\(series.rawValue)" }

    static func < (lhs: StreamKey, rhs: StreamKey) -> Bool { lhs.description < rhs.description }
}

/// An Observation as read back from the server.
struct StoredObservation: Sendable, Hashable {
    var id: EntityID
    var key: String
    var result: Double?
    var coverage: Double?
    var flags: [String]?
}

/// One group of rows for one Datastream in a CreateObservations request.
struct ObservationGroup: Sendable {
    var datastreamID: EntityID
    var rows: [ObservationRow]
}

enum CreateObservations {
    static let components = #"["phenomenonTime","resultTime","result","parameters"]"#

    /// The request body. Rows of one Datastream normally travel as one group; a row under suspicion
    /// (its group was refused before) travels in a group of its own, because a server may refuse a
    /// whole group for one bad row and the others deserve to get through.
    static func body(
        _ groups: [ObservationGroup], phenomenonTime mode: SensorThingsConfiguration.PhenomenonTime
    ) -> [UInt8] {
        var text = "["
        for (index, group) in groups.enumerated() {
            if index > 0 { text += "," }
            text +=
                #"{"Datastream":"# + group.datastreamID.reference + #","components":"#
                + components + #","dataArray":["#
            for (rowIndex, row) in group.rows.enumerated() {
                if rowIndex > 0 { text += "," }
                text += row.dataArrayRow(mode)
            }
            text += "]}"
        }
        text += "]"
        return Array(text.utf8)
    }

    /// Groups `rows` by Datastream in first-seen order; `suspects` get a group each.
    static func groups(
        _ rows: [ObservationRow], datastreams: [StreamKey: EntityID], suspects: Set<String>
    ) -> [ObservationGroup] {
        var order: [StreamKey] = []
        var shared: [StreamKey: [ObservationRow]] = [:]
        var single: [ObservationGroup] = []
        for row in rows {
            guard let id = datastreams[row.stream] else { continue }
            if suspects.contains(row.key) {
                single.append(ObservationGroup(datastreamID: id, rows: [row]))
            } else {
                if shared[row.stream] == nil { order.append(row.stream) }
                shared[row.stream, default: []].append(row)
            }
        }
        return order.map { ObservationGroup(datastreamID: datastreams[$0]!, rows: shared[$0]!) } + single
    }

    /// Per row of `groups` (in order): stored or refused. The reply is a flat JSON array with one
    /// entry per row, a self link or `"error"`. Nil when the reply is not that.
    static func outcomes(reply: Any, rowCount: Int) -> [Bool]? {
        guard let entries = reply as? [Any], entries.count == rowCount else { return nil }
        var result: [Bool] = []
        result.reserveCapacity(rowCount)
        for entry in entries {
            guard let text = entry as? String else { return nil }
            result.append(text != "error")
        }
        return result
    }
}
