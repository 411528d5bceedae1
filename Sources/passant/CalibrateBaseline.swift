import ArgumentParser
import Counting
import Foundation
import PCNT
import PassantConfig
import PassantDaemon
import SerialInput
import TFmini

#if canImport(Glibc)
    import Glibc
#endif

/// `passant calibrate baseline`: each rangefinder channel's empty scene, into the file the config names.
struct CalibrateBaseline: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Learn the empty scene (the opposite wall, or nothing) of a tof2 or tfmini-pair sensor.",
        discussion: """
            Reads the sensor's port(s) for --seconds (or capture files), takes each channel's median \
            distance as its baseline (or 'open' when most samples have no return), and writes the file \
            named by the sensor's `baseline:` setting. Keep the walkway as empty as you can meanwhile; a \
            busy scene is reported. While passantd runs, it lends the sensor's data and takes the new \
            baseline at once.
            """)

    @OptionGroup var options: ConfigOptions
    @OptionGroup var socket: SocketOptions

    @Option(help: "The sensor to calibrate (default: the only rangefinder sensor in the configuration).")
    var sensor: String?

    @Option(help: "Seconds to listen.")
    var seconds: Double = 30

    @Option(
        help: ArgumentHelp(
            "Learn from capture files instead of the ports: one for tof2, two (A then B) for tfmini-pair.",
            valueName: "file"))
    var capture: [String] = []

    @Flag(help: "Print the baseline without writing the file.")
    var dryRun = false

    func validate() throws {
        guard seconds >= 1 && seconds <= 600 else { throw ValidationError("--seconds must be 1-600") }
    }

    func run() throws {
        let path = options.config ?? PassantConfig.Configuration.defaultPath
        let config = try loadConfiguration(path)
        let candidates = config.sensors.filter { $0.protocol != .pcnt }
        let chosen: SensorConfiguration
        if let sensor {
            guard let found = config.sensors.first(where: { $0.name == sensor }) else {
                throw CommandFailure(
                    "no sensor '\(sensor)' in \(path); it has: \(config.sensors.map(\.name).joined(separator: ", "))"
                )
            }
            guard found.protocol != .pcnt else {
                throw CommandFailure(
                    "sensor '\(sensor)' is an infrared-beam node (protocol: pcnt), which needs no baseline")
            }
            chosen = found
        } else {
            guard candidates.count == 1 else {
                throw CommandFailure(
                    candidates.isEmpty
                        ? "\(path) has no rangefinder sensor (protocol: tof2 or tfmini-pair)"
                        : "several rangefinder sensors in \(path); choose one with --sensor: \(candidates.map(\.name).joined(separator: ", "))"
                )
            }
            chosen = candidates[0]
        }
        let target = chosen.rangefinder?.baselinePath
        if target == nil && !dryRun {
            throw CommandFailure(
                "sensor '\(chosen.name)' has no baseline: setting; add `baseline: /var/lib/passant/\(chosen.name).baseline` to its entry in \(path), or use --dry-run"
            )
        }
        if !capture.isEmpty && capture.count != chosen.ports.count {
            throw CommandFailure(
                "a \(chosen.protocol.rawValue) sensor needs \(chosen.ports.count) capture file(s), in channel order; got \(capture.count)"
            )
        }

        var learner = ChannelLearners(sensor: chosen)
        let daemon = RunningDaemon(socket: try socket.path(config: options.config))
        if capture.isEmpty, let captured = try daemon.listen(sensor: chosen.name, seconds: seconds) {
            print("learned from passantd's stream of \(chosen.name) over \(seconds) s")
            for (index, bytes) in captured.enumerated() { learner.feed(bytes, port: index) }
        } else if capture.isEmpty {
            try learner.listen(seconds: seconds)
        } else {
            for (index, file) in capture.enumerated() {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw CommandFailure(
                        "cannot read the capture '\(file)'; check the path and its permissions")
                }
                learner.feed(Array(data), port: index)
            }
        }

        var values: [BaselineFile.Value] = []
        let margin = chosen.rangefinder?.marginMillimetres ?? 250
        for (index, channel) in ["A", "B"].enumerated() {
            let l = learner.learners[index]
            guard let baseline = l.baseline else {
                throw CommandFailure(
                    "channel \(channel): no usable baseline from \(l.samples) samples (\(l.saturated) saturated, \(l.noReturn) without return); "
                        + (l.samples == 0
                            ? "nothing was received: check the port and wiring with `passant probe`"
                            : "the sensor is blinded (sun, a reflector close by?): fix the view and try again")
                )
            }
            var line = "channel \(channel): \(baseline), from \(l.samples) samples"
            if case .surface = baseline, let p10 = l.distanceQuantile(0.1), let p90 = l.distanceQuantile(0.9)
            {
                line += ", 10-90 % of distances \(p10)–\(p90) mm"
                let busy = l.shareNearer(than: margin)
                if busy > 0.1 {
                    line += String(
                        format:
                            "; WARNING: %.0f %% of readings had someone (or something) in the way: repeat with the walkway empty",
                        busy * 100)
                }
            }
            if l.noReturn > 0 || l.saturated > 0 {
                line += ", \(l.noReturn) without return, \(l.saturated) saturated"
            }
            print(line)
            values.append(BaselineFile.Value(baseline))
        }
        let file = BaselineFile(a: values[0], b: values[1])
        guard let target, !dryRun else { return }
        let when = ISO8601DateFormatter().string(from: Date())
        let text = file.text(
            comment:
                "passant baseline for sensor \(chosen.name), learned \(when) over \(capture.isEmpty ? "\(seconds) s" : "captures")"
        )
        let temporary = target + ".new"
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        } catch {
            throw CommandFailure(
                "cannot write \(temporary): \(error.localizedDescription); check the directory and its permissions"
            )
        }
        // rename(2) replaces the old file at once: passantd never reads half a baseline.
        guard rename(temporary, target) == 0 else {
            throw CommandFailure("cannot replace \(target): \(String(cString: strerror(errno)))")
        }
        print("wrote \(target)")
        print(daemon.reload(sensor: chosen.name))
    }
}

/// A baseline learner per channel, fed from the sensor's ports or captures.
struct ChannelLearners {
    let sensor: SensorConfiguration
    var learners = [BaselineLearner(), BaselineLearner()]
    private var pcnt = PCNTDecoder()
    private var tfmini = [TFminiDecoder(), TFminiDecoder()]

    init(sensor: SensorConfiguration) {
        self.sensor = sensor
    }

    mutating func feed(_ bytes: [UInt8], port: Int) {
        if sensor.protocol == .tfminiPair {
            let model = TFminiModel((port == 0 ? sensor.channelA : sensor.channelB)?.model ?? .tfminiS)
            var readings: [RangeReading] = []
            tfmini[port].decode(bytes) { output in
                if case .frame(let frame) = output { readings.append(RangeReading(model.reading(of: frame))) }
            }
            for reading in readings { learners[port].observe(reading) }
        } else {
            var pairs: [(RangeReading, RangeReading)] = []
            pcnt.decode(bytes) { sentence in
                if case .distances(let da, let sa, let db, let sb) = sentence.message {
                    pairs.append(
                        (
                            RangeReading(tof2Millimetres: da, strength: sa),
                            RangeReading(tof2Millimetres: db, strength: sb)
                        ))
                }
            }
            for (a, b) in pairs {
                learners[0].observe(a)
                learners[1].observe(b)
            }
        }
    }

    /// Reads every port of the sensor for `seconds`.
    mutating func listen(seconds: Double) throws {
        var sources: [any ByteSource] = []
        defer { for source in sources { source.close() } }
        for port in sensor.ports {
            do {
                sources.append(try openSource(try SourceAddress(parsing: port), baud: sensor.baud))
            } catch SourceError.busy {
                throw CommandFailure(
                    "\(port) is in use, probably by passantd: stop it first (systemctl stop passantd)")
            } catch {
                throw CommandFailure("cannot open \(port): \(error)")
            }
        }
        print(
            "listening to \(sensor.ports.joined(separator: " and ")) for \(seconds) s; keep the walkway empty"
        )
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { buffer.deallocate() }
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            for (index, source) in sources.enumerated() {
                let count: Int
                do {
                    count = try source.read(into: buffer, timeoutMillis: sources.count == 1 ? 100 : 10)
                } catch {
                    throw CommandFailure("lost \(sensor.ports[index]) while listening: \(error)")
                }
                if count > 0 { feed(Array(buffer[0..<count]), port: index) }
            }
        }
    }
}
