import ArgumentParser
import CountBins
import Counting
import Foundation
import LD06
import PassantConfig
import PassantDaemon

/// `passant replay`: the daemon's pipeline over a capture file, as fast as it goes.
struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Count a capture file with the daemon's pipeline and print each closed bin as JSON.",
        discussion: """
            A capture is the raw bytes of a serial line (what the simulator writes with --capture, or \
            `cat /dev/ttyUSB0 > file`). Node tick 0 is --start. With --config, the sensor's settings \
            (bin length, detector, node id) are used; otherwise the defaults. A summary goes to stderr.
            """)

    @Argument(help: "The capture file.")
    var capture: String

    @Option(
        help:
            "The protocol spoken in the capture: pcnt or ld06 (default: the sensor's in --config, else pcnt)."
    )
    var `protocol`: String?

    @Option(
        name: .customLong("capture-b"),
        help: ArgumentHelp(
            "Channel B's capture, for a tfmini-pair (the argument is channel A's).", valueName: "file"))
    var captureB: String?

    @OptionGroup var options: ConfigOptions

    @Option(help: "The sensor in the configuration whose settings to use (default: the first).")
    var sensor: String?

    @Option(help: "The UTC instant of node tick 0 (ISO 8601).")
    var start: String = "1970-01-01T00:00:00Z"

    @Option(help: "Bin length in seconds: 60, 300, 900 or 3600 (default: the configuration's, else 900).")
    var binSeconds: Int?

    @Flag(
        help: """
            Only decode the capture (ld06) and print the decoder's throughput in MB/s of CPU time; nothing \
            is counted.
            """)
    var decodeOnly = false

    func validate() throws {
        if let name = `protocol`, SensorProtocol(rawValue: name) == nil {
            let known = SensorProtocol.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("--protocol \(name) is not supported; supported: \(known)")
        }
        guard UTCTime.parseMillis(start) != nil else {
            throw ValidationError("--start '\(start)' is not an ISO 8601 time like 2026-06-01T08:00:00Z")
        }
        if let binSeconds, BinLength(rawValue: binSeconds) == nil {
            throw ValidationError("--bin-seconds must be 60, 300, 900 or 3600, not \(binSeconds)")
        }
    }

    func run() throws {
        var setup = CounterSetup.replay(
            protocol: `protocol`.flatMap(SensorProtocol.init(rawValue:)) ?? .pcnt,
            bins: .init(node: "replay", sensor: "replay"))
        if let path = options.config {
            let config = try loadConfiguration(path)
            guard
                let chosen = sensor.map({ name in config.sensors.first { $0.name == name } })
                    ?? config.sensors.first
            else {
                throw ValidationError(
                    "no sensor '\(sensor ?? "")' in \(path); it has: \(config.sensors.map(\.name).joined(separator: ", "))"
                )
            }
            if let name = `protocol`, name != chosen.protocol.rawValue {
                throw ValidationError(
                    "--protocol \(name) contradicts sensor '\(chosen.name)' in \(path), which speaks \(chosen.protocol.rawValue)"
                )
            }
            setup = CounterSetup(sensor: chosen, in: config)
        } else if let sensor {
            setup.bins.sensor = sensor
        }
        if let binSeconds { setup.bins.length = BinLength(rawValue: binSeconds)! }
        if decodeOnly {
            guard case .ld06 = setup else {
                throw ValidationError(
                    "--decode-only is for ld06 captures (give --protocol ld06 or an ld06 sensor)")
            }
            try decodeLD06()
            return
        }

        guard let file = FileHandle(forReadingAtPath: capture) else {
            throw ValidationError("cannot open the capture '\(capture)'; check the path and its permissions")
        }
        var counter = setup.makeCounter(clock: .fixed(epoch: UTCTime.parseMillis(start)!))
        var fileB: FileHandle?
        if counter.portCount == 2 {
            guard let captureB else {
                throw ValidationError("a tfmini-pair has two captures: give channel B's with --capture-b")
            }
            guard let opened = FileHandle(forReadingAtPath: captureB) else {
                throw ValidationError(
                    "cannot open the capture '\(captureB)'; check the path and its permissions")
            }
            fileB = opened
        } else if captureB != nil {
            throw ValidationError("--capture-b is for a tfmini-pair; this sensor reads one port")
        }
        let began = Date()
        let cpuBefore = threadCPUSeconds()
        var output = ""
        var bytes = 0
        func emit(_ bins: [CountBin]) {
            for bin in bins { output += BinFormat.json.line(bin, includeNode: false) + "\n" }
            if output.utf8.count > 1 << 16 {
                FileHandle.standardOutput.write(Data(output.utf8))
                output = ""
            }
        }
        // Two ports are read in turns of about half a second of frames each, as the daemon would.
        let chunkSize = fileB == nil ? 1 << 16 : 450
        while true {
            let chunk = file.readData(ofLength: chunkSize)
            let chunkB = fileB?.readData(ofLength: chunkSize) ?? Data()
            if chunk.isEmpty && chunkB.isEmpty { break }
            bytes += chunk.count + chunkB.count
            emit(chunk.withUnsafeBytes { counter.receive($0, port: 0, arrival: nil) })
            if !chunkB.isEmpty { emit(chunkB.withUnsafeBytes { counter.receive($0, port: 1, arrival: nil) }) }
        }
        emit(counter.finish(now: nil))
        FileHandle.standardOutput.write(Data(output.utf8))

        let wall = Date().timeIntervalSince(began)
        let cpu = threadCPUSeconds() - cpuBefore
        let health = counter.health
        let epoch = UTCTime.parseMillis(start)!
        let simulated = Double((counter.sensorNow ?? epoch) - epoch) / 1000
        let frames =
            health.protocol == "pcnt" ? "sentences" : health.protocol == "tfmini-pair" ? "frames" : "packets"
        let summary =
            "replayed \(bytes) bytes: \(health.frames) \(frames), \(health.rejectedFrames) rejected, "
            + "\(health.lostFrames) lost, \(health.crossings) crossings, "
            + (health.protocol == "ld06" ? "\(health.fastMovers) fast movers apart, " : "")
            + String(
                format: "%.0f s of sensor time in %.3f s (%.0f× real time); CPU %.3f s: %.0f× on one core\n",
                simulated, wall, wall > 0 ? simulated / wall : 0, cpu, cpu > 0 ? simulated / cpu : 0)
        FileHandle.standardError.write(Data(summary.utf8))
    }
}

extension Replay {
    /// The LD06 decoder alone over the capture, read into memory first, fed in 64 KiB reads as from a
    /// port; CPU time of this thread, so other load on the machine does not count.
    func decodeLD06() throws {
        guard let data = FileManager.default.contents(atPath: capture) else {
            throw ValidationError("cannot read the capture '\(capture)'; check the path and its permissions")
        }
        var decoder = LD06Decoder()
        var points = 0
        let before = threadCPUSeconds()
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let end = min(bytes.count, offset + 1 << 16)
                decoder.decode(UnsafeRawBufferPointer(rebasing: bytes[offset..<end])) { packet in
                    points += packet.points.count
                }
                offset = end
            }
        }
        let seconds = threadCPUSeconds() - before
        let summary = String(
            format: "decoded %d bytes: %d packets (%d points), %d rejected, in %.3f s CPU: %.0f MB/s\n",
            data.count,
            decoder.packetsAccepted, points, decoder.rejects.total, seconds,
            seconds > 0 ? Double(data.count) / seconds / 1e6 : 0)
        FileHandle.standardError.write(Data(summary.utf8))
    }
}

/// CPU seconds spent by the calling thread.
func threadCPUSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

func loadConfiguration(_ path: String) throws -> PassantConfig.Configuration {
    do {
        return try PassantConfig.Configuration.load(path: path, defaultNode: hostName())
    } catch {
        throw ValidationError("configuration not usable:\n\(error)")
    }
}
