// The simulated rangefinders: optics, each model's invalid readings, and the firmware's answers.

import PCNT
import PassantSimulator
import TFmini
import Testing

@Suite struct TFminiSensorTests {
    func sensor(_ model: TFminiModel, format: TFminiOutputFormat = .centimetres) -> TFminiSensor {
        TFminiSensor(
            model: model, version: TFminiVersion(major: 2, minor: 1, patch: 4),
            settings: TFminiSettings(format: format), seed: 3, stream: "test")
    }

    let wall = [RangeTarget(distance: 3.0, reflectivity: 0.5, cover: 1)]

    @Test func aWallThreeMetresAwayReadsAboutThreeHundredCentimetres() {
        var tfmini = sensor(.tfminiS)
        let frames = (0..<200).map { _ in tfmini.frame(wall) }
        let mean = frames.reduce(0) { $0 + Int($1.distance) } / frames.count
        #expect(abs(mean - 300) <= 1)
        #expect(frames.allSatisfy { (250...310).contains($0.distance) && $0.strength > 100 })
        #expect(frames.allSatisfy { (20...60).contains($0.celsius) })
    }

    @Test func millimetreFormatReportsMillimetres() {
        var tfmini = sensor(.tfminiPlus, format: .millimetres)
        let frame = tfmini.frame(wall)
        #expect((2900...3100).contains(frame.distance))
    }

    @Test func nothingInRangeIsEachModelsOwnNoReturn() {
        var s = sensor(.tfminiS)
        var plus = sensor(.tfminiPlus)
        var luna = sensor(.tfLuna)
        #expect(s.frame([]).distance == 0xFFFF)
        #expect(plus.frame([]).distance == 0)
        let lunaFrame = luna.frame([])
        #expect(lunaFrame.strength < 100)
        for model in TFminiModel.allCases {
            var tfmini = sensor(model)
            #expect(model.reading(of: tfmini.frame([])) == .noReturn, "\(model)")
        }
    }

    @Test func aWhiteCoatAgainstTheLensSaturatesEachModelInItsOwnWay() {
        let close = [RangeTarget(distance: 0.12, reflectivity: 0.9, cover: 1)]
        var s = sensor(.tfminiS)
        var plus = sensor(.tfminiPlus)
        var luna = sensor(.tfLuna)
        #expect(
            s.frame(close)
                == TFminiFrame(
                    distance: 0xFFFE, strength: 65535, temperatureRaw: s.frame(close).temperatureRaw)
                || s.frame(close).distance == 0xFFFE)
        #expect(plus.frame(close).distance == 0)
        #expect(plus.frame(close).strength == 65535)
        #expect(luna.frame(close).strength == 65535)
        for model in TFminiModel.allCases {
            var tfmini = sensor(model)
            #expect(model.reading(of: tfmini.frame(close)) == .saturated(.signal), "\(model)")
        }
    }

    @Test func aSpotHalfOnABodyEdgeReadsInBetween() {
        var tfmini = sensor(.tfminiS)
        let half = [
            RangeTarget(distance: 1.0, reflectivity: 0.5, cover: 0.5),
            RangeTarget(distance: 3.0, reflectivity: 0.5, cover: 1),
        ]
        let distance = (0..<50).map { _ in Int(tfmini.frame(half).distance) }.reduce(0, +) / 50
        #expect(distance > 100 && distance < 300)
    }

    @Test func theFirmwareAnswersEveryCommandAsTheManualSays() {
        var tfmini = sensor(.tfminiS)
        #expect(tfmini.answer(.version, targets: []) == [0x5A, 0x07, 0x01, 0x04, 0x01, 0x02, 0x69])
        #expect(tfmini.answer(.frameRate(250), targets: []) == TFminiCommand.frameRate(250).encoded)
        #expect(tfmini.streamingRate == 250)
        #expect(
            tfmini.answer(.output(enabled: false), targets: [])
                == TFminiCommand.output(enabled: false).encoded)
        #expect(tfmini.streamingRate == nil)
        // Not saved: a reset brings back 100 Hz with output on.
        #expect(tfmini.answer(.softReset, targets: []) == [0x5A, 0x05, 0x02, 0x00, 0x61])
        #expect(tfmini.streamingRate == 100)
        _ = tfmini.answer(.frameRate(20), targets: [])
        #expect(tfmini.answer(.saveSettings, targets: []) == [0x5A, 0x05, 0x11, 0x00, 0x70])
        _ = tfmini.answer(.softReset, targets: [])
        #expect(tfmini.streamingRate == 20)
        let triggered = tfmini.answer(.triggerFrame, targets: wall)
        #expect(triggered.count == 9 && triggered[0] == 0x59 && triggered[1] == 0x59)
    }

    @Test func aTFLunaRefusesMoreThan250Hz() {
        var luna = sensor(.tfLuna)
        #expect(luna.answer(.frameRate(500), targets: []) == TFminiReply.frameRate(100).encoded)
    }
}

@Suite struct TFminiPairRendererTests {
    func renderer(seconds: Int64, scenario: Scenario = .sparse) -> TFminiPairRenderer {
        TFminiPairRenderer(
            walkway: scenario.walkway, geometry: RangeGeometry(wall: 3), models: (.tfminiS, .tfminiPlus),
            seed: 5,
            end: seconds * 1000)
    }

    @Test func eachLinkCarriesAHundredFramesASecondOutOfPhase() {
        var pair = renderer(seconds: 10)
        var times: [[Int64]] = [[], []]
        while let chunk = pair.next() {
            times[chunk.channel == .a ? 0 : 1].append(chunk.time)
            #expect(chunk.bytes.count == 9)
        }
        #expect(times[0].count == 1000)
        #expect((999...1000).contains(times[1].count))
        #expect(times[0][1] - times[0][0] == 10)
        #expect(times[1][0] % 10 != 0)
    }

    @Test func commandsAreAnsweredOnTheirOwnLinkAndChangeTheStream() {
        var pair = renderer(seconds: 4)
        var decoders = [TFminiCommandDecoder(), TFminiCommandDecoder()]
        var framesB = 0
        var replies: [(Channel, [UInt8])] = []
        while let chunk = pair.next() {
            if chunk.time == 1000 && chunk.channel == .a {
                pair.command(TFminiCommand.version.encoded, on: .b, at: 1000, decoder: &decoders[1])
                pair.command(
                    TFminiCommand.output(enabled: false).encoded, on: .b, at: 1000, decoder: &decoders[1])
            }
            if chunk.time == 2000 && chunk.channel == .a {
                pair.command(
                    TFminiCommand.output(enabled: true).encoded, on: .b, at: 2000, decoder: &decoders[1])
            }
            if chunk.bytes.first == 0x5A { replies.append((chunk.channel, chunk.bytes)) }
            if chunk.channel == .b && chunk.bytes.first == 0x59 { framesB += 1 }
        }
        #expect(replies.map(\.0) == [.b, .b, .b])
        #expect(replies.first?.1 == [0x5A, 0x07, 0x01, 0x04, 0x01, 0x02, 0x69])
        // Three seconds of four streamed.
        #expect((299...301).contains(framesB))
    }
}

@Suite struct NodeFirmwareTests {
    @Test func answersFollowPCNTmd() {
        var ir2 = NodeFirmware(nodeID: "node-17", firmware: "1.4.2", kind: .ir2)
        #expect(
            ir2.answer(.query(request: 7, key: "debounce_ms")).0
                == Response(request: 7, ok: true, key: "debounce_ms", value: "20"))
        #expect(
            ir2.answer(.query(request: 9, key: "rate_hz")).0
                == Response(request: 9, ok: false, key: "rate_hz", value: "unknown-key"))
        #expect(ir2.answer(.set(request: 8, key: "debounce_ms", value: "30")).0.value == "30")
        #expect(
            ir2.answer(.set(request: 8, key: "debounce_ms", value: "300")).0
                == Response(request: 8, ok: false, key: "debounce_ms", value: "out-of-range"))
        #expect(ir2.answer(.set(request: 8, key: "fw", value: "2")).0.ok == false)
        #expect(ir2.answer(.write(request: 9)).0 == Response(request: 9, ok: true, key: "saved", value: "1"))
        #expect(ir2.answer(.hello(request: 10)).1 == .sendHello)
        #expect(ir2.answer(.reboot(request: 11)).1 == .reboot)
        _ = ir2.answer(.set(request: 12, key: "emit", value: "3"))
        ir2.rebooted()
        #expect(ir2.answer(.query(request: 13, key: "emit")).0.value == "2")
        #expect(ir2.answer(.query(request: 14, key: "debounce_ms")).0.value == "30")
    }

    @Test func anIR2NodeAnswersHelloAndRebootsOnX() {
        var node = IR2NodeRenderer(
            walkway: Scenario.sparse.walkway, configuration: NodeConfiguration(), seed: 1, end: 20_000)
        var lines: [NodeSentence] = []
        var decoder = PCNTDecoder()
        var asked = false
        while let chunk = node.next() {
            if chunk.time >= 3000 && !asked {
                node.receive(.hello(request: 5), at: 3000)
                node.receive(.reboot(request: 6), at: 3000)
                asked = true
            }
            decoder.decode(chunk.bytes) { lines.append($0) }
        }
        let responses = lines.compactMap { if case .response(let r) = $0.message { r } else { nil } }
        #expect(responses.map(\.request) == [5, 6])
        let hellos = lines.enumerated().filter { if case .hello = $0.element.message { true } else { false } }
        #expect(hellos.count == 3)  // boot, H, after X
        #expect(hellos.last?.element.seq == 0)
        #expect(node.statistics.reboots == 1)
    }

    @Test func aTOF2NodeChangesItsRateOnP() {
        var node = TOF2NodeRenderer(
            walkway: Scenario.sparse.walkway, geometry: RangeGeometry(), configuration: NodeConfiguration(),
            seed: 1,
            end: 4000)
        var decoder = PCNTDecoder()
        var ticks: [UInt32] = []
        var asked = false
        while let chunk = node.next() {
            if chunk.time >= 2000 && !asked {
                node.receive(.set(request: 1, key: "rate_hz", value: "10"), at: chunk.time)
                asked = true
            }
            decoder.decode(chunk.bytes) { if case .distances = $0.message { ticks.append($0.tick) } }
        }
        #expect(ticks.filter { $0 <= 2000 }.count == 100)
        #expect(ticks.filter { $0 > 2000 }.count == 19)
        #expect(decoder.rejects.total == 0)
    }
}
