// Against a real django-ogc-sensorthings server on loopback. Every test checks at the server that
// each bin arrived exactly once, with its values.

import CountBins
import Foundation
import Logging
import PassantConfig
import SensorThingsUplink
import ServiceLifecycle
import Store
import TestSupport
import Testing
import Uplinks

@Suite(
    "SensorThings uplink against a real server", .serialized,
    .enabled(if: Repository.serverTestsEnabled, Comment(rawValue: Repository.skipMessage)))
struct DeliveryTests {
    @Test func theDeliveryServiceDeliversEveryBinOnce() async throws {
        let server = try await SensorThingsServer.start()
        defer { server.remove() }
        let store = try BinStore.inMemory()
        let bins = makeBins(sensor: "door", count: 100) + makeBins(sensor: "gate", count: 100)
        try store.save(bins)
        let uplink = try makeUplink(url: server.root, sensors: ["door", "gate"], batchRows: 60)
        let delivery = try await deliverAll(uplink, from: store, withinSeconds: 120)
        #expect(delivery.drained, "the service's last error: \(delivery.lastError)")
        try await expectExactlyOnce(bins, at: server)
        #expect(try await server.count("Things") == 1)
        #expect(try await server.count("Datastreams") == 4)
        #expect(try await server.count("Sensors") == 2)
        #expect(try await server.count("ObservedProperties") == 1)
    }

    @Test func binsDroppedBeforeDeliveryReachTheServerOnceAsADroppedBinsObservation() async throws {
        let server = try await SensorThingsServer.start()
        defer { server.remove() }
        let store = try BinStore.inMemory()
        let bins = makeBins(sensor: "door", count: 100)
        try store.save(bins)
        // The age limit drops the oldest 60 minutes before they were delivered.
        let report = try store.enforce(
            RetentionPolicy(maxAgeSeconds: 3600), now: day + 60 * 60 + 3600, uplinks: ["sensorthings"])
        #expect(report.droppedUndelivered == 60)
        let gaps = try store.gaps()
        #expect(gaps.map(\.bins) == [60])
        let kept = Array(bins.suffix(40))

        let uplink = try makeUplink(url: server.root)
        let delivery = try await deliverAll(uplink, from: store, gaps: true)
        #expect(delivery.drained, "the service's last error: \(delivery.lastError)")
        try await expectExactlyOnce(kept, gaps: gaps, at: server)
        // A third Datastream for the sensor, with its own ObservedProperty.
        #expect(try await server.count("Datastreams") == 3)
        #expect(try await server.count("ObservedProperties") == 2)

        // A restart that lost the store's marks offers the gap again: the server still holds it once.
        let again = try makeUplink(url: server.root)
        try await again.prepare()
        #expect(try await again.deliver(gaps: gaps) == gaps)
        // The same range, more bins dropped (bins saved into it again and dropped again): replaced.
        var grown = gaps[0]
        grown.bins += 5
        #expect(try await again.deliver(gaps: [grown]) == [grown])
        await again.shutdown()
        try await expectExactlyOnce(kept, gaps: [grown], at: server)
    }

    @Test func prepareFindsWhatItCreatedAndAResentBatchIsNotStoredAgain() async throws {
        let server = try await SensorThingsServer.start()
        defer { server.remove() }
        let bins = makeBins(sensor: "door", count: 40)

        let first = try makeUplink(url: server.root)
        try await first.prepare()
        #expect(Set(try await first.deliver(bins)) == Set(bins.map(\.key)))
        await first.shutdown()
        let collections = ["Things", "Locations", "Datastreams", "Sensors", "ObservedProperties"]
        var before: [Int] = []
        for collection in collections { before.append(try await server.count(collection)) }
        #expect(before == [1, 1, 2, 1, 1])

        // A restart that lost the store's "delivered" marks (a crash right after the reply): the
        // same bins are offered again, and the new instance finds them at the server.
        let second = try makeUplink(url: server.root)
        try await second.prepare()
        try await second.prepare()
        #expect(Set(try await second.deliver(bins)) == Set(bins.map(\.key)))
        let traffic = await second.traffic
        await second.shutdown()
        var after: [Int] = []
        for collection in collections { after.append(try await server.count(collection)) }
        #expect(after == before)
        #expect(traffic.rowsSent == 0)
        #expect(traffic.rowsReadBack == bins.count * 2)
        try await expectExactlyOnce(bins, at: server)
    }

    @Test func deliveryResumesAfterTheServerWasStoppedAndRestarted() async throws {
        let server = try await SensorThingsServer.start()
        defer { server.remove() }
        let store = try BinStore.inMemory()
        let bins = makeBins(sensor: "door", count: 200)
        try store.save(bins)
        let uplink = try makeUplink(url: server.root, batchRows: 20)
        let service = DeliveryService(
            uplink: uplink, store: store, holdSeconds: 0, logger: testLogger(), now: { (day + 86_400) * 1000 }
        )
        let running = Task { try await service.run() }
        let started = try await waitUntil(seconds: 60) {
            try store.pending(uplink: "sensorthings", limit: 200, endingBefore: .max).count < 180
        }
        #expect(started)
        server.stop()  // possibly in the middle of a request
        let stalled = try store.pending(uplink: "sensorthings", limit: 200, endingBefore: .max).count
        try await Task.sleep(for: .seconds(2))
        #expect(try store.pending(uplink: "sensorthings", limit: 200, endingBefore: .max).count == stalled)
        try await server.restart()
        let drained = try await waitUntil(seconds: 120) {
            try store.pending(uplink: "sensorthings", limit: 1, endingBefore: .max).isEmpty
        }
        running.cancel()
        _ = await running.result
        #expect(drained)
        try await expectExactlyOnce(bins, at: server)
    }

    @Test func aRefusedRowFailsOnlyItsOwnBinsAndTheRestIsRetried() async throws {
        let server = try await SensorThingsServer.start()
        defer { server.remove() }
        let door = makeBins(sensor: "door", count: 20)
        let gate = makeBins(sensor: "gate", count: 20)
        // A bin in the year 10000: the server refuses its rows, and (quirk 1) with them every row of
        // the door Datastreams in the same request.
        let bad = CountBin(
            key: BinKey(node: "gw-1", sensor: "door", start: 253_402_300_800, length: .oneMinute), aToB: 1,
            bToA: 1,
            coverage: 1, flags: [])
        let uplink = try makeUplink(url: server.root, sensors: ["door", "gate"])
        try await uplink.prepare()

        let first = try await uplink.deliver(door + [bad] + gate)
        #expect(Set(first) == Set(gate.map(\.key)))
        let second = try await uplink.deliver(door + [bad])
        #expect(Set(second) == Set(door.map(\.key)))
        let third = try await uplink.deliver([bad])
        #expect(third.isEmpty)
        await uplink.shutdown()
        try await expectExactlyOnce(door + gate, at: server)
    }

    @Test func aLostReplyIsSettledAtTheServerWithoutSendingAgain() async throws {
        let server = try await SensorThingsServer.start()
        defer { server.remove() }
        let proxy = try LossyProxy(upstreamPort: server.port)
        defer { proxy.close() }
        let bins = makeBins(sensor: "door", count: 60)
        let uplink = try makeUplink(url: proxy.url)
        try await uplink.prepare()
        let delivered = try await uplink.deliver(Array(bins.prefix(20)))
        #expect(delivered.count == 20)

        proxy.loseReplies(1)
        await #expect(throws: UplinkError.self) { try await uplink.deliver(Array(bins.dropFirst(20))) }
        #expect(proxy.repliesLost == 1)
        let sentBefore = await uplink.traffic.rowsSent
        // The retry finds the 40 bins at the server and sends nothing.
        let retried = try await uplink.deliver(Array(bins.dropFirst(20)))
        #expect(Set(retried) == Set(bins.dropFirst(20).map(\.key)))
        let traffic = await uplink.traffic
        #expect(traffic.rowsSent == sentBefore)
        #expect(traffic.rowsReadBack == 80)
        await uplink.shutdown()
        try await expectExactlyOnce(bins, at: server)
    }

    @Test func aLostReplyToABatchPartlyAtTheServerSendsOnlyTheMissingRows() async throws {
        let server = try await SensorThingsServer.start()
        defer { server.remove() }
        let proxy = try LossyProxy(upstreamPort: server.port)
        defer { proxy.close() }
        let bins = makeBins(sensor: "door", count: 30)
        let uplink = try makeUplink(url: proxy.url)
        try await uplink.prepare()
        proxy.loseReplies(1)
        await #expect(throws: UplinkError.self) { try await uplink.deliver(Array(bins.prefix(20))) }
        // The store offers a larger batch next time: 20 bins at the server, 10 not.
        let retried = try await uplink.deliver(bins)
        #expect(Set(retried) == Set(bins.map(\.key)))
        #expect(await uplink.traffic.rowsSent == 40 + 20)
        await uplink.shutdown()
        try await expectExactlyOnce(bins, at: server)
    }

    @Test func aBinSavedAgainWithNewValuesReplacesItsObservations() async throws {
        let server = try await SensorThingsServer.start()
        defer { server.remove() }
        var bins = makeBins(sensor: "door", count: 5)
        let uplink = try makeUplink(url: server.root)
        try await uplink.prepare()
        _ = try await uplink.deliver(bins)
        // Closed early at a shutdown, resumed after the restart and closed again with more counts.
        bins[4].aToB += 3
        bins[4].flags = [.closedEarly]
        #expect(try await uplink.deliver([bins[4]]) == [bins[4].key])
        await uplink.shutdown()
        try await expectExactlyOnce(bins, at: server)
    }

    @Test func fastMoversGetTheirOwnDatastreamsAndObservedPropertyApartFromPedestrians() async throws {
        let server = try await SensorThingsServer.start()
        defer { server.remove() }
        var lidar = makeBins(sensor: "lidar", count: 6)
        for index in lidar.indices {
            lidar[index].fastMovers = FastMovers(aToB: index % 3, bToA: (index * 2) % 5)
        }
        let beams = makeBins(sensor: "door", count: 6)
        let uplink = try makeUplink(
            url: server.root, sensors: ["door", "lidar"], protocols: ["lidar": .ld06])
        try await uplink.prepare()
        #expect(Set(try await uplink.deliver(lidar + beams)) == Set((lidar + beams).map(\.key)))
        let sensors = try await server.get("/Sensors", [("$select", "name,metadata")])
        let metadata = Dictionary(
            ((sensors as? [String: Any])?["value"] as? [[String: Any]] ?? []).map {
                ($0["name"] as? String ?? "", $0["metadata"] as? String ?? "")
            }, uniquingKeysWith: { first, _ in first })
        #expect(metadata["lidar"]?.contains("2D LiDAR") == true, "\(metadata)")
        #expect(metadata["door"]?.contains("infrared beams") == true, "\(metadata)")
        // A retry (a lost reply) stores nothing twice, fast movers included.
        #expect(Set(try await uplink.deliver(lidar)) == Set(lidar.map(\.key)))
        await uplink.shutdown()
        try await expectExactlyOnce(lidar + beams, at: server)
        #expect(try await server.count("Datastreams") == 6)
        #expect(try await server.count("ObservedProperties") == 2)
        let streams = try await server.get("/Datastreams", [("$select", "name,properties")])
        let names = ((streams as? [String: Any])?["value"] as? [[String: Any]] ?? []).compactMap {
            $0["name"] as? String
        }
        #expect(Set(names).isSuperset(of: ["lidar inbound fast movers", "lidar outbound fast movers"]))
        #expect(!names.contains("door inbound fast movers"))
    }

    @Test func aDatastreamDeletedAtTheServerIsCreatedAgain() async throws {
        let server = try await SensorThingsServer.start()
        defer { server.remove() }
        let bins = makeBins(sensor: "door", count: 10)
        let uplink = try makeUplink(url: server.root)
        try await uplink.prepare()
        _ = try await uplink.deliver(Array(bins.prefix(5)))
        let streams = try await server.get("/Datastreams", [("$select", "id")])
        for stream in (streams as? [String: Any])?["value"] as? [[String: Any]] ?? [] {
            try await server.delete("/Datastreams('\(stream["@iot.id"] as? String ?? "")')")
        }
        #expect(try await uplink.deliver(Array(bins.dropFirst(5))).isEmpty)
        #expect(try await uplink.deliver(Array(bins.dropFirst(5))).count == 5)
        await uplink.shutdown()
        try await expectExactlyOnce(Array(bins.dropFirst(5)), at: server)
        #expect(try await server.count("Datastreams") == 2)
    }

    @Test func aWrongCASaysSoLosesNothingAndDeliveryResumesOnceTheCAFileIsFixed() async throws {
        let server = try await SensorThingsServer.start()
        defer { server.remove() }
        let certificates = try TestCertificates()
        let proxy = try await TLSProxy(upstreamPort: server.port, certificates: certificates)
        defer { proxy.stop() }
        let directory = try TemporaryDirectory("ca")
        // The gateway's CA file holds the wrong CA.
        let caFile = directory.file("city-ca.pem")
        try FileManager.default.copyItem(atPath: certificates.wrongCAFile, toPath: caFile)
        let store = try BinStore.inMemory()
        let bins = makeBins(sensor: "door", count: 30)
        try store.save(bins)
        let uplink = try makeUplink(url: proxy.url, tls: .init(caFile: caFile))

        await #expect {
            try await uplink.prepare()
        } throws: { error in
            let error = error as! UplinkError
            return error.kind == .configuration && error.message.contains("TLS")
                && error.message.contains("tls.ca_file")
        }
        #expect(try store.pendingCount(uplink: "sensorthings") == 30)

        // The technician puts the right CA in place; delivery resumes without a restart.
        try FileManager.default.removeItem(atPath: caFile)
        try FileManager.default.copyItem(atPath: certificates.caFile, toPath: caFile)
        // Drained in a second or two. Should delivery not resume, the service's last error says why. (It
        // once did not, in one run of many: perhaps a handshake cut short under load, which was then
        // taken for a TLS configuration error and waited on for minutes; see the next test.)
        let delivery = try await deliverAll(uplink, from: store)
        #expect(delivery.drained, "the service's last error: \(delivery.lastError)")
        try await expectExactlyOnce(bins, at: server)
    }

    /// A handshake the server (a proxy, the network) resets halfway is no wrong certificate: it is a
    /// transient error, retried within a second or two, not a configuration error waited on for minutes
    /// (150-300 s). The proxy cuts two: the test's own attempt, then the delivery service's first.
    @Test func aHandshakeCutShortIsTransientAndDeliveryGoesOnAtTheNextAttempt() async throws {
        let server = try await SensorThingsServer.start()
        defer { server.remove() }
        let certificates = try TestCertificates()
        let proxy = try await TLSProxy(
            upstreamPort: server.port, certificates: certificates, cutHandshakes: 2)
        defer { proxy.stop() }
        let uplink = try makeUplink(url: proxy.url, tls: .init(caFile: certificates.caFile))
        await #expect {
            try await uplink.prepare()
        } throws: { error in
            let error = error as! UplinkError
            return error.kind == .transient && error.message.contains("cut during the TLS handshake")
        }
        let store = try BinStore.inMemory()
        let bins = makeBins(sensor: "door", count: 10)
        try store.save(bins)
        let delivery = try await deliverAll(uplink, from: store)
        #expect(delivery.drained, "the service's last error: \(delivery.lastError)")
        try await expectExactlyOnce(bins, at: server)
    }

    @Test func aWrongURLIsAConfigurationErrorAndAStoppedServerATransientOne() async throws {
        let server = try await SensorThingsServer.start()
        defer { server.remove() }
        let wrong = try makeUplink(url: "http://127.0.0.1:\(server.port)/sensorthings/v9")
        await #expect {
            try await wrong.prepare()
        } throws: { error in
            (error as? UplinkError)?.kind == .configuration && "\(error)".contains("service root")
        }
        await wrong.shutdown()
        server.stop()
        let down = try makeUplink(url: server.root)
        await #expect {
            try await down.prepare()
        } throws: { error in
            (error as? UplinkError)?.kind == .transient
        }
        await down.shutdown()
    }
}
