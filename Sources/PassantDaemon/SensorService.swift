import Control
import CountBins
import Counting
import Foundation
import Logging
import PCNT
import PassantConfig
import SerialInput
import ServiceLifecycle
import Store
import Synchronization

/// One sensor: its port, its counting pipeline and its bins on their way to the store.
///
/// The pipeline is pure and owned by one dedicated thread that reads the port with a short timeout,
/// so a slow store or a busy executor never delays reading. A port that fails or disappears is
/// reopened with backoff; the other sensors carry on. On shutdown the open bin is closed early and
/// stored, and `resume` picks it up again after a restart within the same bin.
public struct SensorService: Service {
    public let sensor: SensorConfiguration
    /// The sensor's pipeline (by its protocol) and settings.
    let counter: CounterSetup
    let clock: ClockAnchor.Mode
    /// How the loop learns that the system clock is set (with `clock` `.systemClock`).
    let timeSync: TimeSynchronisation
    let store: BinStore
    /// The site's `privacy:` policy, applied to each bin once as it closes.
    let privacy: PrivacyPolicy
    let board: StatusBoard
    let live: LiveFeed
    let nodes: NodeDesk
    let calibrations: CalibrationDesk
    let tap: PortTap
    let logger: Logger

    init(
        sensor: SensorConfiguration, configuration: Configuration, clock: ClockAnchor.Mode, store: BinStore,
        board: StatusBoard, live: LiveFeed, nodes: NodeDesk, calibrations: CalibrationDesk, tap: PortTap,
        logger: Logger, timeSync: TimeSynchronisation = .automatic
    ) {
        self.tap = tap
        self.timeSync = timeSync
        self.live = live
        self.nodes = nodes
        self.calibrations = calibrations
        self.sensor = sensor
        let (setup, notes) = CounterSetup.setup(sensor: sensor, in: configuration)
        self.counter = setup
        calibrations.register(sensor.name, setup: setup)
        self.clock = clock
        self.store = store
        self.privacy = configuration.privacy
        self.board = board
        var logger = logger
        logger[metadataKey: "sensor"] = "\(sensor.name)"
        self.logger = logger
        for note in notes { logger.warning("\(note)") }
        board.register(sensor.name, port: sensor.ports.joined(separator: " + "))
        if sensor.protocol == .tof2 || sensor.protocol == .tfminiPair, let note = RangePair.Configuration.load(sensor).note {
            self.logger.warning("\(note)")
        }
    }

    public func run() async throws {
        let stop = StopSignal()
        await withTaskCancellationOrGracefulShutdownHandler {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                let thread = Thread { [self] in
                    var loop = SensorLoop(service: self, stop: stop)
                    loop.run()
                    done.resume()
                }
                thread.name = "sensor \(sensor.name)"
                thread.start()
            }
        } onCancelOrGracefulShutdown: {
            stop.raise()
        }
    }
}

/// Set once, from any thread, to end a sensor loop.
final class StopSignal: Sendable {
    private let raised = Atomic(false)
    func raise() { raised.store(true, ordering: .releasing) }
    var isRaised: Bool { raised.load(ordering: .acquiring) }
}

/// The loop on a sensor's thread. Not shared: everything here belongs to that thread.
struct SensorLoop {
    let service: SensorService
    let stop: StopSignal
    var counter: any SensorCounter
    /// The counter's settings: as configured, or as `passant calibrate` last set them.
    var setup: CounterSetup
    /// One per port the sensor reads (two for a TFmini pair), each reopened on its own.
    var ports: [PortState]
    /// Bins closed but not yet in the store (the store failed: disk full, read-only…).
    var waiting: [CountBin] = []
    /// The true counts of waiting bins closed early under a privacy policy, for a resume (see
    /// `PrivacyBoundary`).
    var waitingResumeCounts: [BinKey: ResumeCounts] = [:]
    /// Noise from getrandom(2): drawn once per bin as it closes, then stored.
    var privacy: PrivacyBoundary<SystemRandomNumberGenerator>
    var stored = 0
    var lastStoreError: String?
    var lastSecond = 0.0
    /// Each rangefinder's link as last logged (a TFmini pair), so a technician sees which one went quiet.
    var loggedChannelLinks: [SensorHealth.Link] = [.waiting, .waiting]
    var loggedLearning = [true, true]
    /// Whether someone watches this sensor live, and the frames counted at the last second.
    var watched = false
    var framesAtLastSecond = 0
    /// The system clock made safe (unset, stepping); nil with a sensor epoch. See `ClockKeeper`.
    var keeper: ClockKeeper?
    var loggedUnsynchronised = false
    /// This boot (/proc/sys/kernel/random/boot_id), written with each held bin.
    let boot = bootID()
    /// The sensor's rows of `held_bin` as this loop last wrote them; nil when they could not be read at
    /// start (then this run leaves the table alone). See `HeldBin`.
    var storedHeld: [HeldBin]? = []

    var logger: Logger { service.logger }
    private var followsSystemClock: Bool { service.clock == .systemClock }

    init(service: SensorService, stop: StopSignal) {
        self.service = service
        self.stop = stop
        setup = service.counter
        counter = setup.makeCounter(clock: service.clock)
        privacy = PrivacyBoundary(policy: service.privacy, generator: SystemRandomNumberGenerator())
        ports = service.sensor.ports.map { PortState(name: $0) }
        // Before the keeper reads where the stored bins end: bins of an earlier boot may be stored now.
        let heldThisBoot = recoverHeldBins()
        if service.clock == .systemClock {
            let storedUntil = (try? service.store.storedUntil(sensor: service.sensor.name)) ?? nil
            var keeper = ClockKeeper(
                SystemClock(synchronisation: service.timeSync).reading(), length: service.counter.bins.length,
                storedUntil: storedUntil.map { $0 * 1000 })
            for held in heldThisBoot { keeper.adopt(held.bin, bootStart: held.bootStart) }
            self.keeper = keeper
        }
    }

    /// A port of the sensor: its source while open, and when to try again while not.
    struct PortState {
        let name: String
        var source: (any ByteSource)?
        var backoffSeconds = 0.5
        var nextAttempt = 0.0
        var lastOpenError: String?
        /// Opened before: a later open is a reopening, and the counter is told.
        var wasOpen = false
    }

    private var lastOpenError: String? { ports.compactMap(\.lastOpenError).first }

    mutating func run() {
        resumeEarlyClosedBin()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { buffer.deallocate() }
        // One port waits long; with two, each read waits briefly so neither starves the other.
        let timeout = ports.count == 1 ? 250 : 10
        while !stop.isRaised {
            let now = monotonicSeconds()
            var anyOpen = false
            for index in ports.indices {
                if ports[index].source == nil, now >= ports[index].nextAttempt { open(index, now: now) }
                guard let port = ports[index].source else { continue }
                anyOpen = true
                do {
                    let count = try port.read(into: buffer, timeoutMillis: timeout)
                    if count > 0 {
                        let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
                        service.tap.record(service.sensor.name, port: index, bytes)
                        // Read live, the arrival is known whatever the clock: counters anchor to it only
                        // with the system clock, but may tell a silent port by it (a TFmini pair).
                        let arrival = keeper?.time(boot: bootMillis()) ?? systemMillis()
                        closed(admit(counter.receive(bytes, port: index, arrival: arrival)))
                        if watched { publishLive() }
                        service.nodes.deliver(counter.takeReplies())
                    }
                } catch {
                    logger.warning("lost \(ports[index].name): \(error)")
                    port.close()
                    ports[index].source = nil
                    ports[index].nextAttempt = now + ports[index].backoffSeconds
                }
            }
            if !anyOpen { usleep(100_000) }
            sendCommands()
            recalibrate()
            if now - lastSecond >= 1 { everySecond(now: now) }
        }
        closed(admit(counter.finish(now: keeper?.time(boot: bootMillis()))))
        if var keeper, !keeper.held.isEmpty {
            if storedHeld == nil {
                let held = keeper.releaseHeld()
                logger.warning(
                    "stopping before the system clock was synchronised: \(held.count) bins stored flagged clock-unsynchronised with the unsynchronised clock's time")
                closed(held)
                self.keeper = keeper
            } else {
                logger.warning(
                    "stopping before the system clock was synchronised: \(keeper.held.count) bins stay held in the store; a restart in this boot takes them back, one after a reboot stores them flagged clock-unsynchronised with the unsynchronised clock's time")
            }
        }
        for _ in 0..<3 where !waiting.isEmpty || heldChange() != nil { save() }
        if !waiting.isEmpty || heldChange() != nil {
            logger.error(
                "stopping with \(waiting.count) bins not stored\(heldChange() != nil ? " and the bins held for the clock not written" : ""): \(lastStoreError ?? "store unavailable")")
        }
        for port in ports { port.source?.close() }
        logger.info("stopped; \(stored) bins stored")
    }

    private mutating func everySecond(now: Double) {
        if followsSystemClock { followClock() }
        save()
        let health = counter.health
        if let pair = health.rangefinders {
            logChannelChanges(pair)
        }
        let (stored, waiting, error) = (stored, waiting.count, lastStoreError ?? lastOpenError)
        let elapsed = lastSecond > 0 ? now - lastSecond : 0
        let framesPerSecond = elapsed > 0 ? Double(health.frames - framesAtLastSecond) / elapsed : 0
        framesAtLastSecond = health.frames
        lastSecond = now
        let portOpen = ports.allSatisfy { $0.source != nil }
        service.board.update(service.sensor.name) { report in
            report.health = health
            report.binsStored = stored
            report.binsWaiting = waiting
            report.heartbeat = now
            report.lastError = error
            report.framesPerSecond = framesPerSecond
            report.portOpen = portOpen
        }
        let watchedNow = service.live.isWatched(service.sensor.name)
        if watchedNow != watched {
            watched = watchedNow
            counter.watch(watchedNow)
        }
        if watched { publishLive() }
    }

    /// Checks the system clock once a second: follows a slew, handles a step (see `ClockKeeper`), releases
    /// held bins once the clock is synchronised, and closes due bins.
    private mutating func followClock() {
        guard var keeper else { return }
        let reading = SystemClock(synchronisation: service.timeSync).reading()
        let setup = self.setup
        let mode = service.clock
        let check = keeper.check(reading, counter: &counter) { setup.makeCounter(clock: mode) }
        closed(check.bins)
        if let step = check.step {
            for index in ports.indices {
                let greeting = counter.greeting(port: index)
                if !greeting.isEmpty { try? ports[index].source?.write(greeting) }
            }
            let seconds = Double(step.to - step.from) / 1000
            logger.warning(
                "the system clock \(step.synchronises ? "was synchronised and " : "")stepped by \(seconds) s (from \(UTCTime.format(step.from / 1000)) to \(UTCTime.format(step.to / 1000))): the bin it cut is flagged clock-unsynchronised\(step.to < step.from ? ", and counts go to the bin from \(UTCTime.format(keeper.floor / 1000)) until the clock reaches it (stored bins are never reopened)" : "")\(step.synchronises ? "; bins counted before are moved by the correction" : "")"
            )
        }
        if check.confirmed > 0 {
            logger.notice("the system clock is synchronised: storing \(check.confirmed) bins held until now")
        }
        if !keeper.synchronised, !loggedUnsynchronised {
            logger.warning(
                "the system clock is not synchronised (boot \(bootID())): holding bins, flagged, in the store's held_bin until it is — \(service.timeSync.waitingNote)"
            )
            loggedUnsynchronised = true
        }
        self.keeper = keeper
    }

    /// Bins the counter closed, through the clock keeper (held while the clock is not synchronised).
    private mutating func admit(_ bins: [CountBin]) -> [CountBin] {
        guard var keeper, !bins.isEmpty else { return bins }
        let out = keeper.pass(bins)
        self.keeper = keeper
        return out
    }

    /// Writes the commands a technician sent to this sensor's node (`passant node`).
    private func sendCommands() {
        let commands = service.nodes.takeOutgoing(service.sensor.name)
        if commands.isEmpty { return }
        // Node commands are PCNT: a PCNT sensor reads one port.
        guard let source = ports.first?.source else {
            service.nodes.failed(
                commands,
                "\(service.sensor.port) is not open: \(lastOpenError ?? "the daemon is reopening it")")
            return
        }
        do {
            for command in commands { try source.write(command.encoded) }
        } catch {
            service.nodes.failed(commands, "cannot write to \(service.sensor.port): \(error)")
        }
    }

    /// Applies a calibration `passant calibrate` asked for (`reload`).
    private mutating func recalibrate() {
        guard let setup = service.calibrations.take(service.sensor.name) else { return }
        let applied = counter.recalibrate(setup)
        if applied { self.setup = setup }
        service.calibrations.answer(service.sensor.name, applied: applied)
        if applied { logger.notice("new calibration applied (passant calibrate)") }
        // Bins the settling closed go to the store with the others.
        save()
    }

    /// Hands the counter's live events to the technicians watching.
    private mutating func publishLive() {
        let events = counter.takeLiveEvents()
        if events.isEmpty { return }
        let sensor = service.sensor
        service.live.publish(
            events.map {
                LiveMessage($0, sensor: sensor.name, labels: (sensor.labels.aToB, sensor.labels.bToA))
            })
    }

    private mutating func logChannelChanges(_ pair: RangefinderPairHealth) {
        for (index, side) in [pair.a, pair.b].enumerated() where loggedLearning[index] && !side.learning {
            loggedLearning[index] = false
            if side.link != .waiting, let baseline = side.baseline {
                logger.info("channel \(index == 0 ? "A" : "B") learned its empty scene: \(baseline)")
            }
        }
        for (index, side) in [pair.a, pair.b].enumerated() where side.link != loggedChannelLinks[index] {
            let name = index == 0 ? "A" : "B"
            let port = ports.indices.contains(index) ? ports[index].name : "?"
            switch side.link {
            case .up:
                let version = side.version.map { ", firmware \($0)" } ?? ""
                let baseline = side.baseline.map { "baseline \($0)" } ?? "learning its baseline"
                logger.info("channel \(name) (\(port)) delivers frames\(version); \(baseline)")
            case .down:
                logger.warning(
                    "channel \(name) (\(port)) sends no frames: the pair cannot count until it is back (\(side.rejects.noiseBytes) noise bytes so far)"
                )
            case .waiting:
                break
            }
            loggedChannelLinks[index] = side.link
        }
    }

    private mutating func open(_ index: Int, now: Double) {
        var port = ports[index]
        defer { ports[index] = port }
        do {
            let address = try SourceAddress(parsing: port.name)
            port.source = try openSource(address, baud: service.sensor.baud)
            logger.info("reading \(port.name) at \(service.sensor.baud) baud")
            let greeting = counter.greeting(port: index)
            if !greeting.isEmpty {
                do {
                    try port.source?.write(greeting)
                } catch {
                    logger.warning("cannot send the sensor its settings on \(port.name): \(error)")
                }
            }
            if port.wasOpen { counter.reopened(port: index) }
            port.wasOpen = true
            port.backoffSeconds = 0.5
            port.lastOpenError = nil
        } catch {
            let message = "\(error)"
            if message != port.lastOpenError {
                logger.warning("cannot open \(port.name): \(message); retrying with backoff")
                port.lastOpenError = message
            }
            port.nextAttempt = now + port.backoffSeconds
            port.backoffSeconds = min(port.backoffSeconds * 2, 30)
        }
    }

    /// Bins the counter closed: past the privacy policy (once), then waiting for the store.
    private mutating func closed(_ bins: [CountBin]) {
        if bins.isEmpty { return }
        let (published, resumeCounts) = privacy.apply(bins)
        waiting += published
        // Only a daemon on the system clock resumes a bin after a restart; otherwise the truth goes now.
        if followsSystemClock { waitingResumeCounts.merge(resumeCounts) { _, new in new } }
    }

    private mutating func save() {
        let held = heldChange()
        guard !waiting.isEmpty || held != nil else { return }
        do {
            try service.store.save(waiting, resumeCounts: waitingResumeCounts, held: held)
            if let held { storedHeld = held.bins }
            for bin in waiting {
                logger.info(
                    "bin \(UTCTime.format(bin.key.start)) \(bin.key.length.rawValue)s: \(service.sensor.labels.aToB) \(bin.aToB), \(service.sensor.labels.bToA) \(bin.bToA), coverage \(bin.coverage)\(bin.flags.isEmpty ? "" : ", " + bin.flags.names.joined(separator: " "))"
                )
            }
            stored += waiting.count
            waiting.removeAll()
            waitingResumeCounts.removeAll()
            if lastStoreError != nil {
                logger.notice("the store accepts bins again")
                lastStoreError = nil
            }
        } catch {
            let message = "\(error)"
            if message != lastStoreError {
                logger.error(
                    "cannot store \(waiting.count) bins: \(message); keeping them in memory and retrying")
                lastStoreError = message
            }
        }
    }

    /// After a restart within a bin, continue the bin the previous run closed early. True counts kept
    /// for any other bin can never be used again and are erased (see `PrivacyBoundary`).
    private mutating func resumeEarlyClosedBin() {
        let current: BinKey?
        if followsSystemClock, var keeper {
            let now = keeper.time(boot: bootMillis())
            self.keeper = keeper
            current = BinKey(
                node: service.counter.bins.node, sensor: service.sensor.name,
                start: service.counter.bins.length.start(containing: now), length: service.counter.bins.length)
        } else {
            current = nil
        }
        do {
            try service.store.eraseResumeCounts(sensor: service.sensor.name, except: current)
        } catch {
            logger.error("cannot erase the true counts kept for closed-early bins: \(error)")
        }
        guard let key = current, let stored = try? service.store.bin(for: key),
            stored.flags.contains(.closedEarly)
        else { return }
        let resumeCounts = (try? service.store.resumeCounts(for: key)) ?? nil
        guard
            let bin = PrivacyBoundary<SystemRandomNumberGenerator>.resumable(
                stored, resumeCounts: resumeCounts)
        else {
            logger.warning(
                "the bin from \(UTCTime.format(key.start)) was closed early with the privacy policy applied and its true counts are gone; counting it afresh (its coverage will show the part missed)"
            )
            return
        }
        counter.resume(bin)
        // Kept in memory from here: if this run stops early again, `closed` keeps them anew.
        logger.info("resuming the bin from \(UTCTime.format(key.start)) that was closed early")
    }
}
