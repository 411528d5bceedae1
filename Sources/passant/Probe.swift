import ArgumentParser
import Foundation
import PCNT
import PortProbe
import SerialInput
import TFmini

/// `passant probe PORT`: what a port speaks, how well, and who is there.
struct Probe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Listen to a port and say which protocol it speaks (PCNT, TFmini, LD06), and how well.",
        discussion: """
            Listens at 115200 baud, then at 230400 if nothing was recognised, and reports the frames per \
            second and the bytes that were not part of a good frame. A PCNT node is asked for its HELLO \
            (command H) if none went by; a TFmini for its firmware version. Stop passantd first if it \
            reads the port (the port is locked while it does). Exit status 1 when nothing was recognised.
            """)

    @Argument(help: "The port: /dev/serial/by-id/..., /dev/ttyUSB0, a pseudo-terminal or tcp://host:port.")
    var port: String

    @Option(help: "Seconds to listen at each baud rate.")
    var seconds: Double = 2

    @Option(help: "Baud rates to try, in order, comma-separated.")
    var baud: String = "115200,230400"

    func validate() throws {
        guard seconds > 0 && seconds <= 60 else {
            throw ValidationError("--seconds must be between 0 and 60")
        }
        guard !rates.isEmpty else {
            throw ValidationError("--baud '\(baud)' lists no baud rate, e.g. 115200,230400")
        }
    }

    var rates: [Int] {
        baud.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    func run() throws {
        let address: SourceAddress
        do {
            address = try SourceAddress(parsing: port)
        } catch {
            throw CommandFailure("\(error)")
        }
        var tried: [String] = []
        for rate in rates {
            let source: any ByteSource
            do {
                source = try openSource(address, baud: rate)
            } catch {
                throw CommandFailure("cannot open \(port): \(error)")
            }
            defer { source.close() }
            var sniffer = ProtocolSniffer()
            let started = Date()
            listen(source, into: &sniffer, for: seconds)
            let elapsed = Date().timeIntervalSince(started)
            guard let proto = sniffer.detected else {
                tried.append("\(rate): \(sniffer.bytes) bytes, none of them a known protocol")
                continue
            }
            let perSecond = Double(sniffer.frames(proto)) / max(elapsed, 0.001)
            print(
                "\(port) at \(rate) baud: \(proto.rawValue) (\(proto)), "
                    + String(format: "%.1f frames/s", perSecond)
                    + ", \(sniffer.rejectedBytes) of \(sniffer.bytes) bytes rejected")
            switch proto {
            case .pcnt:
                try identifyNode(source, &sniffer)
                let r = sniffer.pcntRejects
                print(
                    "  rejects: \(r.badCRC) bad CRC, \(r.malformed) malformed, \(r.tooLong) too long, \(r.unknownType) unknown type, \(r.noiseBytes) noise bytes"
                )
            case .tfmini:
                try identifyRangefinder(source, &sniffer)
                let r = sniffer.tfminiRejects
                print(
                    "  rejects: \(r.badFrameChecksum + r.badMessageChecksum) bad checksum, \(r.noiseBytes) noise bytes"
                )
            case .ld06:
                print("  (an LD06/LD19 takes no commands; `passant` counts it with protocol: ld06)")
            }
            return
        }
        let detail = tried.map { "  at \($0)" }.joined(separator: "\n")
        FileHandle.standardError.write(
            Data(
                """
                \(port): no known protocol
                \(detail)
                No bytes at all: check power and wiring (the sensor's TX to the adapter's RX, common ground). \
                Bytes but no protocol: another baud rate (--baud), or swapped or floating lines.

                """.utf8))
        throw ExitCode(1)
    }

    /// Reads for `seconds`, feeding the sniffer.
    private func listen(_ source: any ByteSource, into sniffer: inout ProtocolSniffer, for seconds: Double) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { buffer.deallocate() }
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let left = Int(deadline.timeIntervalSinceNow * 1000)
            guard let count = try? source.read(into: buffer, timeoutMillis: max(1, min(left, 200))) else {
                return
            }
            if count > 0 { sniffer.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) }
        }
    }

    /// Reads until `done` says so or `millis` pass; true when done.
    private func waitFor(
        _ source: any ByteSource, _ sniffer: inout ProtocolSniffer, millis: Int,
        _ done: (ProtocolSniffer) -> Bool
    ) -> Bool {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { buffer.deallocate() }
        let deadline = Date().addingTimeInterval(Double(millis) / 1000)
        while !done(sniffer) && Date() < deadline {
            let left = Int(deadline.timeIntervalSinceNow * 1000)
            guard let count = try? source.read(into: buffer, timeoutMillis: max(1, min(left, 100))) else {
                break
            }
            if count > 0 { sniffer.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) }
        }
        return done(sniffer)
    }

    private func identifyNode(_ source: any ByteSource, _ sniffer: inout ProtocolSniffer) throws {
        if sniffer.hello == nil {
            try? source.write(Command.hello(request: 1).encoded)
            // The node answers with its next sentences: within a keepalive interval.
            _ = waitFor(source, &sniffer, millis: 2500) { $0.hello != nil }
        }
        if let hello = sniffer.hello {
            print(
                "  HELLO: node \(hello.nodeID), firmware \(hello.firmware), kind \(hello.kind.rawValue), protocol version \(hello.protocolVersion)"
            )
        } else {
            print("  no HELLO within 2.5 s of the H command: the node's RX line may not be connected")
        }
    }

    private func identifyRangefinder(_ source: any ByteSource, _ sniffer: inout ProtocolSniffer) throws {
        let command = TFminiCommand.version
        for _ in 0..<2 where sniffer.tfminiVersion == nil {
            try? source.write(command.encoded)
            _ = waitFor(source, &sniffer, millis: command.replyTimeoutMillis) { $0.tfminiVersion != nil }
        }
        if let version = sniffer.tfminiVersion {
            print("  firmware \(version)")
        } else {
            print(
                "  no answer to the version command (5A 04 01 5F) within \(command.replyTimeoutMillis) ms, twice: "
                    + "the sensor's RX line may not be connected, or it is an original TFmini (not -S/Plus), "
                    + "which speaks another command protocol"
            )
        }
    }
}
