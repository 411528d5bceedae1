// The JSON a receiver gets: one message per sensor and batch, holding an array of bins. Written by
// hand rather than with JSONEncoder: the field order stays fixed (easy to read in a log) and the
// drain of a month's backlog does not pay for reflection.

import CountBins
import PassantConfig

/// Encodes bins as the MQTT uplink's JSON payload.
///
/// ```json
/// {"schema":1,"site":"marktplatz","bins":[{"key":"gw-1/door/1777881600/60","node":"gw-1",
///  "sensor":"door","start":"2026-05-04T08:00:00Z","end":"2026-05-04T08:01:00Z","seconds":60,
///  "a_to_b":3,"b_to_a":1,"counts":{"inbound":3,"outbound":1},"coverage":1,"flags":[]}]}
/// ```
///
/// A LiDAR sensor that tells fast movers (cyclists, scooters) apart adds them after `counts`, never
/// inside the pedestrian counts: `"fast_movers":{"a_to_b":2,"b_to_a":0}`; other sensors leave it out.
///
/// Every bin is complete on its own (key, node, sensor, times), so a receiver may split the array.
/// `counts` repeats `a_to_b`/`b_to_a` under the site's direction labels: the labels are what the
/// city reads, the fixed names what a program can rely on when a label is renamed.
public enum BinMessage {
    /// The payload's format version; a receiver checks it before reading on.
    public static let schema = 1

    /// The payload for `bins` (one sensor's, oldest first) at `site`.
    public static func encode(_ bins: some Collection<CountBin>, site: String, labels: DirectionLabels)
        -> [UInt8]
    {
        var json = ""
        json.reserveCapacity(40 + bins.count * 320)
        json += "{\"schema\":\(schema),\"site\":"
        JSONText.append(site, to: &json)
        json += ",\"bins\":["
        var first = true
        for bin in bins {
            if !first { json += "," }
            first = false
            appendBin(bin, labels: labels, to: &json)
        }
        json += "]}"
        return Array(json.utf8)
    }

    private static func appendBin(_ bin: CountBin, labels: DirectionLabels, to json: inout String) {
        json += "{\"key\":"
        JSONText.append(bin.key.description, to: &json)
        json += ",\"node\":"
        JSONText.append(bin.key.node, to: &json)
        json += ",\"sensor\":"
        JSONText.append(bin.key.sensor, to: &json)
        json += ",\"start\":\""
        json += UTCTime.format(bin.key.start)
        json += "\",\"end\":\""
        json += UTCTime.format(bin.key.end)
        json +=
            "\",\"seconds\":\(bin.key.length.seconds),\"a_to_b\":\(bin.aToB),\"b_to_a\":\(bin.bToA),\"counts\":{"
        JSONText.append(labels.aToB, to: &json)
        json += ":\(bin.aToB),"
        JSONText.append(labels.bToA, to: &json)
        json += ":\(bin.bToA)}"
        if let fast = bin.fastMovers {
            json += ",\"fast_movers\":{\"a_to_b\":\(fast.aToB),\"b_to_a\":\(fast.bToA)}"
        }
        json += ",\"coverage\":"
        json += number(bin.coverage)
        json += ",\"flags\":["
        var first = true
        for name in bin.flags.names {
            if !first { json += "," }
            first = false
            JSONText.append(name, to: &json)
        }
        json += "]}"
    }

    /// The payload for gap records (one sensor's): bins the gateway's store had to drop before
    /// this uplink confirmed them, so a missing stretch is explained, not silent.
    ///
    /// ```json
    /// {"schema":1,"site":"marktplatz","gaps":[{"key":"gw-1/door/1777881600-1777885200/60",
    ///  "node":"gw-1","sensor":"door","start":"2026-05-04T08:00:00Z","end":"2026-05-04T09:00:00Z",
    ///  "seconds":60,"dropped_bins":57}]}
    /// ```
    ///
    /// A gap with the same key may come again with a larger `dropped_bins`: the latest replaces it.
    public static func encode(gaps: some Collection<DroppedRange>, site: String) -> [UInt8] {
        var json = "{\"schema\":\(schema),\"site\":"
        JSONText.append(site, to: &json)
        json += ",\"gaps\":["
        var first = true
        for gap in gaps {
            if !first { json += "," }
            first = false
            json += "{\"key\":"
            JSONText.append(gap.key, to: &json)
            json += ",\"node\":"
            JSONText.append(gap.node, to: &json)
            json += ",\"sensor\":"
            JSONText.append(gap.sensor, to: &json)
            json += ",\"start\":\"" + UTCTime.format(gap.start) + "\",\"end\":\"" + UTCTime.format(gap.end)
            json += "\",\"seconds\":\(gap.length.seconds),\"dropped_bins\":\(gap.bins)}"
        }
        json += "]}"
        return Array(json.utf8)
    }

    /// The shortest text that reads back as the same `Double` (`1`, `0.5`); JSON has no NaN.
    private static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
