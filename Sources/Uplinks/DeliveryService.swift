import CountBins
import Logging
import ServiceLifecycle
import Store

/// Delivers one uplink's pending bins, oldest first, in batches, and marks them delivered only once
/// the receiver confirmed them. While the uplink fails it backs off exponentially with jitter; each
/// uplink has its own service, so one failing never holds back another.
public struct DeliveryService: Service {
    let uplink: any Uplink
    let store: BinStore
    /// Bins are offered only this long after their end, so a bin closed early and resumed after a
    /// quick restart is offered once, with its final values.
    let holdSeconds: Int64
    let logger: Logger
    let now: @Sendable () -> Int64
    /// Last delivery and last error, for health reports.
    public let status: DeliveryStatus

    public init(
        uplink: any Uplink, store: BinStore, holdSeconds: Int64, logger: Logger,
        status: DeliveryStatus = DeliveryStatus(), now: @escaping @Sendable () -> Int64
    ) {
        self.status = status
        self.uplink = uplink
        self.store = store
        self.holdSeconds = holdSeconds
        var logger = logger
        logger[metadataKey: "uplink"] = "\(uplink.name)"
        self.logger = logger
        self.now = now
    }

    public func run() async throws {
        var backoff = Backoff()
        var prepared = false
        var lastError: String?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do throws(UplinkError) {
                if !prepared {
                    try await uplink.prepare()
                    prepared = true
                }
                // Gaps first: they are rare, explain what is missing before it, and are never held.
                let gaps: [DroppedRange]
                do {
                    gaps = try store.pendingGaps(uplink: uplink.name, limit: uplink.maxBatch)
                } catch {
                    throw UplinkError(.transient, "cannot read pending gap records: \(error)")
                }
                if !gaps.isEmpty {
                    let confirmed = try await uplink.deliver(gaps: gaps)
                    do {
                        try store.markGapsDelivered(confirmed, uplink: uplink.name)
                    } catch {
                        throw UplinkError(.transient, "cannot record delivery of gap records: \(error)")
                    }
                    if !confirmed.isEmpty {
                        status.delivered(bins: 0, at: now() / 1000)
                        logger.notice(
                            "told the receiver of \(confirmed.count) dropped range(s): \(confirmed.map(\.key).joined(separator: ", "))"
                        )
                    }
                }
                let pending: [CountBin]
                do {
                    pending = try store.pending(
                        uplink: uplink.name, limit: uplink.maxBatch, endingBefore: now() / 1000 - holdSeconds)
                } catch {
                    throw UplinkError(.transient, "cannot read pending bins: \(error)")
                }
                if pending.isEmpty {
                    await pause(seconds: 1)
                    continue
                }
                let confirmed = try await uplink.deliver(pending)
                do {
                    try store.markDelivered(confirmed, uplink: uplink.name)
                } catch {
                    throw UplinkError(.transient, "cannot record delivery: \(error)")
                }
                if !confirmed.isEmpty { status.delivered(bins: confirmed.count, at: now() / 1000) }
                if lastError != nil {
                    logger.notice("delivering again")
                    lastError = nil
                }
                backoff.reset()
                if confirmed.count < pending.count { await pause(seconds: 1) }
            } catch {
                prepared = false
                status.failed(error.message)
                if error.message != lastError {
                    logger.error("delivery failed: \(error.message); retrying with backoff")
                    lastError = error.message
                }
                await pause(seconds: backoff.next(longest: error.kind == .configuration))
            }
        }
        await uplink.shutdown()
    }

    private func pause(seconds: Double) async {
        try? await cancelWhenGracefulShutdown {
            try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
        }
    }
}

/// Exponential backoff with full jitter: 1 s doubling to 5 minutes.
struct Backoff {
    var attempt = 0
    var shortest = 1.0
    var longest = 300.0

    mutating func reset() { attempt = 0 }

    mutating func next(longest useLongest: Bool = false) -> Double {
        let ceiling = useLongest ? longest : min(longest, shortest * Double(1 << min(attempt, 16)))
        attempt += 1
        return Double.random(in: (ceiling / 2)...ceiling)
    }
}
