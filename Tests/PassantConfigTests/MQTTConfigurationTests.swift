import PassantConfig
import Testing

private func mqttConfig(_ uplink: String) throws(ConfigurationErrors) -> MQTTConfiguration? {
    guard case .mqtt(let entry) = try uplinkEntry(uplink) else { return nil }
    return entry
}

private func mqttProblems(_ uplink: String) -> [ConfigurationError] { uplinkProblems(uplink) }

@Suite("MQTT configuration")
struct MQTTConfigurationTests {
    @Test func aHostIsEnoughAndEverythingElseHasItsDefault() throws {
        let mqtt = try #require(try mqttConfig("  - {type: mqtt, host: broker.example}"))
        #expect(mqtt == MQTTConfiguration(host: "broker.example"))
        #expect(mqtt.name == "mqtt")
        #expect(mqtt.port == 1883)
        #expect(mqtt.clientID == nil)
        #expect(mqtt.topicPrefix == nil)
        #expect(mqtt.tls == nil)
        #expect(mqtt.keepaliveSeconds == 60)
        #expect(mqtt.qos == 1)
        #expect(mqtt.healthIntervalSeconds == 300)
        #expect(mqtt.ackTimeoutSeconds == 30)
        #expect(mqtt.binsPerMessage == 100)
    }

    @Test func tlsMovesTheDefaultPortTo8883() throws {
        let mqtt = try #require(try mqttConfig("  - {type: mqtt, host: broker.example, tls: {}}"))
        #expect(mqtt.port == 8883)
        #expect(mqtt.tls == MQTTTLSConfiguration())
    }

    @Test func everySettingIsRead() throws {
        let mqtt = try #require(
            try mqttConfig(
                """
                  - type: mqtt
                    name: city
                    host: 10.0.0.5
                    port: 18883
                    client_id: gw-17
                    topic_prefix: city/counts/marktplatz
                    username: gw-17
                    password: {env: MQTT_PASSWORD}
                    tls:
                      ca_file: /etc/passant/ca.pem
                      cert_file: /etc/passant/gw.pem
                      key_file: /etc/passant/gw.key
                      insecure: false
                    keepalive_s: 30
                    qos: 2
                    health_interval_s: 60
                    ack_timeout_s: 20
                    bins_per_message: 50
                """))
        #expect(
            mqtt
                == MQTTConfiguration(
                    name: "city", host: "10.0.0.5", port: 18883, clientID: "gw-17",
                    topicPrefix: "city/counts/marktplatz",
                    username: "gw-17", password: .environment("MQTT_PASSWORD"),
                    tls: MQTTTLSConfiguration(
                        caFile: "/etc/passant/ca.pem", certFile: "/etc/passant/gw.pem",
                        keyFile: "/etc/passant/gw.key"),
                    keepaliveSeconds: 30, qos: 2, healthIntervalSeconds: 60, ackTimeoutSeconds: 20,
                    binsPerMessage: 50))
    }

    @Test func aMissingHostIsNamed() {
        let found = mqttProblems("  - {type: mqtt}")
        #expect(found.map(\.key) == ["uplinks[0].host"])
        #expect(found.first?.line == 5)
    }

    @Test func unknownKeysAndBadValuesNameKeyAndLine() {
        let found = mqttProblems(
            """
              - type: mqtt
                host: mqtt://broker.example
                port: 70000
                topic_prefix: passant/+/x
                qos: 0
                keepalive_s: 1
                tls: {ca_fil: /x.pem, insecure: maybe}
                health_interval_s: 5
            """)
        // In the order of the file (then of the key within a line), whatever order they were found in.
        #expect(
            found.map(\.key) == [
                "uplinks[0].host", "uplinks[0].port", "uplinks[0].topic_prefix", "uplinks[0].qos",
                "uplinks[0].keepalive_s", "uplinks[0].tls.ca_fil", "uplinks[0].tls.insecure",
                "uplinks[0].health_interval_s",
            ])
        #expect(found.map(\.line) == [6, 7, 8, 9, 10, 11, 11, 12])
        #expect(
            found.first(where: { $0.key == "uplinks[0].qos" })?.message.contains("acknowledgement") == true)
    }

    @Test func aPasswordNeedsAUsernameAndACertificateNeedsItsKey() {
        let found = mqttProblems(
            """
              - type: mqtt
                host: broker.example
                password: secret
                tls: {cert_file: /etc/passant/gw.pem}
            """)
        #expect(Set(found.map(\.key)) == ["uplinks[0].password", "uplinks[0].tls"])
    }

    @Test func aSecretNeverShowsInTheConfigurationsDescription() throws {
        let mqtt = try #require(
            try mqttConfig("  - {type: mqtt, host: b, username: u, password: hunter2}"))
        #expect(mqtt.password == .literal("hunter2"))
        #expect(!"\(mqtt)".contains("hunter2"))
    }
}
