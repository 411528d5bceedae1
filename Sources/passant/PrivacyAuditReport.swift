import CountBins
import Foundation
import MQTTUplink
import PassantConfig
import SensorThingsUplink
import Store

/// The findings of `passant privacy audit`: what is stored, what would be sent, the policy, and what
/// is wrong. Built from the store's own description of itself, so nothing here can go stale silently:
/// a table or column this audit does not know is itself a problem to look at.
struct PrivacyAuditReport {
    let database: String
    let inventory: StoreInventory
    let configuration: PassantConfig.Configuration?
    /// Breaks of the policy or of passant's promises: exit status 1.
    private(set) var problems: [String] = []
    /// Worth a look, but not a break.
    private(set) var warnings: [String] = []
    /// Per uplink: what it would send for the newest bin.
    private(set) var examples: [Example] = []

    struct Example {
        var uplink: String
        var kind: String
        var destination: String
        var body: String
    }

    /// What each column passant writes holds. A column not listed here is reported as a problem
    /// until someone has looked at it and described it.
    static let meanings: [String: String] = [
        "bin.id": "row number",
        "bin.node": "gateway id (config node)",
        "bin.sensor": "sensor name (config)",
        "bin.start": "bin start, Unix seconds UTC, a multiple of the bin length",
        "bin.seconds": "bin length",
        "bin.a_to_b": "count A→B as published (after the policy)",
        "bin.b_to_a": "count B→A as published (after the policy)",
        "bin.coverage": "fraction of the bin with a healthy sensor",
        "bin.flags": "quality and policy flags",
        "bin.fast_a_to_b": "fast movers (cyclists, scooters) A→B as published; NULL when not told apart",
        "bin.fast_b_to_a": "fast movers (cyclists, scooters) B→A as published; NULL when not told apart",
        "delivery.bin_id": "bin row",
        "delivery.uplink": "uplink name (config)",
        "delivery.state": "delivered",
        "dropped_range.id": "row number",
        "dropped_range.node": "gateway id",
        "dropped_range.sensor": "sensor name",
        "dropped_range.start": "start of the first dropped bin, Unix seconds UTC",
        "dropped_range.until": "end of the last dropped bin, Unix seconds UTC",
        "dropped_range.seconds": "bin length",
        "dropped_range.bins": "number of bins dropped",
        "dropped_range_delivery.dropped_range_id": "gap row",
        "dropped_range_delivery.uplink": "uplink name",
        "dropped_range_delivery.state": "delivered",
        "resume_count.bin_id": "bin row (a bin closed early)",
        "resume_count.a_to_b": "TRUE count A→B of a bin closed early, kept only to resume it; never sent",
        "resume_count.b_to_a": "TRUE count B→A of a bin closed early, kept only to resume it; never sent",
        "resume_count.fast_a_to_b": "TRUE fast movers A→B of a bin closed early, kept only to resume it; never sent",
        "resume_count.fast_b_to_a": "TRUE fast movers B→A of a bin closed early, kept only to resume it; never sent",
        "held_bin.id": "row number",
        "held_bin.boot_id": "the boot a held bin was counted in (random, new at every boot)",
        "held_bin.boot_start": "held bin start on that boot's clock, seconds since boot, a whole bin",
        "held_bin.node": "gateway id",
        "held_bin.sensor": "sensor name",
        "held_bin.start": "held bin start on the unsynchronised clock, Unix seconds, a multiple of the bin length",
        "held_bin.seconds": "bin length",
        "held_bin.a_to_b": "TRUE count A→B of a bin waiting for the clock; the policy is applied when it becomes a bin; never sent",
        "held_bin.b_to_a": "TRUE count B→A of a bin waiting for the clock; the policy is applied when it becomes a bin; never sent",
        "held_bin.coverage": "fraction of the held bin with a healthy sensor",
        "held_bin.flags": "quality flags of the held bin",
        "held_bin.fast_a_to_b": "TRUE fast movers A→B of a bin waiting for the clock; NULL when not told apart; never sent",
        "held_bin.fast_b_to_a": "TRUE fast movers B→A of a bin waiting for the clock; NULL when not told apart; never sent",
        "grdb_migrations.identifier": "schema migrations applied",
    ]

    init(database: String, inventory: StoreInventory, configuration: PassantConfig.Configuration?) {
        self.database = database
        self.inventory = inventory
        self.configuration = configuration
        check()
        if let bin = inventory.newestBin, let configuration {
            examples = Self.sentExamples(bin, configuration)
        }
    }

    private var policy: PrivacyPolicy? { configuration?.privacy }

    private mutating func check() {
        for table in inventory.tables {
            for column in table.columns {
                let name = "\(table.name).\(column.name)"
                if Self.meanings[name] == nil {
                    problems.append(
                        "column \(name) (\(column.type)) is not known to this audit: check what it holds (it may identify people or time them) and describe it in PrivacyAuditReport.meanings"
                    )
                }
                if let off = column.offMinuteValues, off > 0 {
                    problems.append(
                        "column \(name) holds \(off) values that are not whole minutes: a time finer than a bin is stored"
                    )
                }
            }
        }
        guard let policy else {
            warnings.append("no configuration read: the policy in force is unknown (give --config)")
            return
        }
        if !policy.isActive {
            warnings.append(
                "no privacy policy: bins are stored and sent as counted; a count of 1 on a quiet street can single out a person (set privacy.minimum_count and/or privacy.noise, see PRIVACY.md)"
            )
        }
        if policy.minimumCount > 1, inventory.smallCountBins > 0 {
            problems.append(
                "\(inventory.smallCountBins) stored bins hold a count from 1 to \(policy.minimumCount - 1) although minimum_count is \(policy.minimumCount) (stored before the policy was set, or by another program)"
            )
        }
        if policy.epsilon != nil, inventory.noisedBins < inventory.bins {
            problems.append(
                "\(inventory.bins - inventory.noisedBins) stored bins carry no noise although noise is configured (stored before the policy was set?)"
            )
        }
        if inventory.heldBins > 0 {
            warnings.append(
                "\(inventory.heldBins) bins are held waiting for the system clock, with their true counts (never sent); they become ordinary bins, with the policy applied, once the clock is synchronised or at passantd's first start after a reboot"
            )
        }
        if inventory.staleResumeCounts > 0 {
            warnings.append(
                "\(inventory.staleResumeCounts) true counts of closed-early bins are kept past their bin's end (passantd was stopped within a bin and has not started since); passantd erases them at its next start"
            )
        }
    }

    private static func sentExamples(_ bin: CountBin, _ configuration: PassantConfig.Configuration)
        -> [Example]
    {
        let labels = configuration.sensors.first { $0.name == bin.key.sensor }?.labels ?? DirectionLabels()
        return configuration.uplinks.map { uplink in
            switch uplink {
            case .mqtt(let mqtt):
                // The topic as MQTTUplink.binsTopic builds it.
                let prefix = mqtt.topicPrefix ?? "passant/\(configuration.site)"
                let payload = BinMessage.encode([bin], site: configuration.site, labels: labels)
                return Example(
                    uplink: mqtt.name, kind: "mqtt", destination: "\(prefix)/\(bin.key.sensor)/bins",
                    body: String(decoding: payload, as: UTF8.self))
            case .sensorThings(let sta):
                return Example(
                    uplink: sta.name, kind: "sensorthings", destination: "POST \(sta.url)/CreateObservations",
                    body: ObservationPreview.body([bin], phenomenonTime: sta.phenomenonTime))
            }
        }
    }

    var verdict: String {
        if !problems.isEmpty { return "problems" }
        return warnings.isEmpty ? "ok" : "warnings"
    }

    // MARK: - Output

    func text() -> String {
        var out =
            "passant privacy audit of \(database)\n\nStored (tables and columns as SQLite describes them):\n"
        for table in inventory.tables {
            out += "  \(table.name): \(table.rows) rows\n"
            for column in table.columns {
                let name = "\(table.name).\(column.name)"
                var line = "    \(column.name) \(column.type)"
                line += " — " + (Self.meanings[name] ?? "UNKNOWN")
                if let off = column.offMinuteValues {
                    line +=
                        off == 0
                        ? " [time: whole minutes only]" : " [time: \(off) values finer than a minute]"
                }
                out += line + "\n"
            }
        }
        out += "\nTime: " + timeSummary + "\n"
        out +=
            "Bins: \(inventory.bins) stored, \(inventory.suppressedBins) suppressed, \(inventory.noisedBins) noised, \(inventory.closedEarlyBins) closed early"
        if let policy, policy.minimumCount > 1 {
            out += ", \(inventory.smallCountBins) with a count from 1 to \(policy.minimumCount - 1)"
        }
        out += "\nTrue counts kept for resuming closed-early bins: \(inventory.resumeCounts)"
        if inventory.staleResumeCounts > 0 { out += " (\(inventory.staleResumeCounts) past their bin)" }
        out += "\nBins held waiting for the system clock (true counts, never sent; the policy is applied when they become bins): \(inventory.heldBins)"
        out += "\n\nPolicy: " + policySummary + "\n"

        out += "\nWould be sent for the newest bin"
        if let bin = inventory.newestBin {
            out += " (\(bin.key.description), \(UTCTime.format(bin.key.start)))"
            if let truth = inventory.newestResumeCounts {
                out += "; its true partial counts \(truth.aToB)/\(truth.bToA) stay on the gateway"
            }
            out += ":\n"
            if configuration == nil { out += "  (no configuration read: uplinks unknown)\n" }
            if configuration?.uplinks.isEmpty == true { out += "  nothing: no uplink is configured\n" }
            for example in examples {
                out += "  \(example.uplink) (\(example.kind)) → \(example.destination)\n    \(example.body)\n"
            }
        } else {
            out += ": nothing, the store holds no bin\n"
        }
        out += "\nVerdict: \(verdict)"
        out +=
            problems.isEmpty && warnings.isEmpty
            ? "\n" : " (\(problems.count) problems, \(warnings.count) warnings)\n"
        for problem in problems { out += "  problem: \(problem)\n" }
        for warning in warnings { out += "  warning: \(warning)\n" }
        return out
    }

    private var timeSummary: String {
        let lengths = inventory.binLengths.keys.sorted()
        var text =
            lengths.isEmpty
            ? "no bins"
            : "finest resolution \(lengths[0]) s bins; lengths present: "
                + lengths.map { "\($0) s (\(inventory.binLengths[$0]!) bins)" }.joined(separator: ", ")
        let fine = inventory.tables.flatMap { table in
            table.columns.filter { ($0.offMinuteValues ?? 0) > 0 }.map { "\(table.name).\($0.name)" }
        }
        text +=
            fine.isEmpty
            ? "; no column holds a time finer than a minute"
            : "; FINER TIMES in " + fine.joined(separator: ", ")
        return text
    }

    private var policySummary: String {
        guard let policy else { return "unknown (no configuration read)" }
        if !policy.isActive { return "none (minimum_count 1, no noise)" }
        var parts: [String] = []
        parts.append(
            policy.minimumCount > 1
                ? "minimum_count \(policy.minimumCount) (counts 1…\(policy.minimumCount - 1) published as 0, flagged suppressed)"
                : "no suppression")
        if let epsilon = policy.epsilon, let variance = policy.noiseVariance {
            parts.append(
                "geometric noise ε = \(epsilon) per bin and direction (standard deviation \(String(format: "%.2f", variance.squareRoot())) per count)"
            )
        } else {
            parts.append("no noise (suppression alone is not differential privacy)")
        }
        return parts.joined(separator: "; ")
    }

    func json() -> String {
        var object: [String: Any] = [
            "database": database,
            "tables": inventory.tables.map { table in
                [
                    "name": table.name, "rows": table.rows,
                    "columns": table.columns.map { column in
                        var entry: [String: Any] = [
                            "name": column.name, "type": column.type,
                            "meaning": orNull(Self.meanings["\(table.name).\(column.name)"]),
                        ]
                        if let off = column.offMinuteValues { entry["finer_than_a_minute"] = off }
                        return entry
                    },
                ] as [String: Any]
            },
            "bin_lengths": Dictionary(
                uniqueKeysWithValues: inventory.binLengths.map { (String($0.key), $0.value) }),
            "bins": inventory.bins, "suppressed": inventory.suppressedBins, "noised": inventory.noisedBins,
            "closed_early": inventory.closedEarlyBins, "small_counts": inventory.smallCountBins,
            "resume_counts": inventory.resumeCounts, "stale_resume_counts": inventory.staleResumeCounts,
            "held_bins": inventory.heldBins,
            "sent": examples.map {
                ["uplink": $0.uplink, "type": $0.kind, "destination": $0.destination, "body": $0.body]
            },
            "newest_bin": orNull(inventory.newestBin?.key.description),
            "problems": problems, "warnings": warnings, "verdict": verdict,
        ]
        if let policy {
            object["policy"] =
                [
                    "minimum_count": policy.minimumCount, "epsilon": orNull(policy.epsilon),
                    "noise_variance": orNull(policy.noiseVariance),
                ] as [String: Any]
        } else {
            object["policy"] = NSNull()
        }
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

/// A value for JSONSerialization: the value, or JSON null.
private func orNull(_ value: Any?) -> Any { value ?? NSNull() }
