// The request bodies and replies, without a server.

import CountBins
import Testing

@testable import SensorThingsUplink

@Suite("SensorThings wire format")
struct WireFormatTests {
    let bin = CountBin(
        key: BinKey(node: "gw-1", sensor: "door", start: 1_795_737_600, length: .oneMinute), aToB: 3, bToA: 0,
        coverage: 0.75, flags: [.linkDown])

    @Test func aRowCarriesTheKeyCoverageAndFlagsInParameters() {
        let row = ObservationRow(bin: bin, direction: .aToB)
        #expect(
            row.dataArrayRow(.interval)
                == #"["2026-11-27T00:00:00Z/2026-11-27T00:01:00Z","2026-11-27T00:01:00Z",3,{"passant_key":"gw-1/door/1795737600/60/a_to_b","coverage":0.75,"flags":["link-down"]}]"#
        )
        #expect(
            ObservationRow(bin: bin, direction: .bToA).dataArrayRow(.start).hasPrefix(
                #"["2026-11-27T00:00:00Z","#))
    }

    @Test func rowsOfOneDatastreamShareAGroupUnlessUnderSuspicion() throws {
        let a = EntityID("a")!
        let b = EntityID("b")!
        let rows = [bin].flatMap { bin in Direction.allCases.map { ObservationRow(bin: bin, direction: $0) } }
        var later = bin
        later.key.start += 60
        let more = Direction.allCases.map { ObservationRow(bin: later, direction: $0) }
        let streams = [rows[0].stream: a, rows[1].stream: b]
        let groups = CreateObservations.groups(rows + more, datastreams: streams, suspects: [more[0].key])
        #expect(groups.map(\.datastreamID) == [a, b, a])
        #expect(groups.map(\.rows.count) == [1, 2, 1])
        let body = String(decoding: CreateObservations.body(groups, phenomenonTime: .start), as: UTF8.self)
        #expect(
            body.hasPrefix(
                #"[{"Datastream":{"@iot.id":"a"},"components":["phenomenonTime","resultTime","result","parameters"],"dataArray":[["#
            ))
    }

    @Test func errorEntriesInA201ReplyAreRefusedRows() {
        let reply: [Any] = ["error", "http://x/Observations('1')", "error"]
        #expect(CreateObservations.outcomes(reply: reply, rowCount: 3) == [false, true, false])
        #expect(CreateObservations.outcomes(reply: reply, rowCount: 4) == nil)
        #expect(CreateObservations.outcomes(reply: ["value": 1], rowCount: 1) == nil)
    }

    @Test func idsAreReadFromLocationHeadersQuotedOrNot() {
        #expect(EntityID(location: "http://h/v1.1/Things('01a2-x')") == EntityID("01a2-x"))
        #expect(EntityID(location: "http://h/v1.1/Things(42)")?.path == "(42)")
        #expect(EntityID("01a2-x")?.path == "('01a2-x')")
        #expect(EntityID(location: "http://h/v1.1/Things") == nil)
    }

    @Test func queryValuesArePercentEncoded() {
        #expect(
            URLQuery.encode([("$filter", "parameters/passant_key eq 'a/b'")])
                == "?%24filter=parameters%2Fpassant_key%20eq%20%27a%2Fb%27")
        #expect(OData.literal("it's") == "'it''s'")
    }
}
