#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// A configuration that holds a password inline must be writable by its owner only: anyone else who can
// change it can point the uplink at their own server and collect the password (and the counts). A file
// whose secrets come from `{env: …}` or `{file: …}` holds none; its mode is its owner's business.

extension Configuration {
    /// The keys of the secrets written into the file itself, e.g. `uplinks[0].password`.
    public var inlineSecretKeys: [String] {
        uplinks.enumerated().flatMap { index, uplink in
            uplink.secrets.compactMap { entry -> String? in
                guard case .literal = entry.secret else { return nil }
                return "uplinks[\(index)].\(entry.key)"
            }
        }
    }

    /// Why the file at `path`, which this configuration was read from, must not be used as it is; nil when
    /// it may. Refused: inline secrets in a file that its group or others may write.
    public func fileSafetyProblem(path: String) -> ConfigurationError? {
        let secrets = inlineSecretKeys
        guard let first = secrets.first, let mode = FileMode(path: path), mode.writableByOthers else { return nil }
        return ConfigurationError(
            file: path, line: nil, key: first,
            message:
                "holds \(secrets.count == 1 ? "a secret" : "\(secrets.count) secrets") (\(secrets.joined(separator: ", "))) but the file is writable by \(mode.writers) (mode \(mode.octal)); anyone who can edit it can send the secret elsewhere. Run `chmod 640 \(path)` (owner root, group passant), or move the secret to {file: …} or {env: …}"
        )
    }

    /// A warning when the file at `path` shows its inline secrets to every local user; nil otherwise.
    /// Not refused (the file's owner may have reasons), but `passant config check` says so.
    public func fileExposureWarning(path: String) -> String? {
        let secrets = inlineSecretKeys
        guard !secrets.isEmpty, let mode = FileMode(path: path), mode.bits & 0o004 != 0 else { return nil }
        return
            "\(path) (mode \(mode.octal)) lets every local user read \(secrets.joined(separator: ", ")); run `chmod 640 \(path)`"
    }
}

/// The permission bits of a file, as far as the configuration's safety is concerned.
struct FileMode {
    let bits: UInt32

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        bits = UInt32(info.st_mode) & 0o7777
    }

    var writableByOthers: Bool { bits & 0o022 != 0 }

    /// `group`, `others` or `group and others`.
    var writers: String {
        switch (bits & 0o020 != 0, bits & 0o002 != 0) {
        case (true, true): "group and others"
        case (true, false): "its group"
        default: "others"
        }
    }

    /// E.g. `0664`.
    var octal: String {
        let digits = String(bits, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

extension Configuration {
    /// Uplinks that would send a password or token unencrypted (MQTT without `tls:`, SensorThings over
    /// `http://`) to another machine. Allowed, for a broker on the gateway itself or a lab, but warned about.
    public var cleartextSecretWarnings: [String] {
        uplinks.compactMap { uplink -> String? in
            guard !uplink.secrets.isEmpty else { return nil }
            switch uplink {
            case .mqtt(let mqtt) where mqtt.tls == nil && !isLoopback(mqtt.host):
                return "uplink \(uplink.name): the password goes to \(mqtt.host) unencrypted; add `tls: {}`"
            case .sensorThings(let sensorThings) where sensorThings.url.lowercased().hasPrefix("http://"):
                return "uplink \(uplink.name): the credentials go over plain http; use an https:// url"
            default:
                return nil
            }
        }
    }
}

private func isLoopback(_ host: String) -> Bool {
    host == "localhost" || host == "::1" || host.hasPrefix("127.")
}
