import Foundation
import PassantConfig
import Testing

/// A configuration file written with `mode`, removed with its directory when the test ends.
private struct ConfigFile {
    let directory: URL
    let path: String

    init(_ text: String, mode: Int16) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("passant-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("passant.yaml").path
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    func load() -> Result<Configuration, ConfigurationErrors> {
        Result { () throws(ConfigurationErrors) in try Configuration.load(path: path, defaultNode: "gw") }
    }
}

private let inlinePassword = """
    site: x
    sensors: [{name: door, port: /dev/ttyUSB0}]
    uplinks:
      - {type: mqtt, name: city, host: broker.example, username: gw, password: correct-horse}
    """

private let passwordFromEnvironment = """
    site: x
    sensors: [{name: door, port: /dev/ttyUSB0}]
    uplinks:
      - {type: mqtt, name: city, host: broker.example, username: gw, password: {env: PASSANT_MQTT_PASSWORD}}
      - type: sensorthings
        name: sta
        url: https://sta.example/v1.1
        thing: {longitude: 8.54, latitude: 47.37}
        auth: {bearer: {file: /etc/passant/sta-token}}
    """

@Suite("Configuration file safety")
struct FileSafetyTests {
    @Test(arguments: [0o664, 0o646, 0o666, 0o620])
    func anInlineSecretInAFileOthersMayWriteIsRefusedWithTheFixToRun(mode: Int16) throws {
        let file = try ConfigFile(inlinePassword, mode: mode)
        defer { file.remove() }
        guard case .failure(let refusal) = file.load() else {
            Issue.record("mode \(String(mode, radix: 8)) with an inline password was accepted")
            return
        }
        let problem = try #require(refusal.errors.first)
        #expect(refusal.errors.count == 1)
        #expect(problem.file == file.path)
        #expect(problem.key == "uplinks[0].password")
        #expect(problem.message.contains("mode 0\(String(mode, radix: 8))"))
        #expect(problem.message.contains("chmod 640 \(file.path)"))
        #expect(!problem.description.contains("correct-horse"), "the refusal must not show the secret")
    }

    @Test(arguments: [0o640, 0o600, 0o644, 0o400])
    func anInlineSecretInAFileOnlyItsOwnerMayWriteIsAccepted(mode: Int16) throws {
        let file = try ConfigFile(inlinePassword, mode: mode)
        defer { file.remove() }
        let configuration = try file.load().get()
        #expect(configuration.inlineSecretKeys == ["uplinks[0].password"])
    }

    @Test func secretsFromTheEnvironmentOrAFileAreNotInTheFileSoItsModeDoesNotMatter() throws {
        let file = try ConfigFile(passwordFromEnvironment, mode: 0o666)
        defer { file.remove() }
        let configuration = try file.load().get()
        #expect(configuration.inlineSecretKeys.isEmpty)
        #expect(configuration.uplinks.count == 2)
    }

    @Test func everyInlineSecretIsNamed() throws {
        let file = try ConfigFile(
            inlinePassword + """

                  - type: sensorthings
                    name: sta
                    url: https://sta.example/v1.1
                    thing: {longitude: 8.54, latitude: 47.37}
                    auth: {username: gw, password: battery-staple}
                """, mode: 0o660)
        defer { file.remove() }
        guard case .failure(let refusal) = file.load() else {
            Issue.record("a group-writable file with two inline secrets was accepted")
            return
        }
        let message = try #require(refusal.errors.first).message
        #expect(message.contains("2 secrets (uplinks[0].password, uplinks[1].auth.password)"))
        #expect(message.contains("writable by its group"))
        #expect(!message.contains("battery-staple") && !message.contains("correct-horse"))
    }
}

@Suite("Configuration file exposure")
struct FileExposureTests {
    @Test func anInlineSecretEveryUserMayReadIsWarnedAbout() throws {
        let file = try ConfigFile(inlinePassword, mode: 0o644)
        defer { file.remove() }
        let configuration = try file.load().get()
        let warning = try #require(configuration.fileExposureWarning(path: file.path))
        #expect(warning.contains("uplinks[0].password") && warning.contains("chmod 640"))
        #expect(!warning.contains("correct-horse"))
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: file.path)
        #expect(configuration.fileExposureWarning(path: file.path) == nil)
    }
}

@Suite("TLS by default")
struct TLSDefaultTests {
    private func parse(_ uplink: String) throws -> Configuration {
        try Configuration.parse(
            "site: x\nsensors: [{name: door, port: /dev/ttyUSB0}]\nuplinks:\n  - \(uplink)\n", file: "p.yaml",
            defaultNode: "gw")
    }

    @Test func anMQTTTLSSectionVerifiesTheBrokerUnlessToldOtherwise() throws {
        let configuration = try parse("{type: mqtt, host: broker.example, tls: {}}")
        guard case .mqtt(let mqtt) = configuration.uplinks.first else {
            Issue.record("not an MQTT uplink")
            return
        }
        #expect(mqtt.tls?.insecure == false)
        #expect(mqtt.port == 8883)
    }

    @Test func aPasswordSentUnencryptedToAnotherMachineIsWarnedAbout() throws {
        let plain = try parse("{type: mqtt, host: broker.example, username: gw, password: {env: PW}}")
        #expect(plain.cleartextSecretWarnings == ["uplink mqtt: the password goes to broker.example unencrypted; add `tls: {}`"])
        let local = try parse("{type: mqtt, host: 127.0.0.1, username: gw, password: {env: PW}}")
        #expect(local.cleartextSecretWarnings.isEmpty)
        let encrypted = try parse("{type: mqtt, host: broker.example, tls: {}, username: gw, password: {env: PW}}")
        #expect(encrypted.cleartextSecretWarnings.isEmpty)
        let http = try parse(
            "{type: sensorthings, name: sta, url: 'http://sta.example/v1.1', thing: {longitude: 8.5, latitude: 47.3}, auth: {bearer: {env: T}}}")
        #expect(http.cleartextSecretWarnings == ["uplink sta: the credentials go over plain http; use an https:// url"])
    }
}

@Suite("Configuration line numbers")
struct LineNumberTests {
    /// Found by fuzzing (a check in the fuzz target that counted LF only): YAML also ends lines at a lone
    /// CR, so a file saved with old-Mac line ends gets its errors on the lines an editor shows.
    @Test func aFileWithCarriageReturnLineEndsReportsTheLineAnEditorShows() {
        var line: Int?
        do {
            _ = try Configuration.parse(
                "site: x\rsensors: [{name: door, port: /dev/ttyUSB0}]\rbin_seconds: 61\r", file: "p.yaml",
                defaultNode: "gw")
        } catch {
            line = error.errors.first { $0.key == "bin_seconds" }?.line
        }
        #expect(line == 3)
    }
}
