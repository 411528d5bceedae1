import ArgumentParser
import Counting
import Foundation
import LD06
import PassantConfig
import PassantDaemon
import SerialInput

/// `passant calibrate`: teach a sensor its site.
struct Calibrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Teach a sensor its site: the empty scene it sees, and a LiDAR's counting line.",
        discussion: """
            Each calibration is written where passantd reads it (the file named in the configuration, or \
            the configuration itself) and a running passantd is told to take it at once. While passantd \
            runs, it lends the sensor's data for the calibration and goes on counting.
            """,
        subcommands: [CalibrateBaseline.self, CalibrateBackground.self, CalibrateLine.self])
}

/// `passant calibrate background`: learn an LD06's empty scene and write it where the configuration
/// says (`background:`), so passantd counts from its first turn.
struct CalibrateBackground: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "background",
        abstract: "Learn the empty scene of an LD06 (walls, posts, benches) from a live port or a capture.",
        discussion: """
            Run it with the walkway as empty as you can get it; a few passers-by do no harm (a surface \
            must be there in at least a fifth of the turns to count as background). By default the \
            sensor's port and background file come from --config; while passantd runs, it lends the \
            sensor's data and takes the new background at once.
            """)

    @OptionGroup var options: ConfigOptions
    @OptionGroup var socket: SocketOptions

    @Option(help: "The ld06 sensor in the configuration (default: the first ld06 sensor).")
    var sensor: String?

    @Option(help: "Read this port (a device path or tcp://host:port) instead of the configured one.")
    var port: String?

    @Option(help: "Learn from this capture file instead of a port.")
    var capture: String?

    @Option(help: "Write the background here instead of the configured `background:` path.")
    var output: String?

    @Option(help: "Seconds of sensor time to learn from.")
    var seconds: Int = 20

    func validate() throws {
        guard (2...600).contains(seconds) else { throw ValidationError("--seconds must be 2-600") }
        if port != nil && capture != nil { throw ValidationError("choose one of --port and --capture") }
    }

    func run() throws {
        var configured: SensorConfiguration?
        if options.config != nil || (port == nil && capture == nil) || output == nil {
            let path = options.config ?? PassantConfig.Configuration.defaultPath
            let config = try loadConfiguration(path)
            let lidars = config.sensors.filter { $0.protocol == .ld06 }
            configured = sensor.map { name in lidars.first { $0.name == name } } ?? lidars.first
            if configured == nil {
                throw ValidationError(
                    "\(path) has no ld06 sensor\(sensor.map { " called '\($0)'" } ?? ""); its ld06 sensors: \(lidars.map(\.name).joined(separator: ", "))"
                )
            }
        }
        guard let destination = output ?? configured?.lidar?.backgroundPath else {
            throw ValidationError(
                "sensor '\(configured?.name ?? "")' has no `background:` path in the configuration; add one or pass --output FILE"
            )
        }

        let recording = BackgroundRecording(millis: Int64(seconds) * 1000)

        let daemon = RunningDaemon(socket: try socket.path(config: options.config))
        if capture == nil, port == nil, let configured,
            let captured = try daemon.listen(sensor: configured.name, seconds: Double(seconds) + 1)
        {
            print("learned from passantd's stream of \(configured.name) (\(seconds) s)")
            captured.first?.withUnsafeBytes { recording.feed($0) }
        } else if let capture {
            guard let file = FileHandle(forReadingAtPath: capture) else {
                throw ValidationError(
                    "cannot open the capture '\(capture)'; check the path and its permissions")
            }
            while !recording.done {
                let chunk = file.readData(ofLength: 1 << 16)
                if chunk.isEmpty { break }
                chunk.withUnsafeBytes { recording.feed($0) }
            }
        } else {
            let name = port ?? configured!.port
            let source: any ByteSource
            do {
                source = try openSource(try SourceAddress(parsing: name), baud: configured?.baud ?? 230_400)
            } catch {
                throw ValidationError("cannot open \(name): \(error)")
            }
            defer { source.close() }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
            defer { buffer.deallocate() }
            let deadline = Date().addingTimeInterval(Double(seconds) * 3 + 5)
            while !recording.done {
                guard Date() < deadline else {
                    throw ValidationError(
                        "\(name) gave \(recording.learner.turns) turns in \(seconds * 3 + 5) s (\(recording.decoder.packetsAccepted) packets, \(recording.decoder.rejects.total) rejected); is it an LD06 at 230400 baud, and spinning?"
                    )
                }
                let count = try source.read(into: buffer, timeoutMillis: 250)
                if count > 0 { recording.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) }
            }
        }
        guard recording.done else {
            throw ValidationError(
                "\(capture == nil ? "passantd's stream" : "the capture") holds only \(recording.learner.turns) turns, less than \(seconds) s; record longer or pass a smaller --seconds"
            )
        }
        let background = recording.learner.background
        try background.save(path: destination)
        let surfaces = background.ranges.compactMap { $0 }
        let nearest = surfaces.min().map { String(format: "%.2f m", $0) } ?? "none"
        print(
            "learned \(recording.learner.turns) turns: a surface in \(surfaces.count) of 360 degrees (nearest \(nearest)); wrote \(destination)"
        )
        if output == nil, let configured { print(daemon.reload(sensor: configured.name)) }
    }
}

/// An LD06's bytes decoded into turns and learned from until `millis` of sensor time are in.
private final class BackgroundRecording {
    let millis: Int64
    private(set) var decoder = LD06Decoder()
    private var assembler = ScanAssembler()
    private(set) var learner = BackgroundLearner()
    private var first: Int64?
    private(set) var done = false

    init(millis: Int64) { self.millis = millis }

    func feed(_ bytes: UnsafeRawBufferPointer) {
        decoder.decode(bytes) { packet in
            assembler.add(packet) { scan in learn(scan) }
        }
    }

    private func learn(_ scan: LD06Scan) {
        guard !done else { return }
        let first = first ?? scan.time
        self.first = first
        learner.add(scan)
        if scan.endTime - first >= millis { done = true }
    }
}
