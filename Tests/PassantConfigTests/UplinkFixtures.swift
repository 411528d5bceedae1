import PassantConfig

/// A minimal site with `uplink` (YAML list items, indented by two) as its `uplinks:`.
func uplinkEntry(_ uplink: String) throws(ConfigurationErrors) -> UplinkConfiguration? {
    try Configuration.parse(
        """
        site: marktplatz
        sensors:
          - {name: door, port: /dev/ttyUSB0}
        uplinks:
        \(uplink)
        """, file: "passant.yaml", defaultNode: "pi-7"
    ).uplinks.first
}

/// The problems `uplinkEntry` finds in `uplink`; empty when it parses.
func uplinkProblems(_ uplink: String) -> [ConfigurationError] {
    do {
        _ = try uplinkEntry(uplink)
        return []
    } catch {
        return error.errors
    }
}
