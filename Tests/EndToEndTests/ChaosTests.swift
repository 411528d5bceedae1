// The short version of `scripts/chaos`: passantd killed with SIGKILL five times at random moments while
// a simulated node counts, a real Mosquitto and a real SensorThings server receive (each restarted
// once), then every closed bin must be at both receivers exactly once with its stored values, counts
// untouched by the kills must equal a kill-free replay, and the store's integrity check must say `ok`
// after every kill. The long run (`scripts/chaos`, 200 kills) gives the figure.

import Foundation
import TestSupport
import Testing

@Suite("End to end, chaos", .serialized)
struct ChaosTests {
    @Test(.enabled(if: Repository.serverTestsEnabled, Comment(rawValue: Repository.skipMessage)))
    func fiveKillsLoseNothingAndDuplicateNothing() async throws {
        let process = try system(
            "/usr/bin/python3",
            [
                repositoryRoot + "/scripts/field/chaos.py", "5", "--bin", binaries.path, "--max-run", "2.5",
                "--margin", "8", "--restart-every", "3",
            ])
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        print(text)
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("kills survived with zero lost and zero duplicated bins: 5 of 5"), "\(text)")
        #expect(text.contains("MQTT: lost 0, stray 0, with other values 0"), "\(text)")
        #expect(text.contains("SensorThings: lost 0, duplicated 0, with other values 0, stray 0"), "\(text)")
        #expect(text.contains("integrity_check failures: 0"), "\(text)")
        let bins = text.split(separator: "\n").first { $0.hasPrefix("bins closed in the store: ") }
            .flatMap { Int($0.dropFirst("bins closed in the store: ".count).prefix { $0.isNumber }) } ?? 0
        #expect(bins >= 5, "too few bins to say anything: \(text)")
    }
}
