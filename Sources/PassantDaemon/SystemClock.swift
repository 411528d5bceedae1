import Counting
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// How passantd learns that the system clock is set (a gateway without a real-time clock boots at
/// whatever time it last saved, or at 1970, until NTP answers).
public enum TimeSynchronisation: Sendable, Hashable {
    /// systemd-timesyncd's marker when timesyncd runs, otherwise the kernel's NTP status (adjtimex
    /// without STA_UNSYNC, as chrony and ntpd leave it).
    case automatic
    /// The clock is trusted as it is (a container whose host keeps time, a test).
    case assumed
    /// Synchronised once this file exists (a test, or another time daemon's marker).
    case file(String)

    /// The marker systemd-timesyncd creates once it has synchronised the clock.
    public static let timesyncdMarker = "/run/systemd/timesync/synchronized"

    /// Parses `--time-sync`: `auto`, `assume` or a path.
    public init(_ text: String) {
        switch text {
        case "auto": self = .automatic
        case "assume": self = .assumed
        default: self = .file(text)
        }
    }

    /// Whether the clock is synchronised now.
    public func isSynchronised() -> Bool {
        switch self {
        case .assumed:
            return true
        case .file(let path):
            return access(path, F_OK) == 0
        case .automatic:
            if access("/run/systemd/timesync", F_OK) == 0 {
                return access(Self.timesyncdMarker, F_OK) == 0
            }
            return Self.kernelSaysSynchronised()
        }
    }

    /// What a technician reads in the log while the clock is not synchronised.
    public var waitingNote: String {
        switch self {
        case .assumed: return ""
        case .file(let path): return "\(path) does not exist yet"
        case .automatic:
            return
                "neither \(Self.timesyncdMarker) nor the kernel's NTP status says so; check `timedatectl` and the network, or start passantd with --time-sync assume if this clock is kept by a host"
        }
    }

    private static func kernelSaysSynchronised() -> Bool {
        // adjtimex(2) with modes 0 only reads. Glibc's module does not export <sys/timex.h>, so the
        // function is looked up and `struct timex` read by layout: `status` (int) follows modes (int,
        // padded to a long), offset, freq, maxerror and esterror (longs): byte 40 on 64-bit Linux,
        // byte 20 on 32-bit (Raspberry Pi OS armhf).
        typealias AdjTimeX = @convention(c) (UnsafeMutableRawPointer) -> Int32
        // Without the call (or refused by a sandbox) nobody can tell: stamping with the clock as it is
        // beats holding every bin for ever. timesyncd's marker, checked first, is the usual answer.
        guard let symbol = dlsym(nil, "adjtimex") else { return true }
        let adjtimex = unsafeBitCast(symbol, to: AdjTimeX.self)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 512, alignment: 8)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: 512)
        let state = adjtimex(buffer)
        guard state >= 0 else { return true }
        let status = buffer.load(fromByteOffset: MemoryLayout<Int>.size == 8 ? 40 : 20, as: Int32.self)
        // TIME_ERROR (5) and STA_UNSYNC (0x40): the kernel has not been told the clock is right.
        return state != 5 && status & 0x40 == 0
    }
}

/// Reads the gateway's clocks for `ClockKeeper`.
struct SystemClock: Sendable {
    let synchronisation: TimeSynchronisation

    func reading() -> ClockReading {
        ClockReading(boot: bootMillis(), realtime: systemMillis(), synchronised: synchronisation.isSynchronised())
    }
}

/// Milliseconds since boot, counting suspend; never steps.
func bootMillis() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_BOOTTIME, &spec)
    return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
}

/// This boot's id (/proc/sys/kernel/random/boot_id), for the log.
func bootID() -> String {
    (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
        .trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
}
