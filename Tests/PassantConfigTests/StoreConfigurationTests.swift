import PassantConfig
import Testing

private func store(_ section: String) throws(ConfigurationErrors) -> StoreConfiguration {
    try Configuration.parse(
        "site: x\n" + section + "\nsensors:\n  - {name: door, port: /dev/ttyUSB0}\n", file: "passant.yaml",
        defaultNode: "pi-7"
    ).store
}

private func problems(_ section: String) -> [ConfigurationError] {
    do {
        _ = try store(section)
        return []
    } catch {
        return error.errors
    }
}

@Suite("Configuration: store")
struct StoreConfigurationTests {
    @Test func withoutAStoreSectionTheLimitsAre256MiBAnd90Days() throws {
        let config = try store("")
        #expect(config.path == "/var/lib/passant/passant.db")
        #expect(config.maxMegabytes == 256)
        #expect(config.maxAgeDays == 90)
        #expect(config.maxBytes == 268_435_456)
        #expect(config.maxAgeSeconds == 7_776_000)
    }

    @Test func aStoreSectionWithOnlyAPathKeepsTheDefaultLimits() throws {
        let config = try store("store:\n  path: /tmp/p.db")
        #expect(config == StoreConfiguration(path: "/tmp/p.db", maxMegabytes: 256, maxAgeDays: 90))
    }

    @Test func limitsAreRead() throws {
        let config = try store("store:\n  path: /tmp/p.db\n  max_mb: 64\n  max_age_days: 30")
        #expect(config.maxMegabytes == 64)
        #expect(config.maxAgeDays == 30)
        #expect(config.maxBytes == 64 * 1_048_576)
        #expect(config.maxAgeSeconds == 30 * 86_400)
    }

    @Test func aLimitOfZeroIsRefusedWithKeyAndLine() {
        let found = problems("store:\n  max_mb: 0\n  max_age_days: 0")
        #expect(found.map(\.key) == ["store.max_mb", "store.max_age_days"])
        #expect(found.map(\.line) == [3, 4])
        #expect(
            found.first?.description == "passant.yaml:3: store.max_mb: must be between 1 and 65536, not 0")
    }

    @Test func aLimitThatIsNotANumberIsRefused() {
        let found = problems("store:\n  max_mb: 1GB")
        #expect(found.map(\.key) == ["store.max_mb"])
        #expect(found.first?.line == 3)
        #expect(found.first?.message == "must be a whole number, not '1GB'")
    }

    @Test func anAgeBeyondTenYearsIsRefused() {
        let found = problems("store:\n  max_age_days: 4000")
        #expect(found.map(\.key) == ["store.max_age_days"])
    }

    @Test func aMisspelledStoreKeyIsNamed() {
        let found = problems("store:\n  max_size: 64")
        #expect(found.map(\.key) == ["store.max_size"])
        #expect(found.first?.message.contains("path, max_mb, max_age_days") == true)
    }
}
