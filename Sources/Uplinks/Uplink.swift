// Past the privacy boundary: uplinks see `CountBin`s from the store and nothing else.

import CountBins

/// An upstream receiver of closed bins: an MQTT broker, a SensorThings server.
public protocol Uplink: Sendable {
    /// The uplink's name from the configuration; the store keeps its delivery state under it.
    var name: String { get }
    /// The most bins one message or request carries.
    var maxBatch: Int { get }
    /// Connects, creates what the receiver needs. Called before the first delivery and again after
    /// a failure; throwing makes the delivery service back off and call it again later.
    func prepare() async throws(UplinkError)
    /// Delivers `bins` (oldest first) and returns the keys the receiver confirmed. Bins not
    /// confirmed are offered again later; a receiver must accept a bin it already holds (the key is
    /// stable) without storing it twice.
    func deliver(_ bins: [CountBin]) async throws(UplinkError) -> [BinKey]
    /// Delivers gap records (bins the store had to drop before this uplink confirmed them) and
    /// returns those the receiver confirmed. A gap's key is stable; a gap offered again with a
    /// larger `bins` (more of the range dropped later) replaces the earlier one at the receiver.
    func deliver(gaps: [DroppedRange]) async throws(UplinkError) -> [DroppedRange]
    /// Disconnects cleanly (MQTT: the status topic says offline).
    func shutdown() async
}

/// Why a delivery failed, for the log and the status, with what to do.
public struct UplinkError: Error, CustomStringConvertible, Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// Worth retrying as it is: connection refused, timeout, 5xx.
        case transient
        /// Will not heal by itself: bad credentials, TLS verification failed, 4xx. Still retried,
        /// with the longest backoff, so fixing the receiver resumes delivery without a restart.
        case configuration
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
