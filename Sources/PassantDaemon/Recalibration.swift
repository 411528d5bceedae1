import Control
import Counting
import Foundation
import Logging
import PassantConfig
import ServiceLifecycle
import Synchronization
import UnixSignals

/// `passant calibrate` ends with a `reload`: passantd reads its configuration file again (with the
/// baseline and background files it names) and hands each sensor loop its new calibration — a counting
/// line, a region, a background, a baseline — without a restart and without losing the open bins.
///
/// Only calibration and detection settings change this way. Anything else (ports, protocols, bins,
/// uplinks, the store) needs a restart, and the reply says so; a configuration with problems is
/// refused and passantd keeps counting with what it has.
final class CalibrationDesk: Sendable {
    /// Reads the configuration file again.
    let read: @Sendable () throws -> Configuration
    private let state: Mutex<State>

    private struct State {
        /// The configuration passantd counts with: as started, plus the calibrations applied since.
        var current: Configuration
        /// Each sensor loop's settings now, as its counter was built or last recalibrated.
        var setups: [String: CounterSetup] = [:]
        /// New settings per sensor, until its loop takes them.
        var pending: [String: CounterSetup] = [:]
        /// What each loop answered: applied, or not applicable without a restart.
        var answers: [String: Bool] = [:]
    }

    init(configuration: Configuration, read: @escaping @Sendable () throws -> Configuration) {
        self.read = read
        state = Mutex(State(current: configuration))
    }

    /// A sensor service's settings at start.
    func register(_ sensor: String, setup: CounterSetup) {
        state.withLock { $0.setups[sensor] = setup }
    }

    /// Called by a sensor loop each turn: new settings to apply, if any.
    func take(_ sensor: String) -> CounterSetup? {
        state.withLock { $0.pending.removeValue(forKey: sensor) }
    }

    /// The loop's answer to the settings it took.
    func answer(_ sensor: String, applied: Bool) {
        state.withLock { $0.answers[sensor] = applied }
    }

    /// Reads the configuration again and applies the calibration of `sensor` (nil: every sensor),
    /// waiting up to `timeoutSeconds` for the loops. The reply lists what happened per sensor.
    func reload(sensor: String?, timeoutSeconds: Double = 5) -> ControlReply {
        let fresh: Configuration
        do {
            fresh = try read()
        } catch {
            return ControlReply(
                error:
                    "the configuration has problems; passantd keeps counting with its current settings:\n\(error)"
            )
        }
        let (current, setups) = state.withLock { ($0.current, $0.setups) }
        var lines: [String] = []
        var queued: [String: (sensor: SensorConfiguration, setup: CounterSetup)] = [:]
        for running in current.sensors where sensor == nil || running.name == sensor {
            guard let updated = fresh.sensors.first(where: { $0.name == running.name }) else {
                lines.append("\(running.name): no longer in the configuration; restart passantd to remove it")
                continue
            }
            let (setup, notes) = CounterSetup.setup(sensor: updated, in: fresh)
            if let reason = Self.restartReason(from: running, in: current, to: updated, in: fresh) {
                lines.append("\(running.name): \(reason) changed; restart passantd to apply that")
                continue
            }
            if setup == setups[running.name] {
                lines.append("\(running.name): calibration unchanged")
                continue
            }
            lines += notes.map { "\(running.name): \($0)" }
            queued[running.name] = (updated, setup)
        }
        for added in fresh.sensors where !current.sensors.contains(where: { $0.name == added.name }) {
            if sensor == nil {
                lines.append("\(added.name): new in the configuration; restart passantd to start it")
            }
        }
        state.withLock { state in
            for (name, entry) in queued {
                state.pending[name] = entry.setup
                state.answers[name] = nil
            }
        }
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        var answers: [String: Bool] = [:]
        while Date() < deadline {
            answers = state.withLock { $0.answers }
            if queued.keys.allSatisfy({ answers[$0] != nil }) { break }
            usleep(20_000)
        }
        for name in queued.keys.sorted() {
            switch answers[name] {
            case true?:
                lines.append("\(name): new calibration applied")
                state.withLock { state in
                    if let index = state.current.sensors.firstIndex(where: { $0.name == name }) {
                        state.current.sensors[index] = queued[name]!.sensor
                    }
                    state.setups[name] = queued[name]!.setup
                }
            case false?:
                lines.append("\(name): these settings need a restart of passantd")
            case nil:
                state.withLock { _ = $0.pending.removeValue(forKey: name) }
                lines.append(
                    "\(name): the sensor loop did not answer in \(Int(timeoutSeconds)) s; nothing changed")
            }
        }
        return ControlReply(message: lines.joined(separator: "\n"))
    }

    /// What changed in a sensor beyond its calibration, if anything.
    static func restartReason(
        from old: SensorConfiguration, in oldConfiguration: Configuration, to new: SensorConfiguration,
        in newConfiguration: Configuration
    ) -> String? {
        if old.protocol != new.protocol { return "the protocol" }
        if old.ports != new.ports || old.baud != new.baud { return "the port" }
        if old.labels != new.labels { return "the direction labels" }
        if oldConfiguration.binLength != newConfiguration.binLength
            || oldConfiguration.node != newConfiguration.node
            || oldConfiguration.graceSeconds != newConfiguration.graceSeconds
        {
            return "the bins (bin_seconds, node or grace)"
        }
        return nil
    }
}

/// `systemctl reload passantd` (SIGHUP): the same reload as `passant calibrate` asks for, for every
/// sensor, with what happened in the log.
struct HangupReload: Service {
    let calibrations: CalibrationDesk
    let logger: Logger

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            logger.notice("SIGHUP: reading the configuration's calibrations again")
            // The reload waits for the sensor loops: off the cooperative pool.
            let reply = await withCheckedContinuation { (done: CheckedContinuation<ControlReply, Never>) in
                DispatchQueue.global().async { done.resume(returning: calibrations.reload(sensor: nil)) }
            }
            if let error = reply.error {
                logger.error("\(error)")
            } else {
                for line in (reply.message ?? "").split(separator: "\n") { logger.notice("\(line)") }
            }
        }
    }
}
