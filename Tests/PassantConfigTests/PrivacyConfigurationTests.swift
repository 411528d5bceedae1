import CountBins
import PassantConfig
import Testing

private func policy(_ section: String) throws(ConfigurationErrors) -> PrivacyPolicy {
    try Configuration.parse(
        "site: x\nsensors:\n  - {name: door, port: /dev/ttyUSB0}\n" + section, file: "passant.yaml",
        defaultNode: "pi-7"
    ).privacy
}

private func problems(_ section: String) -> [String] {
    do {
        _ = try policy(section)
        return []
    } catch {
        return error.errors.map(\.description)
    }
}

@Suite("Configuration: privacy")
struct PrivacyConfigurationTests {
    @Test func withoutAPrivacySectionNothingIsSuppressedOrNoised() throws {
        #expect(try policy("") == .off)
    }

    @Test func minimumCountAndEpsilonAreRead() throws {
        #expect(
            try policy("privacy:\n  minimum_count: 3\n  noise: {epsilon: 0.5}")
                == PrivacyPolicy(minimumCount: 3, epsilon: 0.5))
        #expect(try policy("privacy:\n  minimum_count: 5") == PrivacyPolicy(minimumCount: 5))
        #expect(try policy("privacy:\n  noise:\n    epsilon: 2") == PrivacyPolicy(epsilon: 2))
    }

    @Test func badValuesAreReportedWithLineAndKey() {
        #expect(
            problems("privacy:\n  minimum_count: 0")
                == ["passant.yaml:5: privacy.minimum_count: must be between 1 and 100, not 0"])
        #expect(
            problems("privacy:\n  noise: {epsilon: -1}")
                == ["passant.yaml:5: privacy.noise.epsilon: must be between 0.01 and 10.0, not -1"])
        #expect(
            problems("privacy:\n  noise: {epsilon: lots}")
                == ["passant.yaml:5: privacy.noise.epsilon: must be a number, not 'lots'"])
        #expect(
            problems("privacy:\n  noise: {}").first?.contains("privacy.noise.epsilon: is missing") == true)
        #expect(
            problems("privacy:\n  minimum: 3").first?.contains("privacy.minimum: is not a known setting")
                == true)
    }
}
