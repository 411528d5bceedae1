// passant-sim end to end: the program writes exactly the library's bytes, serves a pty reader, and stops
// cleanly on SIGINT with the truth written.

import Foundation
import PassantSimulator
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite(.serialized) struct CommandLineTests {
    /// The built `passant-sim`, next to the test bundle.
    private static var executable: URL {
        get throws {
            var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            while directory.path != "/" {
                let candidate = directory.appendingPathComponent("passant-sim")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
                directory.deleteLastPathComponent()
            }
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "passant-sim not built"])
        }
    }

    private func temporaryPath(_ name: String) -> String {
        NSTemporaryDirectory() + "passant-sim-test-\(getpid())-\(name)"
    }

    private func launch(_ arguments: [String]) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = try Self.executable
        process.arguments = arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        return (process, output, error)
    }

    @Test func captureFileHoldsExactlyTheLibrarysBytesAndTheTruth() throws {
        let capture = temporaryPath("capture.pcnt")
        let truthPath = temporaryPath("truth.jsonl")
        defer {
            try? FileManager.default.removeItem(atPath: capture)
            try? FileManager.default.removeItem(atPath: truthPath)
        }
        let (process, output, _) = try launch([
            "--scenario", "dense", "--seed", "7", "--fast", "--duration", "600", "--output", capture,
            "--truth",
            truthPath, "--start", "2025-06-01T12:00:00Z", "--bin-seconds", "300",
        ])
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let announcement = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(announcement == "file \(capture)\n")

        var renderer = IR2NodeRenderer(
            walkway: Scenario.dense.walkway, configuration: NodeConfiguration(), seed: 7, end: 600_000)
        let expected = renderer.renderAll().flatMap(\.bytes)
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: capture))) == expected)

        let lines = try String(contentsOfFile: truthPath, encoding: .utf8).split(separator: "\n")
        #expect(lines.filter { $0.contains(#""type":"bin""#) }.count == 2)
        #expect(lines.last!.hasPrefix(#"{"type":"summary","start":"2025-06-01T12:00:00.000Z""#))
    }

    @Test func ptyReaderGetsTheStreamAndSigintStopsCleanly() throws {
        let truthPath = temporaryPath("pty-truth.jsonl")
        defer { try? FileManager.default.removeItem(atPath: truthPath) }
        let (process, output, error) = try launch([
            "--speed", "20", "--duration", "600", "--truth", truthPath,
        ])
        // The first stdout line names the pty.
        var announcement: [UInt8] = []
        while announcement.last != UInt8(ascii: "\n") {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            try #require(!byte.isEmpty)
            announcement += byte
        }
        let line = String(decoding: announcement.dropLast(), as: UTF8.self)
        try #require(line.hasPrefix("pty /dev/"))
        let fd = open(String(line.dropFirst(4)), O_RDWR | O_NOCTTY)
        try #require(fd >= 0)
        defer { close(fd) }
        // A command from the reader is read and ignored.
        _ = "$H,1*9CCF\r\n".utf8CString.withUnsafeBytes { write(fd, $0.baseAddress, $0.count - 1) }

        // Three seconds of node time at 20× speed.
        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline && WireLines.sentences(received).filter({ $0.type == "K" }).count < 3 {
            var pollEntry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&pollEntry, 1, 100) > 0 {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count > 0 { received += buffer[0..<count] }
            }
        }
        let sentences = WireLines.sentences(received)
        #expect(sentences.first?.text.hasPrefix("$HELLO,0,0,1,sim-1,sim-1.0.0,IR2*") == true)
        #expect(sentences.filter { $0.type == "K" }.count >= 3)

        process.interrupt()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let summary = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(summary.hasPrefix("passant-sim: "))
        #expect(!summary.contains("600.0 s simulated"))  // stopped early, not at the end of the duration
        let truth = try String(contentsOfFile: truthPath, encoding: .utf8)
        #expect(truth.split(separator: "\n").last?.hasPrefix(#"{"type":"summary""#) == true)
    }
}
