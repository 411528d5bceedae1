import Control
import Foundation

/// `passant status` for a terminal: fits 80 columns, readable over SSH on a phone.
enum StatusText {
    static func render(_ report: StatusReport, running: Bool = true) -> String {
        var text = ""
        if running {
            text +=
                "passantd \(report.version) · site \(report.site) · node \(report.node) · up \(duration(report.uptimeSeconds)) · \(report.binSeconds) s bins\n"
            text += "\nSENSORS\n"
            for sensor in report.sensors {
                let coverage = sensor.coverage.map { "\(Int(($0 * 100).rounded())) %" } ?? "–"
                text +=
                    "  \(pad(sensor.name, 10)) \(pad(sensor.protocol, 6)) \(pad(sensor.link.uppercased(), 8)) \(sensor.port)\n"
                text +=
                    "  \(pad("", 10)) \(String(format: "%.1f", sensor.framesPerSecond)) frames/s · rejected \(sensor.rejectedFrames) · lost \(sensor.lostFrames) · coverage \(coverage)\(sensor.crossings.map { " · \($0) counted" } ?? "")\(sensor.fastMovers.map { " · \($0) fast movers apart" } ?? "")\n"
                if let identity = sensor.identity { text += "  \(pad("", 10)) \(identity)\n" }
                if sensor.degraded {
                    text += "  \(pad("", 10)) DEGRADED: a beam or channel is blocked or faulty\n"
                }
                if sensor.binsWaiting > 0 {
                    text += "  \(pad("", 10)) \(sensor.binsWaiting) bins waiting for the store\n"
                }
                if let error = sensor.lastError { text += "  \(pad("", 10)) ! \(error)\n" }
            }
        }
        if !report.uplinks.isEmpty {
            text += "\nUPLINKS\n"
            for uplink in report.uplinks {
                let queue = uplink.queue.map(String.init) ?? "?"
                var line = "  \(pad(uplink.name, 16)) queue \(pad(queue, 6))"
                if let last = uplink.lastDelivery { line += " last delivery \(ago(last))" }
                if let newest = uplink.newestDeliveredBin { line += " · newest bin \(newest)" }
                text += line + "\n"
                if let error = uplink.lastError { text += "  \(pad("", 16)) ! \(error)\n" }
            }
        }
        let size = report.store.bytes.map(megabytes) ?? "?"
        text += "\nSTORE  \(report.store.path)  \(size) of \(megabytes(report.store.maxBytes))\n"
        if let held = report.store.heldBins, held > 0 {
            text += "  \(held) bins held waiting for the system clock to be synchronised (flagged clock-unsynchronised; not sent yet)\n"
        }
        text += "\nTODAY (\(TimeZone.current.identifier), hour by hour from midnight)\n"
        for day in report.today {
            let totals = day.totals
            text +=
                "  \(pad(day.sensor, 10)) \(sparkline(day.hours.map { $0[0] + $0[1] }))  \(day.labels[0]) \(totals[0]) · \(day.labels[1]) \(totals[1])\n"
        }
        return text
    }

    /// One character per hour, ▁ to █ relative to the busiest hour; a space for none.
    static func sparkline(_ values: [Int]) -> String {
        let blocks = Array("▁▂▃▄▅▆▇█")
        let top = values.max() ?? 0
        return String(
            values.map { value in
                guard value > 0, top > 0 else { return " " }
                return blocks[min(blocks.count - 1, (value * blocks.count - 1) / top)]
            })
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func duration(_ seconds: Int) -> String {
        if seconds < 60 { return "\(seconds) s" }
        if seconds < 3600 { return "\(seconds / 60) min" }
        if seconds < 86_400 { return "\(seconds / 3600) h \(seconds % 3600 / 60) min" }
        return "\(seconds / 86_400) d \(seconds % 86_400 / 3600) h"
    }

    static func ago(_ iso: String) -> String {
        let formatter = ISO8601DateFormatter()
        guard let date = formatter.date(from: iso) else { return iso }
        return duration(max(0, Int(Date().timeIntervalSince(date)))) + " ago"
    }

    static func megabytes(_ bytes: Int64) -> String {
        String(format: "%.1f MB", Double(bytes) / 1_048_576)
    }
}
