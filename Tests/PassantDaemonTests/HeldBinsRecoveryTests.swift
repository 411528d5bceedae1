import CountBins
import Counting
import Foundation
import Logging
import PassantConfig
import Store
import Testing

@testable import PassantDaemon

/// A sensor loop starting on a store that holds bins a previous run held for the clock: rows of an
/// earlier boot (a power cut) become ordinary bins, flagged, past the privacy policy; rows of this boot
/// (passantd crashed) go back into the clock keeper and stay in the store until they are stamped.
@Suite("Sensor loop: bins held for the clock")
struct HeldBinsRecoveryTests {
    private func service(_ store: BinStore) throws -> SensorService {
        let configuration = try Configuration.parse(
            """
            site: test
            privacy:
              minimum_count: 3
            sensors:
              - name: door
                port: /dev/passant-test-no-such-port
            """, file: "passant.yaml", defaultNode: "gw-1")
        return SensorService(
            sensor: configuration.sensors[0], configuration: configuration, clock: .systemClock, store: store,
            board: StatusBoard(), live: LiveFeed(), nodes: NodeDesk(),
            calibrations: CalibrationDesk(configuration: configuration, read: { configuration }), tap: PortTap(),
            logger: Logger(label: "test"), timeSync: .file("/nonexistent/passant-test-never-synchronised"))
    }

    private func bin(_ start: Int64, aToB: Int, flags: BinFlags = [.clockUnsynchronised]) -> CountBin {
        CountBin(
            key: BinKey(node: "gw-1", sensor: "door", start: start, length: .oneMinute), aToB: aToB, bToA: 0,
            coverage: 1, flags: flags)
    }

    @Test func heldRowsOfAnEarlierBootAreStoredFlaggedAndThoseOfThisBootAreTakenBack() throws {
        let store = try BinStore.inMemory(uplinks: ["mqtt"])
        // Bins held this boot, two and three minutes ago on the (unsynchronised) clock.
        let reading = ClockReading(boot: bootMillis(), realtime: systemMillis(), synchronised: false)
        let reckoner = ClockKeeper(reading, length: .oneMinute)
        let now = BinLength.oneMinute.start(containing: reading.realtime)
        let thisBoot = [bin(now - 180, aToB: 4), bin(now - 120, aToB: 5)].map {
            HeldBin(bin: $0, bootID: bootID(), bootStart: reckoner.bootStart(of: $0))
        }
        // Bins held in a boot that ended with a power cut: 1970 on a clock that was never set.
        let earlier = [bin(600, aToB: 7), bin(660, aToB: 1)].map {
            HeldBin(bin: $0, bootID: "an-earlier-boot", bootStart: $0.key.start - 600)
        }
        try store.save([], held: HeldSet(sensor: "door", bins: earlier + thisBoot))

        let loop = SensorLoop(service: try service(store), stop: StopSignal())

        let stored = try store.bins()
        #expect(stored.map(\.key.start) == [600, 660])
        #expect(stored.allSatisfy { $0.flags.contains(.clockUnsynchronised) })
        // Past the privacy policy like any bin: 1 is below minimum_count 3.
        #expect(stored.map(\.aToB) == [7, 0])
        #expect(stored[1].flags.contains(.suppressed))
        #expect(try store.pending(uplink: "mqtt", limit: 10, endingBefore: .max).count == 2)
        // This boot's rows: back in the keeper, still in the store, never pending.
        let keeper = try #require(loop.keeper)
        #expect(keeper.held.map(\.key.start) == [now - 180, now - 120])
        #expect(keeper.held.map(\.aToB) == [4, 5])
        #expect(try store.heldBins().map(\.bin.key.start) == [now - 180, now - 120])
        #expect(try store.heldBins().allSatisfy { $0.bootID == bootID() })
    }

    @Test func aStartWithNothingHeldChangesNothing() throws {
        let store = try BinStore.inMemory()
        let loop = SensorLoop(service: try service(store), stop: StopSignal())
        #expect(loop.keeper?.held.isEmpty == true)
        #expect(loop.heldChange() == nil)
        #expect(try store.heldCount() == 0)
        #expect(try store.count() == 0)
    }
}
