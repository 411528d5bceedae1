import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Logs to stderr in the form journald understands: a `<N>` syslog priority prefix on each line
/// (journald strips it and sets the priority). From a terminal the prefix is replaced by the level.
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let toJournal: Bool

    public init(label: String, level: Logger.Level, toJournal: Bool) {
        self.label = label
        self.logLevel = level
        self.toJournal = toJournal
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let prefix = toJournal ? "<\(Self.priority(event.level))>" : "\(event.level) "
        let line = prefix + "\(label): \(event.message)" + (fields.isEmpty ? "" : " [\(fields)]") + "\n"
        // One write(2) per line, so lines from several threads never interleave.
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    /// syslog(3) priorities.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}
