import CountBins
import Logging
import Store

/// Bins held for the system clock survive a crash and a power cut: the sensor loop keeps its rows of the
/// store's `held_bin` equal to what its `ClockKeeper` holds (written with the bins it stores, in one
/// transaction), and takes them back at start. See `HeldBin`.
extension SensorLoop {
    /// At start: what the previous run held for the clock. Rows of an earlier boot (the power went
    /// before the clock was synchronised: their boot-relative start means nothing now) are stored as
    /// ordinary bins, flagged clock-unsynchronised, with the time the unsynchronised clock gave them,
    /// past the privacy policy like any bin. Rows of this boot (passantd stopped or crashed) are
    /// returned for the keeper to take back; without a keeper (a sensor epoch) they are stored too.
    mutating func recoverHeldBins() -> [HeldBin] {
        let rows: [HeldBin]
        do {
            rows = try service.store.heldBins(sensor: service.sensor.name)
        } catch {
            storedHeld = nil
            logger.error(
                "cannot read the bins held for the clock by the previous run: \(error); they stay in the store, and this run keeps what it holds in memory only"
            )
            return []
        }
        if rows.isEmpty { return [] }
        let canTakeBack = service.clock == .systemClock
        let thisBoot = rows.filter { canTakeBack && $0.bootID == boot }
        let earlier = rows.filter { !(canTakeBack && $0.bootID == boot) }
        if !earlier.isEmpty {
            do {
                let bins = try service.store.placeHeld(earlier)
                let published = privacy.apply(bins).bins
                try service.store.save(published, held: HeldSet(sensor: service.sensor.name, bins: thisBoot))
                stored += published.count
                logger.warning(
                    "\(earlier.count) bins were held for the clock when \(canTakeBack ? "the gateway lost power (an earlier boot)" : "passantd stopped, and this run uses no system clock"): stored as \(published.count) bins flagged clock-unsynchronised, at the time the unsynchronised clock gave them"
                )
            } catch {
                storedHeld = nil
                logger.error(
                    "cannot store the \(earlier.count) bins held for the clock by an earlier boot: \(error); they stay in the store for the next start"
                )
                return []
            }
        }
        storedHeld = thisBoot
        if !thisBoot.isEmpty {
            logger.notice(
                "taking back \(thisBoot.count) bins held for the clock before passantd restarted (boot \(boot)): they are stamped when the clock is synchronised"
            )
        }
        return thisBoot
    }

    /// What the keeper holds now, when it differs from the rows last written; nil when the store is
    /// up to date (or this run leaves the table alone).
    func heldChange() -> HeldSet? {
        guard let storedHeld, let keeper else { return nil }
        if keeper.held.isEmpty && storedHeld.isEmpty { return nil }
        let now = keeper.held.map { HeldBin(bin: $0, bootID: boot, bootStart: keeper.bootStart(of: $0)) }
        return now == storedHeld ? nil : HeldSet(sensor: service.sensor.name, bins: now)
    }
}
