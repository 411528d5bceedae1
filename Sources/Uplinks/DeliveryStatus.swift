import Synchronization

/// What one uplink's delivery service has done lately, for the health message and the technician's
/// status: when it last got a confirmation, and what went wrong since. Written by the service,
/// read by anyone.
public final class DeliveryStatus: Sendable {
    public struct Snapshot: Sendable, Hashable {
        /// When the receiver last confirmed bins or gap records (Unix seconds, system clock).
        public var lastDelivery: Int64?
        /// Bins confirmed since the daemon started.
        public var binsDelivered = 0
        /// The error of the latest attempt, until an attempt succeeds.
        public var lastError: String?

        public init() {}
    }

    private let state = Mutex(Snapshot())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    func delivered(bins: Int, at now: Int64) {
        state.withLock { state in
            state.lastDelivery = now
            state.binsDelivered += bins
            state.lastError = nil
        }
    }

    func failed(_ message: String) {
        state.withLock { $0.lastError = message }
    }
}
