import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A /proc file read to its end. (/proc files report size 0 and hand out a page per read: a single read
/// sees only the first ~4 KB of a busy machine's socket table.)
private func readProcFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = read(fd, &buffer, buffer.count)
        if count <= 0 { break }
        bytes.append(contentsOf: buffer[0..<count])
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// The inode numbers of the sockets process `pid` holds open (from the `socket:[N]` links in /proc/PID/fd).
private func socketInodes(of pid: Int32) throws -> Set<String> {
    let directory = "/proc/\(pid)/fd"
    var inodes: Set<String> = []
    for entry in try FileManager.default.contentsOfDirectory(atPath: directory) {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(directory)/\(entry)"),
            target.hasPrefix("socket:[")
        else { continue }
        inodes.insert(String(target.dropFirst("socket:[".count).dropLast()))
    }
    return inodes
}

/// The network sockets among `inodes` that could accept traffic from outside: TCP sockets listening
/// (state 0A), and UDP sockets not connected to one peer (remote port 0), from /proc/PID/net/{tcp,udp}{,6}.
private func listeningSockets(of pid: Int32, among inodes: Set<String>) throws -> [String] {
    var listening: [String] = []
    for table in ["tcp", "tcp6", "udp", "udp6"] {
        guard let text = readProcFile("/proc/\(pid)/net/\(table)") else { continue }
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count > 9, inodes.contains(String(fields[9])) else { continue }
            let remotePort = fields[2].split(separator: ":").last ?? ""
            let isListening = table.hasPrefix("tcp") ? fields[3] == "0A" : remotePort == "0000"
            if isListening { listening.append("\(table) \(fields[1]) (inode \(fields[9]))") }
        }
    }
    return listening
}

@Suite("security basics")
struct SecurityTests {
    /// passantd with two uplinks and its control socket (mode 0660) up: it holds sockets, but none of them
    /// listens on the network; its secrets, from the environment and from the file, never reach its log.
    @Test func passantdListensOnNoNetworkSocketAndNeverLogsItsSecrets() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let brokerPort = try freeLoopbackPort()
        let broker = try startMosquitto(port: brokerPort, in: directory)
        // SIGKILL: the broker inherits the test process's blocked SIGTERM (see `startMosquitto`).
        defer { kill(broker.processIdentifier, SIGKILL) }
        let brokerDeadline = Date().addingTimeInterval(10)
        while !acceptsConnections(port: brokerPort) && Date() < brokerDeadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let absentPort = try freeLoopbackPort()
        let environmentSecret = "env-secret-\(UUID().uuidString.prefix(8))"
        let fileSecret = "file-secret-\(UUID().uuidString.prefix(8))"
        let config = directory.appendingPathComponent("passant.yaml")
        try """
        site: x
        store: {path: \(directory.path)/p.db}
        control_socket: \(directory.path)/control.sock
        sensors:
          - {name: door, port: /dev/serial/by-id/usb-absent}
        uplinks:
          - {type: mqtt, name: city, host: 127.0.0.1, port: \(brokerPort), username: gw, password: {env: PASSANT_TEST_SECRET}}
          - type: sensorthings
            name: sta
            url: http://127.0.0.1:\(absentPort)/v1.1
            thing: {name: Marktplatz, longitude: 8.54, latitude: 47.37}
            auth: {username: gw, password: \(fileSecret)}
        """.write(to: config, atomically: false, encoding: .utf8)
        chmod(config.path, 0o600)

        let daemon = try Program(
            "passantd", ["--config", config.path, "--log-level", "trace"],
            environment: ["PASSANT_TEST_SECRET": environmentSecret])
        try await daemon.log(containing: "passantd 0", within: 20)
        // Give the uplinks time to connect (MQTT) and to fail and retry (SensorThings).
        let deadline = Date().addingTimeInterval(15)
        while !FileManager.default.fileExists(atPath: "\(directory.path)/control.sock") && Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        try await Task.sleep(for: .seconds(3))
        // The control socket: a Unix socket for its owner and group only.
        var info = stat()
        #expect(stat("\(directory.path)/control.sock", &info) == 0)
        #expect(info.st_mode & S_IFMT == S_IFSOCK)
        #expect(info.st_mode & 0o777 == 0o660, "control socket mode \(String(info.st_mode & 0o777, radix: 8))")

        // Look until passantd's MQTT connection shows (it connects, or retries after the broker came up
        // late): then the tables read are surely the ones holding passantd's sockets.
        let pid = daemon.process.processIdentifier
        let brokerHex = String(format: ":%04X", brokerPort)
        var inodes: Set<String> = []
        var connected = false
        let connectDeadline = Date().addingTimeInterval(30)
        while !connected && Date() < connectDeadline {
            inodes = try socketInodes(of: pid)
            let tcp = readProcFile("/proc/\(pid)/net/tcp") ?? ""
            connected = tcp.split(separator: "\n").contains { line in
                let fields = line.split(separator: " ")
                return fields.count > 9 && inodes.contains(String(fields[9])) && fields[2].hasSuffix(brokerHex)
            }
            if !connected { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(connected, "no connection of passantd's to the broker in /proc/\(pid)/net/tcp; stderr:\n\(daemon.stderr)")
        let listening = try listeningSockets(of: pid, among: inodes)
        #expect(listening.isEmpty, "passantd listens on the network: \(listening)")
        // The same check sees the broker's listener: it would see passantd's.
        let brokerPID = broker.processIdentifier
        #expect(!(try listeningSockets(of: brokerPID, among: socketInodes(of: brokerPID))).isEmpty)

        daemon.signal(SIGTERM)
        #expect(try await daemon.exit(within: 20) == 0)
        #expect(!daemon.stderr.contains(environmentSecret), "the password from the environment was logged")
        #expect(!daemon.stderr.contains(fileSecret), "the password from the file was logged")

        for arguments in [["config", "check", config.path], ["config", "check", "--json", config.path]] {
            let (status, output, errors) = try await run("passant", arguments)
            #expect(status == 0, "\(output)\(errors)")
            #expect(!(output + errors).contains(fileSecret), "`passant \(arguments.joined(separator: " "))` shows the secret")
        }
    }

    @Test func passantdRefusesAGroupWritableConfigurationHoldingAPasswordWithExitStatus78() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("passant.yaml")
        try """
        site: x
        store: {path: \(directory.path)/p.db}
        sensors: [{name: door, port: /dev/serial/by-id/usb-absent}]
        uplinks: [{type: mqtt, host: 127.0.0.1, username: gw, password: hunter2-inline}]
        """.write(to: config, atomically: false, encoding: .utf8)
        chmod(config.path, 0o664)

        let (status, _, errors) = try await run("passantd", ["--config", config.path], within: 20)
        #expect(status == 78)
        #expect(errors.contains("\(config.path): uplinks[0].password: holds a secret"), "\(errors)")
        #expect(errors.contains("mode 0664") && errors.contains("chmod 640 \(config.path)"), "\(errors)")
        #expect(!errors.contains("hunter2-inline"))

        let (checkStatus, checkOutput, _) = try await run("passant", ["config", "check", config.path])
        #expect(checkStatus == 1)
        #expect(checkOutput.contains("chmod 640"), "\(checkOutput)")

        chmod(config.path, 0o640)
        let (fixedStatus, fixedOutput, _) = try await run("passant", ["config", "check", config.path])
        #expect(fixedStatus == 0, "\(fixedOutput)")
    }
}

@Suite("systemd unit")
struct ServiceUnitTests {
    private let unit = repositoryRoot + "/systemd/passantd.service"

    /// The settings of the unit file, `Key` → values (keys may repeat).
    private func settings() throws -> [String: [String]] {
        var settings: [String: [String]] = [:]
        for line in try String(contentsOfFile: unit, encoding: .utf8).split(separator: "\n") {
            guard !line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { continue }
            settings[String(line[..<equals]), default: []].append(String(line[line.index(after: equals)...]))
        }
        return settings
    }

    @Test func theServiceIsWatchedRestartedAndReachesOnlyTheSerialDevices() throws {
        let settings = try settings()
        #expect(settings["Type"] == ["notify"])
        #expect(settings["WatchdogSec"]?.count == 1)
        #expect(settings["Restart"] == ["on-failure"])
        #expect(settings["User"] == ["passant"])
        #expect(settings["CapabilityBoundingSet"] == [""])
        #expect(settings["DevicePolicy"] == ["closed"])
        let devices = settings["DeviceAllow"] ?? []
        #expect(!devices.isEmpty && devices.allSatisfy { $0.hasPrefix("char-tty") }, "\(devices)")
        #expect(settings["RuntimeDirectory"] == ["passant"])
        #expect(settings["StateDirectory"] == ["passant"])
        // DeviceAllow=char-ttyUSB is resolved through /proc/devices when the service starts: the
        // drivers must be loaded before it (scripts/systemd-trial found them missing otherwise).
        for driver in ["modprobe@usbserial.service", "modprobe@cdc_acm.service"] {
            #expect(settings["After"]?.contains { $0.split(separator: " ").contains(Substring(driver)) } == true, "\(driver)")
        }
        // The watchdog's SIGABRT must end a hung passantd at once, not wait for a crash backtracer
        // that MemoryDenyWriteExecute keeps from starting (scripts/systemd-trial: 20 s otherwise).
        #expect(settings["Environment"]?.contains("SWIFT_BACKTRACE=enable=no") == true)
        // The account the unit names is the one sysusers creates.
        let sysusers = try String(contentsOfFile: repositoryRoot + "/systemd/passant.sysusers.conf", encoding: .utf8)
        #expect(sysusers.split(separator: "\n").contains { $0.hasPrefix("u passant ") })
    }

    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze")
                || FileManager.default.isExecutableFile(atPath: "/bin/systemd-analyze"),
            "systemd-analyze is not installed; the exposure score cannot be measured here"))
    func systemdScoresTheUnitsExposureAtMost2() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: repositoryRoot + "/scripts/security-score")
        process.arguments = ["--value"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let score = try #require(Double(text.trimmingCharacters(in: .whitespacesAndNewlines)), "output: \(text)")
        #expect(score <= 2.0)
    }
}
