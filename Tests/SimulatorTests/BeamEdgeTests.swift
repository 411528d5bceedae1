// Beam edges: the order a body produces them in, and the node's debounce.

import PCNT
import PassantSimulator
import Testing

@Suite struct BeamEdgeTests {
    /// A body shallower than the beam spacing clears A before it reaches B.
    @Test func shallowBodyWalkingAToBBreaksAClearsABreaksBClearsB() {
        let walker = Pedestrian.walker(
            id: 0, direction: .aToB, crossingTime: 10.0004, speed: 1.0, depth: 0.15)
        let edges = render(people: [walker], seconds: 20).beamEdges
        #expect(edges.map(\.edge) == ["A,1", "A,0", "B,1", "B,0"])
        // The centre passes 0.1 m at 10.0004 s at 1 m/s; A (at 0) is covered while the centre is within
        // ±0.075 m of it: 9.8254 s to 9.9754 s, samples 9826…9975 ms. Edges come 20 ms (debounce) later.
        #expect(edges.map(\.tick) == [9_846, 9_996, 10_046, 10_196])
    }

    /// A body deeper than the spacing covers both beams at once for a while.
    @Test func deepBodyWalkingAToBBreaksABreaksBClearsAClearsB() {
        let walker = Pedestrian.walker(
            id: 0, direction: .aToB, crossingTime: 10.0004, speed: 1.0, depth: 0.30)
        let edges = render(people: [walker], seconds: 20).beamEdges
        #expect(edges.map(\.edge) == ["A,1", "B,1", "A,0", "B,0"])
        #expect(edges.map(\.tick) == [9_771, 9_971, 10_071, 10_271])
    }

    @Test func walkingBToAMirrorsTheOrder() {
        let shallow = Pedestrian.walker(id: 0, direction: .bToA, crossingTime: 10, speed: 1.0, depth: 0.15)
        let deep = Pedestrian.walker(id: 1, direction: .bToA, crossingTime: 30, speed: 1.0, depth: 0.30)
        let edges = render(people: [shallow, deep], seconds: 40).beamEdges.map(\.edge)
        #expect(edges == ["B,1", "B,0", "A,1", "A,0", "B,1", "A,1", "B,0", "A,0"])
    }

    @Test func pulsesShorterThanTheDebounceAreNotReported() {
        let faults = NodeFaults(stuck: [
            StuckBeam(channel: .a, start: 5_000, duration: 19),
            StuckBeam(channel: .b, start: 7_000, duration: 20),
        ])
        let edges = render(people: [], seconds: 10, node: NodeConfiguration(faults: faults)).beamEdges
        #expect(edges.map(\.edge) == ["B,1", "B,0"])
        #expect(edges.map(\.tick) == [7_020, 7_040])
    }

    @Test func gapsShorterThanTheDebounceAreBridged() {
        let faults = NodeFaults(stuck: [
            StuckBeam(channel: .a, start: 5_000, duration: 1_000),
            StuckBeam(channel: .a, start: 6_015, duration: 1_000),
        ])
        let edges = render(people: [], seconds: 10, node: NodeConfiguration(faults: faults)).beamEdges
        #expect(edges.map(\.edge) == ["A,1", "A,0"])
        #expect(edges.map(\.tick) == [5_020, 7_035])
    }

    @Test func zeroDebounceReportsEveryChange() {
        let faults = NodeFaults(stuck: [StuckBeam(channel: .a, start: 5_000, duration: 3)])
        let node = NodeConfiguration(debounceMillis: 0, faults: faults)
        let edges = render(people: [], seconds: 10, node: node).beamEdges
        #expect(edges.map(\.tick) == [5_000, 5_003])
    }

    @Test func debouncerConfirmsOnlyStatesThatPersist() {
        var debouncer = Debouncer(debounce: 20)
        #expect(debouncer.feed(time: 100, interrupted: true).isEmpty)
        #expect(debouncer.feed(time: 110, interrupted: false).isEmpty)  // 10 ms pulse: dropped
        #expect(debouncer.feed(time: 200, interrupted: true).isEmpty)
        #expect(debouncer.confirm(upTo: 219) == nil)
        #expect(debouncer.confirm(upTo: 220)! == (220, true))
        #expect(debouncer.stable)
    }

    @Test func turnBackThatTouchesOnlyAGivesTwoAEdges() {
        let person = Pedestrian.turningBack(
            id: 0, direction: .aToB, arrival: 1, turnPoint: -0.05, depth: 0.25)
        let run = render(people: [person], seconds: 20)
        #expect(run.beamEdges.map(\.edge) == ["A,1", "A,0"])
        #expect(run.truth.crossings.isEmpty)
        #expect(run.truth.turnBacks.count == 1 && !run.truth.turnBacks[0].touchedBothBeams)
    }

    @Test func deepTurnBackTouchesBothBeamsAndLeavesByA() {
        let person = Pedestrian.turningBack(id: 0, direction: .aToB, arrival: 1, turnPoint: 0.12, depth: 0.25)
        let run = render(people: [person], seconds: 20)
        #expect(run.beamEdges.map(\.edge) == ["A,1", "B,1", "B,0", "A,0"])
        #expect(run.truth.crossings.isEmpty)
        #expect(run.truth.turnBacks.count == 1 && run.truth.turnBacks[0].touchedBothBeams)
    }
}

@Suite struct WholeRunEdgeTests {
    @Test func peopleWhoWalkAloneGiveFourEdgesEach() throws {
        // Seed 4 happens to put nobody in the beams together with someone else.
        let run = render(Scenario.sparse.walkway, seconds: 3_600, seed: 4)
        try #require(run.truth.overlapped == 0)
        #expect(run.truth.crossings.count > 90)
        #expect(run.beamEdges.count == 4 * run.truth.crossings.count)
        // Each crossing's four edges start with the beam on the side the person came from.
        let edges = run.beamEdges.map(\.edge)
        for (index, crossing) in run.truth.crossings.enumerated() {
            #expect(edges[4 * index] == (crossing.direction == .aToB ? "A,1" : "B,1"))
            #expect(Set(edges[(4 * index)..<(4 * index + 4)]) == ["A,1", "A,0", "B,1", "B,0"])
        }
    }

    @Test func anEmptyWalkwaySendsOnlyKeepalivesAndStatus() {
        let walkway = WalkwayParameters(ratePerHourAToB: 0, ratePerHourBToA: 0)
        let types = render(walkway, seconds: 60).sentences.map(\.type)
        #expect(types.first == "HELLO")
        #expect(types.filter { $0 == "S" }.count == 5)
        #expect(types.filter { $0 == "K" }.count == 59 - 5)
        #expect(!types.contains("B"))
    }
}
