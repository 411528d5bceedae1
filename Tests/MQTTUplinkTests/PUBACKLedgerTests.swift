import Testing

@testable import MQTTUplink

/// The PUBACK ledger on its own (no broker): a message counts as acknowledged only on the PUBACK of
/// exactly that publish. libmosquitto's message ids are 16-bit and handed out round-robin, so after
/// 65,535 publishes an id names a new message; nothing an older message with that id left behind may
/// pass for the new one's acknowledgement, or a bin is marked delivered that the broker never took.
@Suite("MQTT PUBACK ledger")
struct PUBACKLedgerTests {
    let events = ConnectionEvents(endpoint: "test", birth: nil, logger: nil)

    private func publish(_ mid: Int32, awaited: Bool = true) {
        events.beginPublish()
        events.register(mid, awaited: awaited)
    }

    @Test func aPUBACKThatCameAfterItsWaiterLeftDoesNotAcknowledgeTheNextMessageWithItsID() {
        publish(7)
        // The uplink stopped waiting (ack timeout) before this PUBACK came; nobody took it.
        events.published(mid: 7)
        // 65,535 publishes later libmosquitto hands out id 7 again, for new bins.
        publish(7)
        #expect(events.takeAcknowledged([7]).isEmpty, "acknowledged before the broker saw the new message")
        events.published(mid: 7)
        #expect(events.takeAcknowledged([7]) == [7])
    }

    @Test func aQoS0MessageNeverWrittenDoesNotSwallowThePUBACKOfTheNextMessageWithItsID() {
        // A health report (QoS 0, not awaited) dropped with the connection: libmosquitto never reports it.
        publish(9, awaited: false)
        publish(9)
        events.published(mid: 9)
        #expect(events.takeAcknowledged([9]) == [9])
    }

    @Test func aPUBACKHandledBeforeItsIDIsRegisteredCounts() {
        // The network thread can read the PUBACK before mosquitto_publish has returned the id.
        events.beginPublish()
        events.published(mid: 12)
        events.register(12, awaited: true)
        #expect(events.takeAcknowledged([12]) == [12])
        events.beginPublish()
        events.published(mid: 13)
        events.register(13, awaited: false)
        #expect(events.read { $0.early.isEmpty && $0.ignored.isEmpty && $0.acknowledged.isEmpty })
    }

    @Test func aPUBACKForAMessageWhosePublishCallFailedAcknowledgesNoLaterMessage() {
        // mosquitto_publish failed, yet libmosquitto had queued the message (id 11) and sends it on
        // the next connect; its PUBACK comes while no publish is in progress.
        events.beginPublish()
        events.endPublish()
        events.published(mid: 11)
        publish(11)
        #expect(events.takeAcknowledged([11]).isEmpty)
        #expect(events.read { $0.early.isEmpty && $0.publishing == 0 })
    }

    @Test func anEarlyPUBACKWaitsForItsOwnPublishWhileAnotherEnds() {
        // Two publishes at once (bins and a health report): one ending must not drop the other's PUBACK.
        events.beginPublish()
        events.beginPublish()
        events.published(mid: 21)
        events.register(20, awaited: false)
        events.register(21, awaited: true)
        #expect(events.takeAcknowledged([21]) == [21])
    }

    @Test func aMessageGivenUpOnIsForgottenWithItsLatePUBACK() {
        publish(30)
        events.forget([30])
        events.published(mid: 30)
        #expect(events.read { $0.awaiting.isEmpty && $0.acknowledged.isEmpty && $0.early.isEmpty })
    }
}
