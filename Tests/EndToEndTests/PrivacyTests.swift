import CountBins
import Foundation
import Store
import Testing

/// The privacy policy in the real daemon, and `passant privacy audit` on real database files.
@Suite("End to end: privacy", .serialized)
struct PrivacyTests {
    /// 2026-05-04 08:00:00 UTC.
    static let base: Int64 = 1_777_881_600

    static func bin(minute: Int64, _ aToB: Int, _ bToA: Int, flags: BinFlags = []) -> CountBin {
        CountBin(
            key: BinKey(node: "gw-1", sensor: "door", start: base + minute * 60, length: .oneMinute),
            aToB: aToB,
            bToA: bToA, coverage: 1, flags: flags)
    }

    static func config(_ directory: URL, database: String, privacy: String) throws -> String {
        let path = directory.appendingPathComponent("passant.yaml").path
        try """
        site: audit
        node: gw-1
        bin_seconds: 60
        store: {path: \(database)}
        sensors:
          - {name: door, port: /dev/ttyUSB0, labels: {a_to_b: in, b_to_a: out}}
        uplinks:
          - {type: mqtt, name: city-mqtt, host: 127.0.0.1, topic_prefix: city/audit}
          - {type: sensorthings, name: city-sta, url: "http://127.0.0.1:1/v1.1", thing: {longitude: 9.18, latitude: 48.78}}
        \(privacy)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func theAuditShowsTheSchemaTheNewestBinAsSentAndFindsSmallCountsTheMinimumForbids() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("passant.db").path
        let store = try BinStore(path: database)
        try store.save([
            Self.bin(minute: 0, 0, 5, flags: [.suppressed]),
            Self.bin(minute: 1, 2, 9),  // a 2 the policy below forbids
            Self.bin(minute: 2, 4, 3),
        ])
        let config = try Self.config(directory, database: database, privacy: "privacy: {minimum_count: 3}")

        let (status, output, errors) = try await run("passant", ["privacy", "audit", "-c", config, "--json"])
        #expect(status == 1, "\(errors)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(report["verdict"] as? String == "problems")
        #expect(report["bins"] as? Int == 3)
        #expect(report["suppressed"] as? Int == 1)
        #expect(report["small_counts"] as? Int == 1)
        #expect(report["bin_lengths"] as? [String: Int] == ["60": 3])
        let problems = report["problems"] as? [String] ?? []
        #expect(problems.count == 1)
        #expect(problems.first?.contains("1 stored bins hold a count from 1 to 2") == true, "\(problems)")
        let tables = (report["tables"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(tables.contains("bin") && tables.contains("resume_count") && tables.contains("delivery"))
        let policy = report["policy"] as? [String: Any]
        #expect(policy?["minimum_count"] as? Int == 3)

        // The newest bin, exactly as each uplink would send it.
        let sent = report["sent"] as? [[String: String]] ?? []
        #expect(sent.count == 2)
        let mqtt = try #require(sent.first { $0["type"] == "mqtt" })
        #expect(mqtt["destination"] == "city/audit/door/bins")
        #expect(
            mqtt["body"]
                == #"{"schema":1,"site":"audit","bins":[{"key":"gw-1/door/1777881720/60","node":"gw-1","sensor":"door","start":"2026-05-04T08:02:00Z","end":"2026-05-04T08:03:00Z","seconds":60,"a_to_b":4,"b_to_a":3,"counts":{"in":4,"out":3},"coverage":1,"flags":[]}]}"#
        )
        let sta = try #require(sent.first { $0["type"] == "sensorthings" })
        #expect(sta["destination"] == "POST http://127.0.0.1:1/v1.1/CreateObservations")
        let body = sta["body"] ?? ""
        #expect(body.contains(#"["2026-05-04T08:02:00Z/2026-05-04T08:03:00Z","2026-05-04T08:03:00Z",4,"#))
        #expect(body.contains(#""passant_key":"gw-1/door/1777881720/60/b_to_a""#))

        // The same as text for a person.
        let (textStatus, text, _) = try await run("passant", ["privacy", "audit", "-c", config])
        #expect(textStatus == 1)
        #expect(text.contains("  bin: 3 rows"))
        #expect(text.contains("    start INTEGER — bin start, Unix seconds UTC"))
        #expect(text.contains("finest resolution 60 s bins"))
        #expect(text.contains("no column holds a time finer than a minute"))
        #expect(text.contains("Policy: minimum_count 3"))
        #expect(text.contains("city-mqtt (mqtt) → city/audit/door/bins"))
        #expect(text.contains("Verdict: problems (1 problems, 0 warnings)"))
    }

    @Test func theAuditPassesAStoreThatKeepsThePolicyAndWarnsWhenThereIsNone() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("passant.db").path
        try BinStore(path: database).save([
            Self.bin(minute: 0, 0, 4, flags: [.noised, .suppressed]),
            Self.bin(minute: 1, 3, 0, flags: [.noised]),
        ])
        let strict = try Self.config(
            directory, database: database, privacy: "privacy: {minimum_count: 3, noise: {epsilon: 1}}")
        let (status, output, errors) = try await run("passant", ["privacy", "audit", "-c", strict])
        #expect(status == 0, "\(output)\(errors)")
        #expect(output.contains("Verdict: ok\n"))
        #expect(
            output.contains(
                "geometric noise ε = 1.0 per bin and direction (standard deviation 1.36 per count)"))
        #expect(output.contains("Bins: 2 stored, 1 suppressed, 2 noised"))

        let none = try Self.config(directory, database: database, privacy: "")
        let (noneStatus, noneOutput, _) = try await run("passant", ["privacy", "audit", "-c", none])
        #expect(noneStatus == 0)
        #expect(noneOutput.contains("Verdict: warnings"))
        #expect(noneOutput.contains("warning: no privacy policy"))

        // Noise configured but bins stored without it (before the policy was set): a problem.
        let noiseOnly = try Self.config(
            directory, database: database, privacy: "privacy: {noise: {epsilon: 0.5}}")
        try BinStore(path: database).save([Self.bin(minute: 2, 8, 8)])
        let (noiseStatus, noiseOutput, _) = try await run("passant", ["privacy", "audit", "-c", noiseOnly])
        #expect(noiseStatus == 1)
        #expect(noiseOutput.contains("1 stored bins carry no noise although noise is configured"))
    }

    @Test func withMinimumCount3PassantdStoresBinsOf1Or2PeopleAsSuppressedZeros() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let truthPath = directory.appendingPathComponent("truth.jsonl").path
        let database = directory.appendingPathComponent("state/passant.db").path
        let start = "2026-06-01T08:00:00Z"

        // Ten minutes of a quiet street (about 1.5 people a minute each way) at 20× real time.
        let simulator = try Program(
            "passant-sim",
            [
                "--pty", "--scenario", "sparse", "--rate-a-to-b", "90", "--rate-b-to-a", "90", "--speed",
                "20",
                "--duration", "600", "--start", start, "--seed", "23", "--truth", truthPath, "--bin-seconds",
                "60",
            ])
        let ptyLine = try await simulator.line(startingWith: "pty ", within: 20)
        let pty = String(ptyLine.dropFirst(4))
        let config = directory.appendingPathComponent("passant.yaml")
        try """
        site: e2e
        node: gw-e2e
        bin_seconds: 60
        grace_seconds: 5
        store:
          path: \(database)
        sensors:
          - name: door
            port: \(pty)
        privacy:
          minimum_count: 3
        """.write(to: config, atomically: true, encoding: .utf8)

        let daemon = try Program("passantd", ["--config", config.path, "--sensor-epoch", start])
        #expect(try await simulator.exit(within: 90) == 0)
        try await daemon.log(containing: "lost \(pty)", within: 10)
        daemon.signal(SIGTERM)
        #expect(try await daemon.exit(within: 20) == 0)

        let (status, exported, errors) = try await run("passant", ["export", "--db", database])
        #expect(status == 0, "\(errors)")
        let stored = try jsonLines(exported)
        let truth = countsByStart(
            try jsonLines(try String(contentsOfFile: truthPath, encoding: .utf8)), type: "bin")
        #expect(truth.count == 10)
        var suppressedBins = 0
        for (binStart, walked) in truth {
            let bin = try #require(stored.first { $0["start"] as? String == binStart }, "bin \(binStart)")
            func published(_ count: Int) -> Int { (1...2).contains(count) ? 0 : count }
            #expect(bin["a_to_b"] as? Int == published(walked.aToB), "bin \(binStart): walked \(walked)")
            #expect(bin["b_to_a"] as? Int == published(walked.bToA), "bin \(binStart): walked \(walked)")
            let small = (1...2).contains(walked.aToB) || (1...2).contains(walked.bToA)
            let flags = bin["flags"] as? [String] ?? []
            #expect(
                flags.contains("suppressed") == small, "bin \(binStart): walked \(walked), flags \(flags)")
            if small { suppressedBins += 1 }
        }
        // A quiet street: several minutes saw one or two people in a direction.
        #expect(suppressedBins >= 3)
        // No stored bin, full or closed early, holds a 1 or a 2.
        #expect(
            stored.allSatisfy {
                ![1, 2].contains($0["a_to_b"] as? Int) && ![1, 2].contains($0["b_to_a"] as? Int)
            })

        let (auditStatus, audit, auditErrors) = try await run(
            "passant", ["privacy", "audit", "-c", config.path, "--json"])
        #expect(auditStatus == 0, "\(audit)\(auditErrors)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(audit.utf8)) as? [String: Any])
        #expect(report["small_counts"] as? Int == 0)
        #expect((report["suppressed"] as? Int ?? 0) >= suppressedBins)
        // With a sensor epoch no bin is resumed, so no true count is kept.
        #expect(report["resume_counts"] as? Int == 0)
    }

    /// A daemon stopped within a bin and started again within it resumes from the true partial counts
    /// (kept apart, never sent), and the bin is noised once more, as a whole, when it closes for good.
    @Test func aBinClosedEarlyUnderThePolicyIsResumedFromItsTrueCountsWhichAreThenErased() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("passant.db").path
        // The system clock decides the bins here: start early in a minute so both runs fall within it.
        let second = Int(Date().timeIntervalSince1970) % 60
        if second > 15 { try await Task.sleep(for: .seconds(62 - second)) }

        func runDaemon(seconds: Double, expectResume: Bool) async throws -> String {
            let simulator = try Program(
                "passant-sim",
                [
                    "--pty", "--scenario", "sparse", "--rate-a-to-b", "1800", "--rate-b-to-a", "1800",
                    "--speed", "1", "--duration", "300", "--seed", "5",
                ])
            let ptyLine = try await simulator.line(startingWith: "pty ", within: 20)
            let config = directory.appendingPathComponent("passant.yaml")
            try """
            site: e2e
            node: gw-e2e
            bin_seconds: 60
            grace_seconds: 2
            store: {path: \(database)}
            sensors:
              - {name: door, port: \(ptyLine.dropFirst(4))}
            privacy: {minimum_count: 2, noise: {epsilon: 1}}
            """.write(to: config, atomically: true, encoding: .utf8)
            let daemon = try Program("passantd", ["--config", config.path])
            if expectResume { try await daemon.log(containing: "that was closed early", within: 10) }
            try await Task.sleep(for: .seconds(seconds))
            daemon.signal(SIGTERM)
            #expect(try await daemon.exit(within: 20) == 0)
            simulator.signal(SIGTERM)
            _ = try? await simulator.exit(within: 10)
            return daemon.stderr
        }

        let minute = Int64(Date().timeIntervalSince1970) / 60 * 60
        let key = BinKey(node: "gw-e2e", sensor: "door", start: minute, length: .oneMinute)
        _ = try await runDaemon(seconds: 8, expectResume: false)
        let store = try BinStore(path: database)
        let early = try #require(try store.bin(for: key))
        #expect(early.flags.isSuperset(of: [.closedEarly, .noised]), "\(early.flags.names)")
        let truth = try #require(try store.resumeCounts(for: key), "true partial counts kept for the resume")
        #expect(Int64(Date().timeIntervalSince1970) < key.end, "the first run overran its minute")

        // Back within the minute: resumed; this time it runs past the bin's end, so the bin closes for good.
        let waitForEnd = Double(key.end) + 4 - Date().timeIntervalSince1970
        let log = try await runDaemon(seconds: max(1, waitForEnd), expectResume: true)
        #expect(log.contains("resuming the bin from \(UTCTime.format(key.start))"))
        let final = try #require(try store.bin(for: key))
        #expect(!final.flags.contains(.closedEarly) && final.flags.contains(.noised), "\(final.flags.names)")
        // Both runs' healthy time is in the bin: the resume continued the partial bin, not a fresh one.
        #expect(final.coverage > early.coverage)
        #expect(
            try store.resumeCounts(for: key) == nil,
            "true counts erased once the bin is final (were \(truth))")
    }
}
