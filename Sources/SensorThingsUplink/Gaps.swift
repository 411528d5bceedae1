// Gap records as SensorThings Observations. Each counter gets a third Datastream, "dropped bins",
// created when its first gap is delivered: one Observation per dropped range, covering the range,
// whose result is how many bins were dropped in it. The count Datastreams stay pure counts, and an
// analyst who finds no Observation for a stretch can look up why.
//
// Gaps are rare (the store only drops undelivered bins when it is full or they outlive the age
// limit), so each is looked up by its key before it is written: exactly once, without the high-water
// bookkeeping of the bins. A gap that grew (more of the range dropped later, same key) is patched.

import CountBins
import Foundation
import PassantConfig
import Uplinks

extension SensorThingsUplink {
    public func deliver(gaps: [DroppedRange]) async throws(UplinkError) -> [DroppedRange] {
        guard thingID != nil else { throw UplinkError(.transient, "not prepared") }
        let streams = Set(gaps.map { StreamKey(node: $0.node, sensor: $0.sensor, series: .dropped) })
        if !streams.isSubset(of: datastreams.keys) {
            try await discover(streams.subtracting(datastreams.keys))
        }
        var confirmed: [DroppedRange] = []
        for gap in gaps {
            let stream = StreamKey(node: gap.node, sensor: gap.sensor, series: .dropped)
            guard let datastream = datastreams[stream] else { continue }
            let row = GapRow(gap: gap, mode: configuration.phenomenonTime)
            let lookup = try await call(
                .GET, "/Datastreams\(datastream.path)/Observations",
                query: [
                    ("$filter", "parameters/passant_key eq \(OData.literal(gap.key))"), ("$select", "id,result"),
                ], what: "looking up the gap record \(gap.key)")
            guard lookup.status == 200, let found = Replies.entities(lookup.json) else {
                throw failure(lookup, "looking up the gap record \(gap.key)")
            }
            if let id = Replies.firstID(found) {
                let held = found.first { EntityID($0["@iot.id"]) == id }?["result"] as? NSNumber
                if held?.doubleValue != Double(gap.bins) {
                    let reply = try await call(
                        .PATCH, "/Observations\(id.path)", body: row.body(datastream: nil),
                        what: "updating the gap record \(gap.key)")
                    guard (200..<300).contains(reply.status) else {
                        throw failure(reply, "updating the gap record \(gap.key)")
                    }
                }
            } else {
                let reply = try await call(
                    .POST, "/Observations", body: row.body(datastream: datastream),
                    what: "sending the gap record \(gap.key)")
                guard reply.status == 201 || reply.status == 200 else {
                    throw failure(reply, "sending the gap record \(gap.key)")
                }
            }
            logger.warning(
                "told the server that \(gap.bins) bins of \(gap.sensor) from \(UTCTime.format(gap.start)) to \(UTCTime.format(gap.end)) were dropped before delivery"
            )
            confirmed.append(gap)
        }
        return confirmed
    }
}

/// One gap record as an Observation of its counter's "dropped bins" Datastream.
struct GapRow: Sendable {
    var gap: DroppedRange
    var mode: SensorThingsConfiguration.PhenomenonTime

    /// The Observation: `phenomenonTime` the dropped range (or its start, for servers that take
    /// instants only; `parameters` always hold both ends), `resultTime` its end, `result` the bins.
    func body(datastream: EntityID?) -> [UInt8] {
        let phenomenonTime =
            switch mode {
            case .interval: UTCTime.format(gap.start) + "/" + UTCTime.format(gap.end)
            case .start: UTCTime.format(gap.start)
            }
        var members: [(String, String)] = [
            ("phenomenonTime", JSONText.string(phenomenonTime)),
            ("resultTime", JSONText.string(UTCTime.format(gap.end))),
            ("result", String(gap.bins)),
            (
                "parameters",
                JSONText.object([
                    ("passant_key", JSONText.string(gap.key)),
                    ("start", JSONText.string(UTCTime.format(gap.start))),
                    ("end", JSONText.string(UTCTime.format(gap.end))),
                    ("seconds", String(gap.length.seconds)),
                    ("dropped_bins", String(gap.bins)),
                ])
            ),
        ]
        if let datastream { members.append(("Datastream", datastream.reference)) }
        return Array(JSONText.object(members).utf8)
    }
}
