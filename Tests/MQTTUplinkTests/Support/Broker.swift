import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

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

extension TestCertificates {
    var brokerFiles: Broker.TLSFiles {
        Broker.TLSFiles(caFile: caFile, certFile: serverCertFile, keyFile: serverKeyFile)
    }
}
