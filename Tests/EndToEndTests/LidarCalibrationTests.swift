// Calibrating an LD06 while passantd counts it: the live top view, the background learned from the
// daemon's stream, the counting line set by coordinates and by walking it, and passantd taking each
// at once (`reload`) — or saying why it cannot.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension TechnicianSite {
    /// An LD06 simulated on a pty, the sensor `facade`, its empty street already calibrated.
    fileprivate static func lidar(_ simulatorArguments: [String]) async throws -> TechnicianSite {
        let directory = try temporaryDirectory()
        let empty = directory.appendingPathComponent("empty.ld06").path
        let (status, _, errors) = try await run(
            "passant-sim",
            [
                "--protocol", "ld06", "--output", empty, "--fast", "--rate-a-to-b", "0", "--rate-b-to-a", "0",
                "--duration", "25",
            ])
        #expect(status == 0, "\(errors)")
        let site = try await start(["--protocol", "ld06"] + simulatorArguments, in: directory) { pty in
            """
            name: facade
            port: \(pty)
            protocol: ld06
            line: [[0.3, 0], [3.2, 0]]  # straight out from the facade
            region: [[0.2, -2.5], [3.3, -2.5], [3.3, 2.5], [0.2, 2.5]]
            background: \(directory.path)/facade.background
            """
        }
        let (calibrated, said, calibrationErrors) = try await site.passant(
            ["calibrate", "background", "--capture", empty])
        #expect(calibrated == 0, "\(calibrationErrors)")
        #expect(said.contains("passantd is not running; it reads the new calibration when it starts"))
        return site
    }

    fileprivate var background: String { directory.appendingPathComponent("facade.background").path }
}

@Suite("End to end, calibrating an LD06 while passantd counts", .serialized)
struct LidarCalibrationTests {
    @Test func aCaptureShorterThanAskedForIsRefusedAndNothingIsWritten() async throws {
        let directory = try temporaryDirectory()
        let capture = directory.appendingPathComponent("short.ld06").path
        let output = directory.appendingPathComponent("short.background").path
        let (made, _, simulatorErrors) = try await run(
            "passant-sim",
            [
                "--protocol", "ld06", "--output", capture, "--fast", "--rate-a-to-b", "0", "--rate-b-to-a",
                "0",
                "--duration", "3",
            ])
        #expect(made == 0, "\(simulatorErrors)")
        let learn = ["calibrate", "background", "--capture", capture, "--output", output, "--seconds"]
        let (refused, _, errors) = try await run("passant", learn + ["10"])
        #expect(refused != 0)
        #expect(errors.contains("the capture holds only 30 turns, less than 10 s"), "\(errors)")
        #expect(errors.contains("record longer or pass a smaller --seconds"), "\(errors)")
        #expect(!FileManager.default.fileExists(atPath: output))
        let (learned, said, learnErrors) = try await run("passant", learn + ["2"])
        #expect(learned == 0, "\(learnErrors)")
        #expect(said.contains("learned 20 turns"), "\(said)")
        #expect(FileManager.default.fileExists(atPath: output))
    }

    @Test func walkingTheLineProposesItAndPassantdTakesItAtOnce() async throws {
        // The technician walks from (0.5, 0.4) to (3.0, 0.6), 8 s after passantd starts reading.
        var site = try await TechnicianSite.lidar([
            "--rate-a-to-b", "0", "--rate-b-to-a", "0", "--walk-line", "0.5,0.4:3.0,0.6", "--walk-line-at",
            "8",
            "--duration", "120",
        ])
        try await site.startDaemon()

        let (status, text, errors) = try await site.passant([
            "calibrate", "line", "--walk", "--yes", "--seconds", "40",
        ])
        #expect(status == 0, "\(text)\n\(errors)")
        #expect(text.contains("through passantd"))
        let proposed = try #require(text.split(separator: "\n").first { $0.hasPrefix("line: ") })
        let numbers = proposed.split(whereSeparator: { "[], :".contains($0) }).compactMap { Double($0) }
        try #require(numbers.count == 4, "\(proposed)")
        func distance(_ x: Double, _ y: Double, _ tx: Double, _ ty: Double) -> Double {
            ((x - tx) * (x - tx) + (y - ty) * (y - ty)).squareRoot()
        }
        // The walked ends, give or take the allowance for a body's depth.
        #expect(distance(numbers[0], numbers[1], 0.5, 0.4) < 0.35, "\(proposed)")
        #expect(distance(numbers[2], numbers[3], 3.0, 0.6) < 0.35, "\(proposed)")
        #expect(text.contains("passantd: facade: new calibration applied"))
        let written = try String(contentsOf: site.config, encoding: .utf8)
        #expect(
            written.contains(String(proposed.dropFirst("line: ".count)) + "  # straight out from the facade"))
        try await site.daemon?.log(containing: "new calibration applied", within: 5)

        // An operator's own edit, then `systemctl reload passantd` (SIGHUP).
        try written.replacingOccurrences(of: "[3.3, 2.5], [0.2, 2.5]]", with: "[3.3, 2.0], [0.2, 2.0]]")
            .write(to: site.config, atomically: true, encoding: .utf8)
        site.daemon?.signal(SIGHUP)
        try await site.daemon?.log(containing: "facade: new calibration applied", within: 10)
        try await site.stop()
    }

    @Test func theTopViewTheBackgroundAndTheLineAreSetWhilePassantdCounts() async throws {
        var site = try await TechnicianSite.lidar([
            "--scenario", "sparse", "--rate-a-to-b", "900", "--rate-b-to-a", "900", "--duration", "600",
        ])
        try await site.startDaemon()

        // The top view: the sensor, the line, the region and people, in 80 columns.
        let (watched, view, watchErrors) = try await site.passant(["monitor", "--duration", "8"])
        #expect(watched == 0, "\(watchErrors)")
        #expect(view.contains("people tracked"))
        #expect(view.contains("S sensor  = counting line"))
        #expect(view.contains("="))
        #expect(view.contains("@"))
        let picture = view.split(separator: "\n").filter { $0.hasPrefix("  |") || $0.hasPrefix("  +") }
        #expect(picture.count >= 10 && picture.count % 10 == 0, "a frame is 8 rows and two borders")
        #expect(picture.allSatisfy { $0.count <= 80 })

        // The background, from passantd's own stream while it keeps the port.
        let (learned, learnedText, learnErrors) = try await site.passant([
            "calibrate", "background", "--seconds", "5",
        ])
        #expect(learned == 0, "\(learnErrors)")
        #expect(learnedText.contains("learned from passantd's stream of facade"))
        #expect(learnedText.contains("wrote \(site.background)"))
        #expect(learnedText.contains("passantd: facade: new calibration applied"))

        // A line by coordinates; the same again changes nothing.
        let arguments = ["calibrate", "line", "--from=0.3,0.2", "--to=3.2,0.2", "--yes"]
        let (set, setText, setErrors) = try await site.passant(arguments)
        #expect(set == 0, "\(setErrors)")
        #expect(setText.contains("line: [[0.30, 0.20], [3.20, 0.20]]"))
        #expect(setText.contains("passantd: facade: new calibration applied"))
        let (_, again, _) = try await site.passant(arguments)
        #expect(again.contains("passantd: facade: calibration unchanged"))

        // What a reload cannot change is named, and the daemon keeps counting as before.
        let text = try String(contentsOf: site.config, encoding: .utf8)
        try text.replacingOccurrences(of: "bin_seconds: 60", with: "bin_seconds: 300")
            .write(to: site.config, atomically: true, encoding: .utf8)
        let (_, refused, _) = try await site.passant([
            "calibrate", "line", "--from=0.3,0.1", "--to=3.2,0.1", "--yes",
        ])
        #expect(
            refused.contains(
                "facade: the bins (bin_seconds, node or grace) changed; restart passantd to apply that"))
        let (statusCode, status, _) = try await site.passant(["status"])
        #expect(statusCode == 0)
        #expect(status.contains("facade") && status.contains("UP"))
        try await site.stop()
    }
}
