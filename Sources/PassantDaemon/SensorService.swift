import CountBins
import Counting
import Foundation
import Logging
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
    let store: BinStore
    let board: StatusBoard
    let logger: Logger

    public init(
        sensor: SensorConfiguration, configuration: Configuration, clock: ClockAnchor.Mode, store: BinStore,
        board: StatusBoard, logger: Logger
    ) {
        self.sensor = sensor
        let (setup, notes) = CounterSetup.setup(sensor: sensor, in: configuration)
        self.counter = setup
        self.clock = clock
        self.store = store
        self.board = board
        var logger = logger
        logger[metadataKey: "sensor"] = "\(sensor.name)"
        self.logger = logger
        for note in notes { logger.warning("\(note)") }
        board.register(sensor.name, port: sensor.port)
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
    var source: (any ByteSource)?
    /// Bins closed but not yet in the store (the store failed: disk full, read-only…).
    var waiting: [CountBin] = []
    var stored = 0
    var backoffSeconds = 0.5
    var nextAttempt = 0.0
    var lastOpenError: String?
    var lastStoreError: String?
    var lastSecond = 0.0

    private var logger: Logger { service.logger }
    private var followsSystemClock: Bool { service.clock == .systemClock }

    init(service: SensorService, stop: StopSignal) {
        self.service = service
        self.stop = stop
        counter = service.counter.makeCounter(clock: service.clock)
    }

    mutating func run() {
        resumeEarlyClosedBin()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { buffer.deallocate() }
        while !stop.isRaised {
            let now = monotonicSeconds()
            if source == nil, now >= nextAttempt { open(now: now) }
            if let port = source {
                do {
                    let count = try port.read(into: buffer, timeoutMillis: 250)
                    if count > 0 {
                        let arrival = followsSystemClock ? systemMillis() : nil
                        waiting += counter.receive(
                            UnsafeRawBufferPointer(rebasing: buffer[0..<count]), arrival: arrival)
                    }
                } catch {
                    logger.warning("lost \(service.sensor.port): \(error)")
                    port.close()
                    source = nil
                    nextAttempt = now + backoffSeconds
                }
            } else {
                usleep(100_000)
            }
            if now - lastSecond >= 1 {
                lastSecond = now
                everySecond(now: now)
            }
        }
        waiting += counter.finish(now: followsSystemClock ? systemMillis() : nil)
        for _ in 0..<3 where !waiting.isEmpty { save() }
        if !waiting.isEmpty {
            logger.error(
                "stopping with \(waiting.count) bins not stored: \(lastStoreError ?? "store unavailable")")
        }
        source?.close()
        logger.info("stopped; \(stored) bins stored")
    }

    private mutating func everySecond(now: Double) {
        if followsSystemClock { waiting += counter.tick(now: systemMillis()) }
        save()
        let health = counter.health
        let (stored, waiting, error) = (stored, waiting.count, lastStoreError ?? lastOpenError)
        service.board.update(service.sensor.name) { report in
            report.health = health
            report.binsStored = stored
            report.binsWaiting = waiting
            report.heartbeat = now
            report.lastError = error
        }
    }

    private mutating func open(now: Double) {
        do {
            let address = try SourceAddress(parsing: service.sensor.port)
            source = try openSource(address, baud: service.sensor.baud)
            logger.info("reading \(service.sensor.port) at \(service.sensor.baud) baud")
            backoffSeconds = 0.5
            lastOpenError = nil
        } catch {
            let message = "\(error)"
            if message != lastOpenError {
                logger.warning("cannot open \(service.sensor.port): \(message); retrying with backoff")
                lastOpenError = message
            }
            nextAttempt = now + backoffSeconds
            backoffSeconds = min(backoffSeconds * 2, 30)
        }
    }

    private mutating func save() {
        guard !waiting.isEmpty else { return }
        do {
            try service.store.save(waiting)
            for bin in waiting {
                logger.info(
                    "bin \(UTCTime.format(bin.key.start)) \(bin.key.length.rawValue)s: \(service.sensor.labels.aToB) \(bin.aToB), \(service.sensor.labels.bToA) \(bin.bToA), coverage \(bin.coverage)\(bin.flags.isEmpty ? "" : ", " + bin.flags.names.joined(separator: " "))"
                )
            }
            stored += waiting.count
            waiting.removeAll()
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

    /// After a restart within a bin, continue the bin the previous run closed early.
    private mutating func resumeEarlyClosedBin() {
        guard followsSystemClock else { return }
        let now = systemMillis()
        let start = service.counter.bins.length.start(containing: now)
        let key = BinKey(
            node: service.counter.bins.node, sensor: service.sensor.name, start: start,
            length: service.counter.bins.length)
        guard let bin = try? service.store.bin(for: key), bin.flags.contains(.closedEarly) else { return }
        counter.resume(bin)
        logger.info("resuming the bin from \(UTCTime.format(start)) that was closed early")
    }
}
