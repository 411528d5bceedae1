import PassantConfig
import Testing

private func parse(_ uplink: String) throws(ConfigurationErrors) -> SensorThingsConfiguration? {
    guard case .sensorThings(let entry) = try uplinkEntry(uplink) else { return nil }
    return entry
}

private func problems(_ uplink: String) -> [ConfigurationError] { uplinkProblems(uplink) }

@Suite("SensorThings configuration")
struct SensorThingsConfigurationTests {
    @Test func aMinimalEntryGetsTheDefaults() throws {
        let config = try #require(
            try parse(
                """
                  - type: sensorthings
                    url: http://127.0.0.1:8000/sensorthings/v1.1/
                    thing: {longitude: 8.5417, latitude: 47.3769}
                """))
        #expect(config.name == "sensorthings")
        #expect(config.url == "http://127.0.0.1:8000/sensorthings/v1.1")
        #expect(config.thing == .init(longitude: 8.5417, latitude: 47.3769))
        #expect(config.phenomenonTime == .interval)
        #expect(config.batchRows == 10_000)
        #expect(config.timeoutSeconds == 60)
        #expect(config.auth == nil)
        #expect(config.tls == .init())
    }

    @Test func everySettingIsRead() throws {
        let config = try #require(
            try parse(
                """
                  - type: sensorthings
                    name: city
                    url: https://iot.example.org/sta/v1.1
                    thing:
                      name: Marktplatz Nord
                      description: Counting line at the fountain
                      longitude: -0.1276
                      latitude: 51.5072
                    phenomenon_time: start
                    batch: 2000
                    timeout_s: 2.5
                    auth: {username: passant, password: {env: STA_PASSWORD}}
                    tls: {ca_file: /etc/passant/ca.pem, cert_file: /etc/passant/gw.pem, key_file: /etc/passant/gw.key}
                """))
        #expect(config.name == "city")
        #expect(
            config.thing
                == .init(
                    name: "Marktplatz Nord", description: "Counting line at the fountain", longitude: -0.1276,
                    latitude: 51.5072))
        #expect(config.phenomenonTime == .start)
        #expect(config.batchRows == 2000)
        #expect(config.timeoutSeconds == 2.5)
        #expect(config.auth == .basic(username: "passant", password: .environment("STA_PASSWORD")))
        #expect(
            config.tls
                == .init(
                    caFile: "/etc/passant/ca.pem", certFile: "/etc/passant/gw.pem",
                    keyFile: "/etc/passant/gw.key"))
    }

    @Test func aBearerTokenMayComeFromAFile() throws {
        let config = try #require(
            try parse(
                """
                  - type: sensorthings
                    url: https://iot.example.org/sta/v1.1
                    thing: {longitude: 8, latitude: 47}
                    auth: {bearer: {file: /etc/passant/token}}
                """))
        #expect(config.auth == .bearer(.file("/etc/passant/token")))
        #expect("\(Secret.file("/etc/passant/token"))".contains("secret"))
    }

    @Test func unknownKeysAreNamedWithTheirLine() {
        let found = problems(
            """
              - type: sensorthings
                url: http://127.0.0.1:8000/sensorthings/v1.1
                thing: {longitude: 8, latitude: 47, altitude: 400}
                batch_rows: 100
            """)
        #expect(found.map(\.key).sorted() == ["uplinks[0].batch_rows", "uplinks[0].thing.altitude"])
        #expect(found.first { $0.key == "uplinks[0].batch_rows" }?.line == 8)
    }

    @Test func badValuesAreErrorsWithKeyAndLine() {
        let found = problems(
            """
              - type: sensorthings
                url: ftp://example.org/sta
                thing: {longitude: 190, latitude: north}
                phenomenon_time: instant
                batch: 10001
                timeout_s: 0
            """)
        let byKey = Dictionary(found.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(
            Set(byKey.keys)
                == [
                    "uplinks[0].url", "uplinks[0].thing.longitude", "uplinks[0].thing.latitude",
                    "uplinks[0].phenomenon_time", "uplinks[0].batch", "uplinks[0].timeout_s",
                ])
        #expect(byKey["uplinks[0].url"]?.line == 6)
        #expect(byKey["uplinks[0].phenomenon_time"]?.message.contains("interval") == true)
        #expect(byKey["uplinks[0].batch"]?.message.contains("10000") == true)
    }

    @Test func missingURLAndThingAreReported() {
        let found = problems(
            """
              - type: sensorthings
                name: city
            """)
        #expect(Set(found.map(\.key)) == ["uplinks[0].url", "uplinks[0].thing"])
    }

    @Test func authNeedsOneCompleteForm() {
        let both = problems(
            """
              - type: sensorthings
                url: https://h/sta/v1.1
                thing: {longitude: 8, latitude: 47}
                auth: {bearer: t, username: u, password: p}
            """)
        #expect(both.map(\.key) == ["uplinks[0].auth"])
        let half = problems(
            """
              - type: sensorthings
                url: https://h/sta/v1.1
                thing: {longitude: 8, latitude: 47}
                auth: {username: u}
            """)
        #expect(half.map(\.key) == ["uplinks[0].auth"])
    }

    @Test func tlsNeedsHTTPSAndACertificateWithItsKey() {
        let found = problems(
            """
              - type: sensorthings
                url: http://h/sta/v1.1
                thing: {longitude: 8, latitude: 47}
                tls: {cert_file: /etc/passant/gw.pem}
            """)
        #expect(found.count == 2)
        #expect(found.allSatisfy { $0.key == "uplinks[0].tls" })
    }
}
