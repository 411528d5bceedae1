import CountBins
import PassantConfig

/// The exact `CreateObservations` body this uplink would post for some bins, for `passant privacy
/// audit`: the same rows and encoder as a delivery, with placeholder Datastream ids (the server
/// assigns the real ones when the uplink first connects).
public enum ObservationPreview {
    public static func body(
        _ bins: [CountBin], phenomenonTime: SensorThingsConfiguration.PhenomenonTime
    ) -> String {
        let rows = bins.flatMap(ObservationRow.rows(of:))
        var ids: [StreamKey: EntityID] = [:]
        for row in rows where ids[row.stream] == nil {
            ids[row.stream] = EntityID("Datastream of \(row.stream.description)")
        }
        let groups = CreateObservations.groups(rows, datastreams: ids, suspects: [])
        return String(
            decoding: CreateObservations.body(groups, phenomenonTime: phenomenonTime), as: UTF8.self)
    }
}
