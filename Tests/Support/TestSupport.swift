// Helpers shared by the test targets that start real servers and programs: temporary directories,
// free loopback ports, shell scripts and TLS certificates. Foundation only; no test framework.

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The repository root, found from this file's path.
public let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

public enum Repository {
    public static var root: String { repositoryRoot }

    /// Whether `scripts/sensorthings/serve --install-only` has installed the SensorThings test server.
    public static var venvInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: root + "/.venv/sensorthings/bin/django-admin")
    }

    /// The SensorThings server's tests run when the server is installed, and always in CI (where a
    /// missing venv must fail loudly rather than skip).
    public static var serverTestsEnabled: Bool {
        venvInstalled || ProcessInfo.processInfo.environment["CI"] != nil
    }

    public static let skipMessage =
        "the SensorThings test server is not installed: run scripts/sensorthings/serve --install-only (in CI these tests always run)"
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A fresh directory under the system's temporary directory, removed with the value.
public final class TemporaryDirectory: Sendable {
    public let path: String

    public init(_ label: String) throws {
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent(
                "passant-\(label)-\(UUID().uuidString)"
            )
            .path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func file(_ name: String) -> String { "\(path)/\(name)" }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A port nothing listens on right now: bind port 0 on loopback, read it, close.
public func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket: \(errno)") }
    defer { close(fd) }
    var address = loopback(port: 0)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard bound == 0 else { throw TestFailure("bind: \(errno)") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

public func acceptsConnections(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = loopback(port: port)
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    return result == 0
}

private func loopback(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    return address
}

/// Runs a shell script, failing with its output when it fails.
public func shell(_ script: String, in directory: String) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-e", "-c", script]
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    if process.terminationStatus != 0 {
        throw TestFailure(
            "script failed (\(process.terminationStatus)):\n\(script)\n\(String(decoding: data, as: UTF8.self))"
        )
    }
}

/// A CA, a server certificate for 127.0.0.1/localhost signed by it, and an unrelated second CA,
/// made with `openssl` (EC keys: quick to generate).
public struct TestCertificates {
    public let directory: TemporaryDirectory
    public var caFile: String { directory.file("ca.pem") }
    public var wrongCAFile: String { directory.file("wrong-ca.pem") }
    public var serverCertFile: String { directory.file("server.pem") }
    public var serverKeyFile: String { directory.file("server.key") }

    public init() throws {
        directory = try TemporaryDirectory("certs")
        try shell(
            """
            key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
            key ca.key
            openssl req -x509 -new -key ca.key -out ca.pem -days 2 -subj /CN=passant-test-ca
            key wrong-ca.key
            openssl req -x509 -new -key wrong-ca.key -out wrong-ca.pem -days 2 -subj /CN=some-other-ca
            key server.key
            openssl req -new -key server.key -out server.csr -subj /CN=localhost
            printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > server.ext
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 \
              -extfile server.ext 2>/dev/null
            chmod 644 server.key
            """, in: directory.path)
    }
}

// MARK: - The counter-node firmware in QEMU

extension Repository {
    /// QEMU and the Arm toolchain, which `scripts/setup` installs.
    public static let firmwareToolsPresent: Bool = ["qemu-system-arm", "arm-none-eabi-gcc"].allSatisfy { tool in
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)")
        }
    }

    /// Firmware tests skip locally without the tools; in CI they always run, so a missing tool fails.
    public static var firmwareTestsEnabled: Bool {
        firmwareToolsPresent || ProcessInfo.processInfo.environment["CI"] != nil
    }

    public static let firmwareSkipMessage =
        "qemu-system-arm or arm-none-eabi-gcc is missing: run scripts/setup (in CI these tests always run)"

    /// The QEMU firmware image, built once per test run by `Hardware/firmware/build` into
    /// `.build/firmware` (which rebuilds only after a change), where `passant-sim --node qemu` finds it.
    public static let firmwareImage: Result<String, TestFailure> = {
        let output = root + "/.build/firmware"
        do {
            try shell("Hardware/firmware/build '\(output)' >/dev/null", in: root)
        } catch {
            return .failure(TestFailure("Hardware/firmware/build failed: \(error)"))
        }
        return .success(output + "/qemu-mps2-an386.elf")
    }()
}
