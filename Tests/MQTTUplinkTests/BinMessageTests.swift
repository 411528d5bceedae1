import CountBins
import Foundation
import PassantConfig
import Testing

@testable import MQTTUplink

@Suite("MQTT payload")
struct BinMessageTests {
    let bin = CountBin(
        key: BinKey(node: "gw-1", sensor: "door", start: 1_777_881_600, length: .oneMinute),
        aToB: 3, bToA: 1, coverage: 1, flags: [])

    @Test func aBinCarriesKeyTimesCountsUnderBothNamesCoverageAndFlags() {
        let payload = BinMessage.encode(
            [bin], site: "marktplatz", labels: DirectionLabels(aToB: "inbound", bToA: "outbound"))
        #expect(
            String(decoding: payload, as: UTF8.self)
                == #"{"schema":1,"site":"marktplatz","bins":[{"key":"gw-1/door/1777881600/60","node":"gw-1","sensor":"door","start":"2026-05-04T08:00:00Z","end":"2026-05-04T08:01:00Z","seconds":60,"a_to_b":3,"b_to_a":1,"counts":{"inbound":3,"outbound":1},"coverage":1,"flags":[]}]}"#
        )
    }

    @Test func flagsAreNamedAndCoverageReadsBackExactly() throws {
        var partial = bin
        partial.coverage = 0.9833333333333333
        partial.flags = [.linkDown, .clockUnsynchronised]
        let payload = BinMessage.encode([partial], site: "s", labels: DirectionLabels())
        #expect(
            String(decoding: payload, as: UTF8.self).contains(
                #""flags":["link-down","clock-unsynchronised"]"#))
        #expect(try decodeBins(payload) == [partial])
    }

    @Test func fastMoversTravelApartFromThePedestrianCountsAndOnlyWhenToldApart() throws {
        var lidar = bin
        lidar.fastMovers = FastMovers(aToB: 2, bToA: 0)
        let text = String(decoding: BinMessage.encode([lidar], site: "s", labels: DirectionLabels()), as: UTF8.self)
        #expect(text.contains(#""counts":{"a_to_b":3,"b_to_a":1},"fast_movers":{"a_to_b":2,"b_to_a":0},"coverage""#))
        #expect(try decodeBins(Array(text.utf8)) == [lidar])
        let beams = String(decoding: BinMessage.encode([bin], site: "s", labels: DirectionLabels()), as: UTF8.self)
        #expect(!beams.contains("fast_movers"))
    }

    @Test func labelsAreEscapedAsJSONStrings() throws {
        let payload = BinMessage.encode(
            [bin], site: "s", labels: DirectionLabels(aToB: "zum \"Markt\"", bToA: "back\\slash"))
        let object = try JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any]
        let first = (object?["bins"] as? [[String: Any]])?.first
        let counts = first?["counts"] as? [String: Int]
        #expect(counts == ["zum \"Markt\"": 3, "back\\slash": 1])
    }

    @Test func aBinCostsAboutThreeHundredBytes() {
        let bins = makeBins(count: 100)
        let payload = BinMessage.encode(
            bins, site: "marktplatz", labels: DirectionLabels(aToB: "inbound", bToA: "outbound"))
        #expect(payload.count / bins.count < 300)
    }
}
