import CountBins
import Foundation
import PassantConfig
import Store
import TestSupport
import Testing
import Uplinks

@testable import MQTTUplink

/// Delivery through a real Mosquitto broker to a real subscriber, checked at the receiver by key.
@Suite("MQTT delivery", .serialized)
struct DeliveryTests {
    @Test func everyBinArrivesOnceWithItsValuesThroughTheDeliveryService() async throws {
        let broker = try Broker()
        try await broker.start()
        let receiver = try Receiver(port: broker.port)
        try await receiver.waitUntilConnected()
        let directory = try TemporaryDirectory("store")
        let bins = makeBins(sensors: ["door", "gate", "side"], count: 400)
        let store = try makeStore(bins, in: directory)
        let uplink = try makeUplink(port: broker.port)

        try await withDelivery(uplink, store: store) {
            try await waitUntilDelivered(store, within: 30)
            try await receiver.waitForBins(Set(bins.map(\.key)), within: 10)
        }
        let repeats = try receiver.verify(bins)
        #expect(repeats == 0)
        #expect(receiver.messages.filter { $0.topic.hasSuffix("/bins") }.allSatisfy { !$0.retained })
        #expect(
            Set(receiver.messages.map(\.topic)).isSuperset(of: [
                "passant/marktplatz/door/bins", "passant/marktplatz/gate/bins",
            ]))
        receiver.stop()
    }

    @Test func aBinOfferedAgainWhileItsMessageAwaitsThePUBACKIsNotSentTwice() async throws {
        let broker = try Broker()
        try await broker.start()
        let receiver = try Receiver(port: broker.port)
        try await receiver.waitUntilConnected()
        let uplink = try makeUplink(port: broker.port, ackTimeout: 1)
        try await uplink.prepare()
        let bins = makeBins(count: 50)

        // A frozen broker reads nothing and acknowledges nothing.
        broker.freeze()
        await #expect(throws: UplinkError.self) { try await uplink.deliver(bins) }
        #expect(uplink.statistics.messages == 1)
        broker.thaw()
        // Offered again: the uplink waits for the message already in flight instead of sending another.
        let confirmed = try await uplink.deliver(bins)
        #expect(Set(confirmed) == Set(bins.map(\.key)))
        #expect(uplink.statistics.messages == 1)
        try await receiver.waitForBins(Set(bins.map(\.key)), within: 10)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try receiver.verify(bins) == 0)
        await uplink.shutdown()
        receiver.stop()
    }

    @Test func aMessageSupersededWhileInFlightLeavesNothingInTheLedger() async throws {
        let broker = try Broker()
        try await broker.start()
        let uplink = try makeUplink(port: broker.port, ackTimeout: 1)
        try await uplink.prepare()
        let bins = makeBins(count: 20)
        var final = bins
        for index in final.indices { final[index].aToB += 1 }

        broker.freeze()
        await #expect(throws: UplinkError.self) { try await uplink.deliver(bins) }
        // Re-saved with final values while the first message still waits: sent again, in a new message.
        await #expect(throws: UplinkError.self) { try await uplink.deliver(final) }
        #expect(uplink.statistics.messages == 2)
        broker.thaw()
        #expect(Set(try await uplink.deliver(final)) == Set(final.map(\.key)))
        // The first message's PUBACK comes too (before the second's): it confirms nothing and stays nowhere.
        try await Task.sleep(for: .milliseconds(300))
        let ledger = uplink.ledgerForTesting
        #expect(ledger.inFlight == 0 && ledger.acknowledged == 0 && ledger.awaiting == 0, "\(ledger)")
        await uplink.shutdown()
    }

    @Test func aGapMessageGivenUpOnLeavesNothingInTheLedger() async throws {
        let broker = try Broker()
        try await broker.start()
        let receiver = try Receiver(port: broker.port)
        try await receiver.waitUntilConnected()
        let uplink = try makeUplink(port: broker.port, ackTimeout: 1)
        try await uplink.prepare()
        let gap = DroppedRange(
            node: "gw-1", sensor: "door", start: baseTime, end: baseTime + 3600, length: .oneMinute, bins: 60)

        broker.freeze()
        #expect(try await uplink.deliver(gaps: [gap]).isEmpty)
        broker.thaw()
        // The broker now takes the message and acknowledges it, after the uplink stopped waiting: the
        // gap record stays queued and goes out again in a new message, so that PUBACK confirms nothing.
        _ = try await receiver.last(on: "passant/marktplatz/door/gaps")
        try await Task.sleep(for: .milliseconds(300))
        let ledger = uplink.ledgerForTesting
        #expect(ledger.acknowledged == 0 && ledger.awaiting == 0 && ledger.early == 0, "\(ledger)")
        #expect(try await uplink.deliver(gaps: [gap]) == [gap])
        await uplink.shutdown()
        receiver.stop()
    }

    @Test func nothingIsLostWhenTheBrokerStopsMidDrainAndComesBack() async throws {
        let broker = try Broker(persistence: true)
        try await broker.start()
        let receiver = try Receiver(port: broker.port)
        try await receiver.waitUntilConnected()
        let directory = try TemporaryDirectory("store")
        let bins = makeBins(sensors: ["door", "gate"], count: 3000)
        let store = try makeStore(bins, in: directory)
        let uplink = try makeUplink(port: broker.port, ackTimeout: 3, binsPerMessage: 20)

        try await withDelivery(uplink, store: store) {
            // Stop the broker as soon as part of the backlog has arrived.
            while try receiver.bins().count < 200 { try await Task.sleep(for: .milliseconds(5)) }
            try await broker.stop()
            let pendingWhileDown = try store.pending(
                uplink: "mqtt", limit: 100_000, endingBefore: Int64.max / 2
            ).count
            #expect(pendingWhileDown > 0, "the broker stopped too late to test anything")
            // More bins are closed while the broker is away.
            try store.save(makeBins(sensors: ["door", "gate"], count: 30, fromMinute: 3000))
            try await Task.sleep(for: .seconds(2))
            try await broker.start()
            try await waitUntilDelivered(store, within: 60)
        }
        let all = bins + makeBins(sensors: ["door", "gate"], count: 30, fromMinute: 3000)
        try await receiver.waitForBins(Set(all.map(\.key)), within: 10)
        try receiver.verify(all)
        receiver.stop()
    }

    @Test func nothingIsLostWhenTheBrokerRestartsWithoutPersistence() async throws {
        // The broker forgets every session: the uplink's and the receiver's subscription.
        let broker = try Broker(persistence: false)
        try await broker.start()
        let receiver = try Receiver(port: broker.port)
        try await receiver.waitUntilConnected()
        let directory = try TemporaryDirectory("store")
        let before = makeBins(count: 500)
        let after = makeBins(count: 500, fromMinute: 500)
        let store = try makeStore(before, in: directory)
        let uplink = try makeUplink(port: broker.port, ackTimeout: 3)

        try await withDelivery(uplink, store: store) {
            try await waitUntilDelivered(store, within: 30)
            try await receiver.waitForBins(Set(before.map(\.key)), within: 10)
            try await broker.kill()
            try await receiver.waitUntilDisconnected()
            try store.save(after)
            // Delivery keeps trying while the broker is down; nothing gets through, nothing is dropped.
            try await Task.sleep(for: .seconds(2))
            let pending = try store.pending(uplink: "mqtt", limit: 1_000, endingBefore: Int64.max / 2)
            #expect(pending.count == after.count)
        }
        try await broker.start()
        // The broker forgot the receiver's subscription as well: what it publishes before the receiver
        // has subscribed again is lost to the receiver by the broker, not by the gateway. So delivery
        // goes on once the receiver is back (the uplink reconnects by itself meanwhile, or on delivery).
        try await receiver.waitUntilConnected()
        try await withDelivery(uplink, store: store) {
            try await waitUntilDelivered(store, within: 60)
        }
        try await receiver.waitForBins(Set((before + after).map(\.key)), within: 10)
        #expect(try receiver.verify(before + after) == 0)
        receiver.stop()
    }

    @Test func anUnreachableBrokerIsATransientErrorThatNamesIt() async throws {
        let port = try freeLoopbackPort()
        let uplink = try makeUplink(port: port)
        await #expect {
            try await uplink.prepare()
        } throws: { error in
            let error = error as! UplinkError
            return error.kind == .transient && error.message.contains("127.0.0.1:\(port)")
                && error.message.contains("bins stay queued")
        }
        await uplink.shutdown()
    }

    @Test func aWrongCASaysSoLosesNothingAndDeliveryResumesOnceFixed() async throws {
        let certificates = try TestCertificates()
        let broker = try Broker(tls: certificates.brokerFiles)
        try await broker.start()
        let receiver = try Receiver(port: broker.port, caFile: certificates.caFile)
        try await receiver.waitUntilConnected()
        let directory = try TemporaryDirectory("store")
        // The gateway's CA file holds the wrong CA.
        let caFile = directory.file("city-ca.pem")
        try FileManager.default.copyItem(atPath: certificates.wrongCAFile, toPath: caFile)
        let bins = makeBins(count: 300)
        let store = try makeStore(bins, in: directory)
        let uplink = try makeUplink(port: broker.port, tls: MQTTTLSConfiguration(caFile: caFile))

        var failure: UplinkError?
        do { try await uplink.prepare() } catch { failure = error }
        let error = try #require(failure)
        #expect(error.kind == .configuration)
        #expect(error.message.contains("TLS"))
        #expect(error.message.contains("certificate verify failed"))
        #expect(error.message.contains("tls.ca_file (\(caFile))"))
        #expect(error.message.contains("Nothing is lost"))
        #expect(
            try store.pending(uplink: "mqtt", limit: 1000, endingBefore: Int64.max / 2).count == bins.count)

        // Fixing the file is enough: the same uplink reads it again on the next prepare().
        try FileManager.default.removeItem(atPath: caFile)
        try FileManager.default.copyItem(atPath: certificates.caFile, toPath: caFile)
        try await uplink.prepare()
        try await withDelivery(uplink, store: store) {
            try await waitUntilDelivered(store, within: 30)
        }
        try await receiver.waitForBins(Set(bins.map(\.key)), within: 10)
        #expect(try receiver.verify(bins) == 0)
        receiver.stop()
    }

    @Test func aRefusedPasswordIsAConfigurationErrorAndAFixedPasswordFileResumes() async throws {
        let directory = try TemporaryDirectory("auth")
        let passwords = directory.file("passwd")
        try shell("mosquitto_passwd -b -c passwd gw-1 right-secret && chmod 644 passwd", in: directory.path)
        let broker = try Broker(passwordFile: passwords)
        try await broker.start()
        let secretFile = directory.file("mqtt-password")
        try "wrong-secret\n".write(toFile: secretFile, atomically: true, encoding: .utf8)
        let uplink = try makeUplink(port: broker.port, username: "gw-1", password: .file(secretFile))

        var failure: UplinkError?
        do { try await uplink.prepare() } catch { failure = error }
        let error = try #require(failure)
        #expect(error.kind == .configuration)
        #expect(error.message.contains("refused") || error.message.contains("not authorise"))
        #expect(!error.message.contains("wrong-secret"))

        try "right-secret\n".write(toFile: secretFile, atomically: true, encoding: .utf8)
        try await uplink.prepare()
        #expect(uplink.isConnected)
        await uplink.shutdown()
    }
}

/// The retained status, the last will and the health topic.
@Suite("MQTT status", .serialized)
struct StatusTests {
    @Test func theStatusIsRetainedOnlineWhileConnected() async throws {
        let broker = try Broker()
        try await broker.start()
        let uplink = try makeUplink(port: broker.port)
        try await uplink.prepare()
        try await Task.sleep(for: .milliseconds(300))
        // A receiver that subscribes afterwards still sees it: it is retained.
        let receiver = try Receiver(port: broker.port, clientID: "late")
        let status = try await receiver.last(on: "passant/marktplatz/status")
        #expect(status.text == "online")
        #expect(status.retained)
        await uplink.shutdown()
        receiver.stop()
    }

    @Test func aConnectionLostUncleanlyLeavesTheWillOffline() async throws {
        let broker = try Broker()
        try await broker.start()
        let receiver = try Receiver(port: broker.port)
        try await receiver.waitUntilConnected()
        let uplink = try makeUplink(port: broker.port)
        try await uplink.prepare()
        _ = try await receiver.last(on: "passant/marktplatz/status") { $0.text == "online" }
        uplink.abandonConnectionForTesting()
        _ = try await receiver.last(on: "passant/marktplatz/status") { $0.text == "offline" }
        // And it stays: a newcomer gets the retained will.
        let newcomer = try Receiver(port: broker.port, clientID: "newcomer")
        let retained = try await newcomer.last(on: "passant/marktplatz/status")
        #expect(retained.text == "offline" && retained.retained)
        receiver.stop()
        newcomer.stop()
    }

    @Test func aCleanShutdownPublishesOffline() async throws {
        let broker = try Broker()
        try await broker.start()
        let receiver = try Receiver(port: broker.port)
        try await receiver.waitUntilConnected()
        let uplink = try makeUplink(port: broker.port)
        try await uplink.prepare()
        _ = try await receiver.last(on: "passant/marktplatz/status") { $0.text == "online" }
        await uplink.shutdown()
        _ = try await receiver.last(on: "passant/marktplatz/status") { $0.text == "offline" }
        #expect(!uplink.isConnected)
        receiver.stop()
    }

    @Test func healthIsPublishedRetainedOnTheHealthTopic() async throws {
        let broker = try Broker()
        try await broker.start()
        let uplink = try makeUplink(port: broker.port)
        #expect(!uplink.publishHealth("{}"), "nothing is queued while not connected")
        try await uplink.prepare()
        #expect(uplink.publishHealth(#"{"uptime_s":42}"#))
        try await Task.sleep(for: .milliseconds(300))
        let receiver = try Receiver(port: broker.port, clientID: "dashboard")
        let health = try await receiver.last(on: "passant/marktplatz/health")
        #expect(health.text == #"{"uptime_s":42}"#)
        #expect(health.retained)
        await uplink.shutdown()
        receiver.stop()
    }

    @Test func binsDroppedBeforeDeliveryAreAnnouncedAsAGapBeforeTheBinsThatFollow() async throws {
        let broker = try Broker()
        try await broker.start()
        let receiver = try Receiver(port: broker.port)
        try await receiver.waitUntilConnected()
        let directory = try TemporaryDirectory("store")
        let bins = makeBins(count: 600)
        let store = try makeStore(bins, in: directory)
        // A week-long outage later the age limit drops the oldest 300 undelivered minutes.
        let report = try store.enforce(
            RetentionPolicy(maxAgeSeconds: 3600), now: baseTime + 300 * 60 + 3600, uplinks: ["mqtt"])
        #expect(report.droppedUndelivered == 300)
        let kept = Array(bins.suffix(300))
        let uplink = try makeUplink(port: broker.port)

        try await withDelivery(uplink, store: store) {
            try await waitUntilDelivered(store, within: 30)
            try await receiver.waitForBins(Set(kept.map(\.key)), within: 10)
        }
        #expect(try store.pendingGaps(uplink: "mqtt", limit: 10).isEmpty)
        let messages = receiver.messages.filter { $0.topic.hasPrefix("passant/marktplatz/door/") }
        let gapMessages = messages.filter { $0.topic == "passant/marktplatz/door/gaps" }
        #expect(gapMessages.count == 1)
        let gap = try #require(gapMessages.first)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(gap.payload)) as? [String: Any])
        let record = try #require((json["gaps"] as? [[String: Any]])?.first)
        #expect(record["key"] as? String == "gw-1/door/\(baseTime)-\(baseTime + 300 * 60)/60")
        #expect(record["start"] as? String == UTCTime.format(baseTime))
        #expect(record["end"] as? String == UTCTime.format(baseTime + 300 * 60))
        #expect(record["dropped_bins"] as? Int == 300)
        // The receiver learns of the gap before any bin after it.
        #expect(messages.first?.topic == "passant/marktplatz/door/gaps")
        #expect(try receiver.verify(kept) == 0)
        #expect(try receiver.bins().allSatisfy { $0.key.start >= baseTime + 300 * 60 })
        receiver.stop()
    }
}
