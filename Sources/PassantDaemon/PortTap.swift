import Foundation
import Synchronization

/// Lends `passant calibrate` the bytes a sensor sends while passantd holds its port: a technician can
/// learn the empty scene without stopping the daemon, and counting goes on meanwhile.
///
/// The bytes go to the CLI over the owner-group control socket and stay in its memory while it
/// learns; nothing here is stored. One recording per sensor at a time, at most `maxSeconds` long and
/// `maxBytes` big.
final class PortTap: Sendable {
    static let maxSeconds = 120.0
    static let maxBytes = 3 << 20

    private struct Recording {
        var until: Double
        var ports: [[UInt8]]
    }

    private let recordings = Mutex<[String: Recording]>([:])
    /// Whether any recording is on: the sensor loops check it on every read.
    private let active = Atomic(0)

    /// Called by a sensor loop with what it read from port `port`.
    func record(_ sensor: String, port: Int, _ bytes: UnsafeRawBufferPointer) {
        guard active.load(ordering: .relaxed) > 0 else { return }
        recordings.withLock { recordings in
            guard var recording = recordings[sensor], monotonicSeconds() < recording.until,
                recording.ports.indices.contains(port),
                recording.ports.reduce(0, { $0 + $1.count }) + bytes.count <= Self.maxBytes
            else { return }
            recording.ports[port].append(contentsOf: bytes)
            recordings[sensor] = recording
        }
    }

    /// Records `sensor`'s `ports` ports for `seconds` and returns what they sent; blocks meanwhile.
    func listen(_ sensor: String, ports: Int, seconds: Double) throws -> [[UInt8]] {
        guard seconds > 0, seconds <= Self.maxSeconds else {
            throw TapError("listen for 0–\(Int(Self.maxSeconds)) s, not \(seconds)")
        }
        let started = recordings.withLock { recordings in
            guard recordings[sensor] == nil else { return false }
            recordings[sensor] = Recording(
                until: monotonicSeconds() + seconds, ports: Array(repeating: [], count: ports))
            return true
        }
        guard started else {
            throw TapError("another passant already listens to \(sensor); try again shortly")
        }
        active.add(1, ordering: .relaxed)
        defer { active.subtract(1, ordering: .relaxed) }
        usleep(UInt32(seconds * 1_000_000))
        return recordings.withLock { $0.removeValue(forKey: sensor)?.ports ?? [] }
    }

    struct TapError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
