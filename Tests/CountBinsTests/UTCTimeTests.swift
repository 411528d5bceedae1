import CountBins
import Testing

@Suite("UTCTime")
struct UTCTimeTests {
    @Test func formatsWholeSecondsInUTC() {
        #expect(UTCTime.format(0) == "1970-01-01T00:00:00Z")
        #expect(UTCTime.format(1_795_773_600) == "2026-11-27T10:00:00Z")
        #expect(UTCTime.format(951_782_400) == "2000-02-29T00:00:00Z")
    }

    @Test func parsesZuluOffsetsFractionsAndPlainDates() {
        #expect(UTCTime.parseMillis("2026-11-27T10:00:00Z") == 1_795_773_600_000)
        #expect(UTCTime.parseMillis("2026-11-27T11:00:00+01:00") == 1_795_773_600_000)
        #expect(UTCTime.parseMillis("2026-11-27T10:00:00.250Z") == 1_795_773_600_250)
        #expect(UTCTime.parseMillis("2026-11-27") == 1_795_737_600_000)
    }

    @Test func refusesWhatIsNotADateTime() {
        for text in [
            "", "yesterday", "2026-13-01", "2026-11-27T10:00:00", "2026-11-27T25:00:00Z", "2026-11-27T10:00Z",
        ] {
            #expect(UTCTime.parseMillis(text) == nil, "\(text)")
        }
    }

    @Test func formatAndParseRoundTripOverCenturies() {
        var seconds: Int64 = -2_000_000_000
        while seconds < 6_000_000_000 {
            #expect(UTCTime.parseMillis(UTCTime.format(seconds)) == seconds * 1000)
            seconds += 86_400 * 37 + 3_671
        }
    }
}
