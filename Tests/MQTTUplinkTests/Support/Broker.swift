import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A fresh directory under the system's temporary directory, removed with the value.
final class TemporaryDirectory: Sendable {
    let path: String

    init(_ label: String) throws {
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent(
                "passant-\(label)-\(UUID().uuidString)"
            )
            .path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A real Mosquitto broker (`/usr/sbin/mosquitto`) on a free loopback port, with its own config file
/// and persistence directory. Stop it with `stop()`/`kill()`, start it again on the same port with
/// `start()`.
final class Broker: @unchecked Sendable {
    struct TLSFiles {
        var caFile: String
        var certFile: String
        var keyFile: String
    }

    let port: Int
    let directory: TemporaryDirectory
    var persistence: Bool
    var tls: TLSFiles?
    /// A `mosquitto_passwd` file; anonymous clients are refused when set.
    var passwordFile: String?
    private var process: ChildProcess?

    init(persistence: Bool = true, tls: TLSFiles? = nil, passwordFile: String? = nil) throws {
        self.port = try freeLoopbackPort()
        self.directory = try TemporaryDirectory("broker")
        self.persistence = persistence
        self.tls = tls
        self.passwordFile = passwordFile
    }

    deinit {
        process?.kill(SIGKILL)
        process?.waitForExit(seconds: 5)
    }

    var configText: String {
        var lines = [
            "listener \(port) 127.0.0.1",
            "persistence \(persistence ? "true" : "false")",
            "persistence_location \(directory.path)/",
            "max_queued_messages 100000",
            "log_dest stderr",
            "log_type error",
            "log_type warning",
        ]
        if getuid() == 0 { lines.append("user root") }
        if let passwordFile {
            lines += ["allow_anonymous false", "password_file \(passwordFile)"]
        } else {
            lines.append("allow_anonymous true")
        }
        if let tls {
            lines += ["cafile \(tls.caFile)", "certfile \(tls.certFile)", "keyfile \(tls.keyFile)"]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Starts the broker and waits until it accepts TCP connections.
    func start() async throws {
        let config = directory.file("mosquitto.conf")
        try configText.write(toFile: config, atomically: true, encoding: .utf8)
        let process = try ChildProcess(
            ["/usr/sbin/mosquitto", "-c", config], log: directory.file("mosquitto.log"))
        self.process = process
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if !process.isRunning {
                let log =
                    (try? String(contentsOfFile: directory.file("mosquitto.log"), encoding: .utf8)) ?? ""
                throw TestFailure("mosquitto exited at once; config:\n\(configText)\nlog:\n\(log)")
            }
            if acceptsConnections(port: port) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("mosquitto did not listen on 127.0.0.1:\(port) within 60 s")
    }

    /// SIGTERM: a clean stop, which saves the persistence file.
    func stop() async throws { try await end(signal: SIGTERM) }

    /// SIGKILL: the broker dies with whatever it held in memory.
    func kill() async throws { try await end(signal: SIGKILL) }

    /// SIGSTOP: the broker holds still, reading and acknowledging nothing, until `thaw()`.
    func freeze() { process?.kill(SIGSTOP) }

    /// SIGCONT.
    func thaw() { process?.kill(SIGCONT) }

    private func end(signal: Int32) async throws {
        guard let process, process.isRunning else { return }
        process.kill(signal)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning {
            if Date() > deadline { throw TestFailure("mosquitto did not stop within 10 s") }
            try await Task.sleep(for: .milliseconds(20))
        }
        self.process = nil
    }
}

/// A child process started with `posix_spawn`, with an empty signal mask and default signal
/// handling. Foundation's `Process` passes on the spawning thread's mask, and the test runner's
/// threads block SIGTERM: a broker started that way never sees its SIGTERM.
final class ChildProcess: @unchecked Sendable {
    let pid: pid_t
    private var status: Int32?

    init(_ arguments: [String], log: String) throws {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, &attributes, &argv, environ)
        guard result == 0 else {
            throw TestFailure("cannot start \(arguments[0]): \(String(cString: strerror(result)))")
        }
        self.pid = pid
    }

    func kill(_ signal: Int32) {
        if isRunning { _ = Glibc.kill(pid, signal) }
    }

    /// Reaps the child if it has exited.
    var isRunning: Bool {
        if status != nil { return false }
        var value: Int32 = 0
        if waitpid(pid, &value, WNOHANG) == pid {
            status = value
            return false
        }
        return true
    }

    func waitForExit(seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while isRunning, Date() < deadline { usleep(10_000) }
    }
}

/// A port nothing listens on right now: bind port 0 on loopback, read it, close.
func freeLoopbackPort() throws -> Int {
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

func acceptsConnections(port: Int) -> Bool {
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
func shell(_ script: String, in directory: String) throws {
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
struct TestCertificates {
    let directory: TemporaryDirectory
    var caFile: String { directory.file("ca.pem") }
    var wrongCAFile: String { directory.file("wrong-ca.pem") }
    var serverCertFile: String { directory.file("server.pem") }
    var serverKeyFile: String { directory.file("server.key") }

    init() throws {
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

    var brokerFiles: Broker.TLSFiles {
        Broker.TLSFiles(caFile: caFile, certFile: serverCertFile, keyFile: serverKeyFile)
    }
}
