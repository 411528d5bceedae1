import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A system program (not one of ours), started for real.
func system(_ path: String, _ arguments: [String]) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    return process
}

/// A real Mosquitto broker on loopback `port`, anonymous, without persistence. Kill it when done.
/// The broker inherits the signal mask of the thread that spawns it, which in the test process blocks
/// SIGTERM, SIGINT and SIGHUP (a broker left running showed them blocked in /proc/PID/status):
/// `terminate()` does not stop it. Stop it with SIGKILL.
func startMosquitto(port: Int, in directory: URL) throws -> Process {
    let config = directory.appendingPathComponent("mosquitto.conf")
    try "listener \(port) 127.0.0.1\nallow_anonymous true\npersistence false\n"
        .write(to: config, atomically: true, encoding: .utf8)
    let broker = try system("/usr/sbin/mosquitto", ["-c", config.path])
    broker.standardOutput = FileHandle.nullDevice
    broker.standardError = FileHandle.nullDevice
    try broker.run()
    return broker
}

/// `mosquitto_sub` at QoS 1 on `topic`, printing `topic payload` lines into `file`. Kill it when done.
func startSubscriber(port: Int, topic: String, into file: URL) throws -> Process {
    try createEmptyFile(file.path)
    let subscriber = try system(
        "/usr/bin/mosquitto_sub", ["-h", "127.0.0.1", "-p", "\(port)", "-q", "1", "-v", "-t", topic])
    subscriber.standardOutput = try FileHandle(forWritingTo: file)
    subscriber.standardError = FileHandle.nullDevice
    try subscriber.run()
    return subscriber
}
