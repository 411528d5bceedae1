// What libmosquitto's network thread reports, kept under one lock, and a way for async code to wait
// for it. The callbacks only ever take this lock; nothing holds it while calling into libmosquitto,
// so the network thread and the delivery task cannot deadlock.

import Logging
import Synchronization

/// Why the last connection attempt failed or the connection ended.
enum ConnectionFailure: Sendable, Hashable {
    /// The broker answered CONNACK with a non-zero return code.
    case refused(code: Int32, text: String)
    /// The connection could not be made or ended (`MOSQ_ERR_*`), with libmosquitto's last error
    /// log line, which names TLS problems precisely.
    case dropped(code: Int32, text: String, log: String?)
}

/// The state the network thread reports through libmosquitto's callbacks.
struct ConnectionState: Sendable {
    var connected = false
    /// Failures since the client was made; waiting code compares counts to see a new one.
    var failureCount = 0
    var lastFailure: ConnectionFailure?
    /// The network thread ended (a TLS error, for one): the client must be rebuilt.
    var loopEnded = false
    /// libmosquitto's last error or warning line.
    var lastLog: String?

    // The PUBACK ledger: a message counts as acknowledged only on the PUBACK of exactly that publish.
    // Message ids are 16-bit and libmosquitto hands them out round-robin without looking back, so an
    // id comes again after 65,535 publishes; whatever an older message with the same id left here
    // (a late PUBACK nobody took, a QoS 0 message never written) is forgotten when the id is
    // registered for a new one. A PUBACK can be handled on the network thread before
    // `mosquitto_publish` has even returned its id to us, so ids acknowledged before they were
    // registered wait in `early`, but only while a publish is in progress: a PUBACK for a message
    // whose publish call failed (libmosquitto may have queued it anyway) belongs to no one.
    var awaiting: Set<Int32> = []
    var ignored: Set<Int32> = []
    var early: Set<Int32> = []
    var acknowledged: Set<Int32> = []
    /// `mosquitto_publish` calls begun and not yet registered or abandoned.
    var publishing = 0

    /// Messages received on subscriptions, in order (the test receiver uses them).
    var messages: [ReceivedMessage] = []

    fileprivate var generation: UInt64 = 0
    fileprivate var nextWaiter: UInt64 = 0
    fileprivate var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    fileprivate var woken: Set<UInt64> = []
}

/// The receiving end of one client's callbacks.
final class ConnectionEvents: Sendable {
    /// Published from `on_connect` after every successful connect (the retained `online` status).
    let birth: OutgoingMessage?
    /// Subscribed from `on_connect` after every successful connect, so a broker that lost its
    /// sessions gets the subscriptions again.
    let subscriptions: [String]
    let endpoint: String
    let logger: Logger?
    private let state = Mutex(ConnectionState())

    init(endpoint: String, birth: OutgoingMessage?, subscriptions: [String] = [], logger: Logger?) {
        self.endpoint = endpoint
        self.birth = birth
        self.subscriptions = subscriptions
        self.logger = logger
    }

    // MARK: Reports from the network thread

    /// `birthMID`: the id of the birth message published for this connect, if any; a birth publish
    /// is begun with `beginPublish()` like any other, and ended here.
    func connected(code: Int32, text: String, birthMID: Int32?, birthBegun: Bool = false) {
        let wasConnected = update { state in
            let was = state.connected
            if let birthMID {
                Self.register(birthMID, awaited: false, in: &state)
            } else if birthBegun {
                Self.endPublish(in: &state)
            }
            if code == 0 {
                state.connected = true
            } else {
                state.connected = false
                state.failureCount += 1
                state.lastFailure = .refused(code: code, text: text)
            }
            return was
        }
        if code == 0, !wasConnected { logger?.debug("connected to the MQTT broker \(endpoint)") }
    }

    func disconnected(code: Int32, text: String) {
        let wasConnected = update { state in
            let was = state.connected
            state.connected = false
            // A refused CONNACK ends the connection with MOSQ_ERR_CONN_REFUSED right after
            // `connected(code:)` reported why; keep that reason.
            if code == MosquittoError.connectionRefused, case .refused = state.lastFailure { return was }
            if code != 0 {
                state.failureCount += 1
                state.lastFailure = .dropped(code: code, text: text, log: state.lastLog)
                if MosquittoError.endsTheLoop.contains(code) { state.loopEnded = true }
            }
            return was
        }
        if code != 0, wasConnected {
            logger?.notice("lost the connection to the MQTT broker \(endpoint) (\(text)); reconnecting")
        }
    }

    /// `mosquitto_connect_async` failed at once; the network thread will retry.
    func connectFailed(code: Int32, text: String) {
        update { state in
            state.failureCount += 1
            state.lastFailure = .dropped(code: code, text: text, log: state.lastLog)
        }
    }

    /// `on_publish`: the PUBACK for `mid` (for QoS 0: the message was written). libmosquitto reports
    /// each message once.
    func published(mid: Int32) {
        update { state in
            if state.ignored.remove(mid) != nil { return }
            if state.awaiting.remove(mid) != nil {
                state.acknowledged.insert(mid)
            } else if state.publishing > 0 {
                state.early.insert(mid)
            }
        }
    }

    func received(_ message: ReceivedMessage) {
        update { state in state.messages.append(message) }
    }

    func logged(_ line: String) {
        update { state in
            state.lastLog = line
            // libmosquitto 2.0 reports a failed TLS handshake only in its log: no callback follows.
            if line.hasPrefix("OpenSSL Error") {
                state.connected = false
                state.failureCount += 1
                let code = MosquittoError.tls
                state.lastFailure = .dropped(code: code, text: MosquittoError.text(for: code), log: line)
            }
        }
    }

    // MARK: Queries from the uplink

    /// Call right before `mosquitto_publish`, then `register` its id or, if it failed, `endPublish()`:
    /// a PUBACK handled before the id is registered is kept only while a publish is in progress.
    func beginPublish() {
        update { state in state.publishing += 1 }
    }

    /// The publish begun with `beginPublish()` failed: it has no id to register.
    func endPublish() {
        update { state in Self.endPublish(in: &state) }
    }

    /// Records that `mid` was published (ending the publish begun with `beginPublish()`); `awaited`
    /// messages show up in `acknowledged` once the broker confirmed them, the others are forgotten on
    /// confirmation. From now on `mid` names this message only.
    func register(_ mid: Int32, awaited: Bool) {
        update { state in Self.register(mid, awaited: awaited, in: &state) }
    }

    /// Forgets `mids` the uplink gave up waiting for: a PUBACK that still comes for one is dropped
    /// instead of lingering as an acknowledgement nobody takes.
    func forget(_ mids: Set<Int32>) {
        update { state in
            state.awaiting.subtract(mids)
            state.acknowledged.subtract(mids)
        }
    }

    private static func register(_ mid: Int32, awaited: Bool, in state: inout ConnectionState) {
        // An older message with this id is over for us: its state must not pass for this one's.
        state.awaiting.remove(mid)
        state.acknowledged.remove(mid)
        state.ignored.remove(mid)
        if state.early.remove(mid) != nil {
            if awaited { state.acknowledged.insert(mid) }
        } else if awaited {
            state.awaiting.insert(mid)
        } else {
            state.ignored.insert(mid)
        }
        endPublish(in: &state)
    }

    private static func endPublish(in state: inout ConnectionState) {
        state.publishing = max(0, state.publishing - 1)
        // No publish in progress: an early PUBACK still here belongs to no message we will register.
        if state.publishing == 0 { state.early.removeAll() }
    }

    /// Removes and returns those of `mids` the broker has confirmed.
    func takeAcknowledged(_ mids: Set<Int32>) -> Set<Int32> {
        state.withLock { state in
            let taken = state.acknowledged.intersection(mids)
            state.acknowledged.subtract(taken)
            return taken
        }
    }

    func read<T: Sendable>(_ body: (ConnectionState) -> T) -> T {
        state.withLock { state in body(state) }
    }

    /// Suspends until `condition` returns a value, the deadline passes (nil) or the task is
    /// cancelled (nil). `condition` is evaluated under the lock after every reported event.
    func wait<T: Sendable>(
        until deadline: ContinuousClock.Instant, for condition: (ConnectionState) -> T?
    ) async -> T? {
        while true {
            let (value, generation) = state.withLock { state in (condition(state), state.generation) }
            if let value { return value }
            if ContinuousClock.now >= deadline || Task.isCancelled { return nil }
            await nextEvent(after: generation, deadline: deadline)
        }
    }

    // MARK: Internals

    @discardableResult
    private func update<T>(_ body: (inout ConnectionState) -> T) -> T {
        let (result, waiters) = state.withLock { state in
            let result = body(&state)
            state.generation &+= 1
            let waiters = Array(state.waiters.values)
            state.waiters.removeAll()
            return (result, waiters)
        }
        for waiter in waiters { waiter.resume() }
        return result
    }

    /// Returns after the next event, at the deadline, or on cancellation, whichever comes first.
    private func nextEvent(after generation: UInt64, deadline: ContinuousClock.Instant) async {
        let id = state.withLock { state in
            state.nextWaiter &+= 1
            return state.nextWaiter
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                        let now = self.state.withLock { state in
                            if state.generation != generation || state.woken.remove(id) != nil { return true }
                            state.waiters[id] = continuation
                            return false
                        }
                        if now { continuation.resume() }
                    }
                } onCancel: {
                    self.wake(id)
                }
            }
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
            }
            await group.next()
            group.cancelAll()
        }
        state.withLock { state in _ = state.woken.remove(id) }
    }

    private func wake(_ id: UInt64) {
        let waiter = state.withLock { state in
            if let waiter = state.waiters.removeValue(forKey: id) { return Optional(waiter) }
            state.woken.insert(id)
            return nil
        }
        waiter?.resume()
    }
}
