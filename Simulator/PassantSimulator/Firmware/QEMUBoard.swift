// The counter node's real firmware (Hardware/firmware) on its emulated board, for `passant-sim --node
// qemu` and the firmware tests: a `qemu-system-arm -M mps2-an386` process with two sockets, the node's
// UART to the gateway and the board's test port that sets the beam inputs at given ticks.

#if canImport(Glibc)
    import Glibc
#endif

/// The firmware image running in QEMU. Stopping it (or releasing it) kills QEMU: the node loses power.
public final class QEMUBoard: @unchecked Sendable {
    public enum Clock: Sendable {
        /// The node's tick follows the host's clock: for whoever answers what the node says.
        case realTime
        /// `-icount` without sleeping: the tick advances with the instructions run and jumps over idle
        /// time, so the node runs many times faster than real time and the same inputs give the same
        /// bytes. For runs whose inputs are scheduled ahead.
        case fast
    }

    /// QEMU could not be started or reached, with what to do.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The node's UART: PCNT sentences out, commands in.
    public let link: Int32
    /// The board's test port: schedule lines `<tick>,<levels>` for the beam inputs (bit 0 A, bit 1 B).
    public let testPort: Int32
    private let pid: pid_t
    private let directory: String
    private var stopped = false

    public init(image: String, clock: Clock) throws(Failure) {
        var template = Array("/tmp/passant-qemu-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw Failure(description: "cannot make a directory for QEMU's sockets in /tmp: errno \(errno)")
        }
        directory = String(cString: made)
        var arguments = ["qemu-system-arm", "-M", "mps2-an386", "-nographic", "-monitor", "none"]
        if clock == .fast { arguments += ["-icount", "shift=3,sleep=off"] }
        arguments += [
            "-kernel", image,
            "-chardev", "socket,id=link,path=\(directory)/link,server=on,wait=on", "-serial", "chardev:link",
            "-chardev", "socket,id=port,path=\(directory)/port,server=on,wait=on", "-serial", "chardev:port",
        ]
        let pid = try Self.spawn(arguments)
        self.pid = pid
        // QEMU opens the sockets in order and boots the node only when both are connected, so nothing
        // the node says is lost.
        link = try Self.connect(directory + "/link", pid: pid)
        testPort = try Self.connect(directory + "/port", pid: pid)
    }

    deinit {
        stop()
        close(link)
        close(testPort)
        unlink(directory + "/link")
        unlink(directory + "/port")
        rmdir(directory)
    }

    /// Kills QEMU and shuts both sockets down, so a reader on another thread sees the end.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        shutdown(link, Int32(SHUT_RDWR))
        shutdown(testPort, Int32(SHUT_RDWR))
    }

    /// Starts QEMU with a clean signal mask and default handlers: a test runner's or a simulator's
    /// threads block signals that QEMU's own timers and shutdown rely on, and a plain spawn passes the
    /// mask on. Its standard streams go to /dev/null.
    private static func spawn(_ arguments: [String]) throws(Failure) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in 0...2 {
            posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, arguments[0], &actions, &attributes, &argv, environ)
        guard result == 0 else {
            throw Failure(
                description:
                    "cannot start \(arguments[0]): \(String(cString: strerror(result))); install it with scripts/setup"
            )
        }
        return pid
    }

    private static func connect(_ path: String, pid: pid_t) throws(Failure) -> Int32 {
        var waited = 0
        while waited < 20_000 {
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == 0 else {
                throw Failure(description: "qemu-system-arm exited at start: is the firmware image right?")
            }
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (index, byte) in path.utf8.enumerated() where index < raw.count - 1 { raw[index] = byte }
            }
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            if connected == 0 { return fd }
            close(fd)
            usleep(20_000)
            waited += 20
        }
        kill(pid, SIGKILL)
        throw Failure(description: "QEMU did not open \(path) within 20 s")
    }
}
