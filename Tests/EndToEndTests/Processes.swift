import Foundation
import Testing

/// The directory holding the built executables (next to the test bundle).
let binaries: URL = {
    let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    return executable.deletingLastPathComponent()
}()

/// A program of ours, started for real, with its output captured.
final class Program: @unchecked Sendable {
    let process = Process()
    let name: String
    private let output = Pipe()
    private let errors = Pipe()
    private let lock = NSLock()
    private var stdoutText = Data()
    private var stderrText = Data()

    init(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        self.name = name
        let path = binaries.appendingPathComponent(name).path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw EndToEndError("\(path) is not built; run `swift build` before the tests")
        }
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        // Test hosts (containers, CI) rarely report a synchronised clock although their host keeps
        // time: passantd trusts it unless a test says otherwise (see ClockTests for the real thing).
        var environment = environment
        if name == "passantd", environment["PASSANT_TIME_SYNC"] == nil {
            environment["PASSANT_TIME_SYNC"] = "assume"
        }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            self?.lock.withLock { self?.stdoutText.append(data) }
        }
        errors.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            self?.lock.withLock { self?.stderrText.append(data) }
        }
        try process.run()
    }

    var stdout: String { lock.withLock { String(decoding: stdoutText, as: UTF8.self) } }
    var stderr: String { lock.withLock { String(decoding: stderrText, as: UTF8.self) } }

    /// Waits for a line of stdout that starts with `prefix`.
    func line(startingWith prefix: String, within seconds: Double) async throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let line = stdout.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) {
                return String(line)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw EndToEndError(
            "\(name) printed no line starting '\(prefix)' within \(seconds) s; stderr:\n\(stderr)")
    }

    /// Waits for stderr to contain `text`.
    func log(containing text: String, within seconds: Double) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if stderr.contains(text) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw EndToEndError("\(name) did not log '\(text)' within \(seconds) s; stderr:\n\(stderr)")
    }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for the program to exit and returns its status.
    @discardableResult
    func exit(within seconds: Double) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                throw EndToEndError("\(name) did not exit within \(seconds) s; stderr:\n\(stderr)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        // Let the readability handlers drain the pipes.
        try await Task.sleep(for: .milliseconds(100))
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { process.terminate() }
    }
}

/// Runs a program to completion and returns (status, stdout, stderr).
func run(_ name: String, _ arguments: [String], within seconds: Double = 60) async throws -> (
    Int32, String, String
) {
    let program = try Program(name, arguments)
    let status = try await program.exit(within: seconds)
    return (status, program.stdout, program.stderr)
}

struct EndToEndError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Creates (or empties) the file at `path`.
func createEmptyFile(_ path: String) throws {
    guard FileManager.default.createFile(atPath: path, contents: nil) else {
        throw EndToEndError("cannot create \(path)")
    }
}

/// A fresh directory for one test.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
        "passant-e2e-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// JSON lines as dictionaries.
func jsonLines(_ text: String) throws -> [[String: Any]] {
    try text.split(separator: "\n").map { line in
        guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw EndToEndError("not a JSON object: \(line)")
        }
        return object
    }
}

/// One bin's counts, keyed by its start, from exported or replayed bins or from ground truth.
struct BinCounts: Equatable, CustomStringConvertible {
    var aToB: Int
    var bToA: Int
    var description: String { "\(aToB)/\(bToA)" }
}

func countsByStart(_ objects: [[String: Any]], type: String? = nil) -> [String: BinCounts] {
    var result: [String: BinCounts] = [:]
    for object in objects where type == nil || object["type"] as? String == type {
        guard let start = object["start"] as? String, let a = object["a_to_b"] as? Int,
            let b = object["b_to_a"] as? Int
        else { continue }
        result[start] = BinCounts(aToB: a, bToA: b)
    }
    return result
}
