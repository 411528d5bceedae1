import Counting
import PCNT
import TestSupport
import Testing

// MARK: - Writing edge streams

/// Edges written as `"A+0 B+154 A-231 B-385"`: beam, `+` interrupted / `-` clear, time in ms.
/// Scripts are written for a walker going A→B; `direction: .bToA` swaps the beams.
private func edges(_ script: String, _ direction: Direction = .aToB) -> [ChannelEdge] {
    script.split(separator: " ").map { token in
        var channel: Channel = token.first == "A" ? .a : .b
        if direction == .bToA { channel = channel == .a ? .b : .a }
        let occupied = token.dropFirst().first == "+"
        guard let time = Int64(token.dropFirst(2)) else { fatalError("bad edge token \(token)") }
        return ChannelEdge(channel: channel, occupied: occupied, time: time)
    }
}

/// A detector under test, with everything it emitted, checking on every step that no crossing is
/// ever earlier than the `pendingSince` announced before it.
private struct Run {
    var detector: DualBeamDetector
    var crossings: [Crossing] = []

    init(_ configuration: DualBeamDetector.Configuration = .init()) {
        detector = DualBeamDetector(configuration: configuration)
    }

    mutating func feed(_ edges: [ChannelEdge]) {
        for edge in edges {
            step { $0.handle(edge, into: &$1) }
        }
    }

    mutating func feed(_ script: String, _ direction: Direction = .aToB) {
        feed(edges(script, direction))
    }

    mutating func advance(to time: Int64) {
        step { $0.advance(to: time, into: &$1) }
    }

    /// Lets enough time pass for every pending observation to be decided: a pulse without a
    /// partner waits longer, for the other half of someone standing between the beams.
    mutating func finish() {
        advance(to: detector.now + detector.configuration.maxTransitMillis + 1000)
        if detector.pendingSince != nil {
            advance(to: detector.now + detector.configuration.maxStandMillis + 1000)
        }
    }

    private mutating func step(_ body: (inout DualBeamDetector, inout [Crossing]) -> Void) {
        let pending = detector.pendingSince
        var emitted: [Crossing] = []
        body(&detector, &emitted)
        for crossing in emitted {
            #expect(
                pending != nil && crossing.time >= pending!,
                "crossing at \(crossing.time) before \(pending as Any)")
        }
        crossings += emitted
    }
}

/// Checks direction and count exactly, and times within a tolerance.
private func expectCrossings(
    _ actual: [Crossing], _ expected: [(Direction, Int64)], tolerance: Int64 = 60,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let actual = actual.sorted { $0.time < $1.time }
    let expected = expected.sorted { $0.1 < $1.1 }
    #expect(
        actual.map(\.direction) == expected.map(\.0),
        "got \(actual.map { "\($0.direction.rawValue)@\($0.time)" })", sourceLocation: sourceLocation)
    for (crossing, (_, time)) in zip(actual, expected) {
        #expect(
            abs(crossing.time - time) <= tolerance, "time \(crossing.time), expected \(time)",
            sourceLocation: sourceLocation)
    }
}

private func count(_ crossings: [Crossing], _ direction: Direction) -> Int {
    crossings.filter { $0.direction == direction }.count
}

// MARK: - A tiny walkway model

/// One person walking through the beams at constant speed: the front reaches the first beam at
/// `entry`; the body interrupts each beam for depth / speed.
private struct Walker {
    var direction: Direction
    var entry: Double  // ms
    var speed: Double  // m/s
    var depth: Double  // m
    var spacing: Double  // m

    var duration: Double { depth / speed * 1000 }
    var lag: Double { spacing / speed * 1000 }
    /// When the body's centre is halfway between the beams.
    var middle: Double { entry + (spacing + depth) / 2 / speed * 1000 }
    var exit: Double { entry + lag + duration }
}

/// Renders walkers as a node would: per beam, the union of the bodies' intervals, with clears
/// shorter than the node's debounce swallowed.
private func render(_ walkers: [Walker], debounce: Int64 = 20) -> [ChannelEdge] {
    var result: [ChannelEdge] = []
    for channel in [Channel.a, .b] {
        var intervals: [(Int64, Int64)] = walkers.map { walker in
            let first = (walker.direction == .aToB) == (channel == .a)
            let start = walker.entry + (first ? 0 : walker.lag)
            return (Int64(start.rounded()), Int64((start + walker.duration).rounded()))
        }
        intervals.sort { $0.0 < $1.0 }
        var merged: [(Int64, Int64)] = []
        for interval in intervals {
            if let last = merged.last, interval.0 - last.1 < debounce {
                merged[merged.count - 1].1 = max(last.1, interval.1)
            } else {
                merged.append(interval)
            }
        }
        for (start, end) in merged {
            result.append(ChannelEdge(channel: channel, occupied: true, time: start))
            result.append(ChannelEdge(channel: channel, occupied: false, time: end))
        }
    }
    return result.sorted { ($0.time, $0.channel == .a ? 0 : 1) < ($1.time, $1.channel == .a ? 0 : 1) }
}

/// A standard adult: 1.3 m/s, 0.3 m deep, beams 0.2 m apart (lag 154 ms, pulses 231 ms).
private func adult(_ direction: Direction, at entry: Double) -> Walker {
    Walker(direction: direction, entry: entry, speed: 1.3, depth: 0.3, spacing: 0.2)
}

// MARK: - Single walkers

@Suite("DualBeamDetector")
struct DualBeamDetectorTests {
    @Test(
        "A walker deeper than the spacing is in both beams at once: A, B, ¬A, ¬B",
        arguments: Direction.allCases)
    func walkerDeeperThanSpacing(direction: Direction) {
        var run = Run()
        run.feed("A+0 B+154 A-231 B-385", direction)
        run.finish()
        expectCrossings(run.crossings, [(direction, 192)])
    }

    @Test(
        "A walker shallower than the spacing is in neither beam between them: A, ¬A, B, ¬B",
        arguments: Direction.allCases)
    func walkerShallowerThanSpacing(direction: Direction) {
        var run = Run()
        run.feed("A+0 A-112 B+224 B-336", direction)
        run.finish()
        expectCrossings(run.crossings, [(direction, 168)])
    }

    @Test("The walker of the PCNT specification's test vectors goes A→B")
    func specificationVector() {
        var run = Run()
        run.feed("A+123456 B+123690 A-123801 B-124002")
        run.finish()
        expectCrossings(run.crossings, [(.aToB, 123737)])
    }

    @Test(
        "Slow, fast and cycling-speed walkers are all counted", arguments: Direction.allCases,
        [0.5, 0.9, 1.8, 2.5, 5.0])
    func walkersAtAnySpeed(direction: Direction, speed: Double) {
        var run = Run()
        let walker = Walker(direction: direction, entry: 1000, speed: speed, depth: 0.25, spacing: 0.3)
        run.feed(render([walker]))
        run.finish()
        expectCrossings(run.crossings, [(direction, Int64(walker.middle))])
    }

    // MARK: Pauses

    @Test("A walker who stands in both beams for 10 s is counted once", arguments: Direction.allCases)
    func pauseInsideBothBeams(direction: Direction) {
        var run = Run()
        run.feed("A+0 B+154", direction)
        for t in stride(from: Int64(1000), through: 10000, by: 1000) { run.advance(to: t) }
        #expect(run.crossings.isEmpty)
        #expect(!run.detector.isDegraded)
        run.feed("A-10231 B-10385", direction)
        run.finish()
        expectCrossings(run.crossings, [(direction, 5192)])
    }

    @Test("A walker who stops with only the first beam broken is counted once", arguments: Direction.allCases)
    func pauseInFirstBeamOnly(direction: Direction) {
        var run = Run()
        run.feed("A+0 B+5154 A-5231 B-5385", direction)
        run.finish()
        // The mean of the edges falls inside the pause: when the person stood in the zone.
        expectCrossings(run.crossings, [(direction, 3942)])
    }

    @Test(
        "A walker who stops with only the second beam broken is counted once", arguments: Direction.allCases)
    func pauseInSecondBeamOnly(direction: Direction) {
        var run = Run()
        run.feed("A+0 B+154 A-231 B-6385", direction)
        run.finish()
        expectCrossings(run.crossings, [(direction, 1692)])
    }

    // MARK: Turn-backs

    @Test("Entering the first beam and leaving through it counts nothing", arguments: Direction.allCases)
    func turnBackAtFirstBeam(direction: Direction) {
        var run = Run()
        run.feed("A+0 A-600", direction)
        run.finish()
        #expect(run.crossings.isEmpty)
        #expect(run.detector.statistics.unmatchedPulses == 1)
        #expect(run.detector.pendingSince == nil)
    }

    @Test(
        "Reaching the second beam and turning back (A, B, ¬B, ¬A) counts nothing",
        arguments: Direction.allCases)
    func turnBackAfterReachingSecondBeam(direction: Direction) {
        var run = Run()
        run.feed("A+0 B+200 B-500 A-800", direction)
        run.finish()
        #expect(run.crossings.isEmpty)
        #expect(run.detector.statistics.turnBacks == 1)
    }

    @Test(
        "Stepping out of the near beam at the far one and coming back through it counts nothing",
        arguments: [
            // In from B, reaches A (a body deeper than the spacing), clears B, steps back and
            // leaves through B (simulator, scenario turnbacks, seed 1).
            "B+119215 A+119331 B-119382 B+120224 A-120279 B-120402",
            // In from A, reaches B, clears A, comes back and leaves through A (someone else
            // touched A meanwhile, merged into the way back).
            "A+102300 B+102445 A-102489 A+103076 B-103648 A-103823",
        ], Direction.allCases)
    func turnBackOutOfNearBeam(script: String, mirror: Direction) {
        // `.bToA` swaps the beams: the mirror image of the sequence.
        var run = Run()
        run.feed(script, mirror)
        run.finish()
        #expect(run.crossings.isEmpty)
        #expect(run.detector.statistics.turnBacks == 1)
        #expect(run.detector.pendingSince == nil)
    }

    @Test(
        "Turn-backs after a pause count nothing",
        arguments: [
            // Stood in the near beam, went back.
            "A+0 A-5000",
            // Stood in both beams, went back.
            "A+0 B+200 B-6200 A-6400",
            // Stood in the far beam only, went back.
            "A+0 B+150 A-300 A+6000 B-6150 A-6300",
            // A body shallower than the spacing stood with its front in the far beam, went back.
            "A+0 A-100 B+250 A+6000 B-6100 A-6200",
        ], Direction.allCases)
    func turnBackAfterPause(script: String, direction: Direction) {
        var run = Run()
        let edges = edges(script, direction)
        for edge in edges {
            run.advance(to: edge.time)
            run.feed([edge])
        }
        run.finish()
        #expect(run.crossings.isEmpty)
        #expect(run.detector.pendingSince == nil)
    }

    @Test(
        "A turn-back out of the near beam between two walkers counts only the walkers",
        arguments: Direction.allCases)
    func turnBackOutOfNearBeamBetweenWalkers(direction: Direction) {
        var run = Run()
        run.feed(
            "A+0 B+154 A-231 B-385 A+2000 B+2150 A-2300 A+3000 B-3150 A-3300 A+5000 B+5154 A-5231 B-5385",
            direction)
        run.finish()
        expectCrossings(run.crossings, [(direction, 192), (direction, 5192)])
        #expect(run.detector.statistics.turnBacks == 1)
    }

    @Test("A turn-back followed by a walker counts only the walker", arguments: Direction.allCases)
    func turnBackThenWalker(direction: Direction) {
        var run = Run()
        run.feed("A+0 A-400 A+700 B+854 A-931 B-1085", direction)
        run.finish()
        expectCrossings(run.crossings, [(direction, 892)])
        #expect(run.detector.statistics.unmatchedPulses == 1)
    }

    // MARK: Timing noise

    @Test("A flicker of a few ms inside a pulse does not split the walker", arguments: Direction.allCases)
    func flickerIsBridged(direction: Direction) {
        var run = Run()
        run.feed("A+0 A-100 A+105 B+154 A-231 B-250 B+254 B-385", direction)
        run.finish()
        expectCrossings(run.crossings, [(direction, 192)])
    }

    @Test("Falling edges a few ms out of order are jitter, not a turn-back", arguments: Direction.allCases)
    func fallingEdgesWithinJitter(direction: Direction) {
        var run = Run()
        run.feed("A+0 B+150 B-300 A-304", direction)
        run.finish()
        expectCrossings(run.crossings, [(direction, 188)])
    }

    @Test(
        "Rising edges a few ms apart take the direction from the falling edges", arguments: Direction.allCases
    )
    func risingEdgesWithinJitter(direction: Direction) {
        var run = Run()
        run.feed("B+0 A+3 A-231 B-385", direction)
        run.finish()
        expectCrossings(run.crossings, [(direction, 154)])
    }

    @Test(
        "Equal-time edges on both beams decide the same whichever comes first", arguments: Direction.allCases)
    func equalTimeEdges(direction: Direction) {
        var first = Run()
        first.feed("A+0 A-154 B+154 B-308 A+1000 B+1154 A-1385 B-1385", direction)
        first.finish()
        var second = Run()
        second.feed("A+0 B+154 A-154 B-308 A+1000 B+1154 B-1385 A-1385", direction)
        second.finish()
        expectCrossings(first.crossings, [(direction, 154), (direction, 1231)])
        #expect(first.crossings == second.crossings)
    }

    @Test(
        "An arm swung ahead of the torso, 60 ms apart on both beams, is part of the walker",
        arguments: Direction.allCases)
    func armFragmentOnBothBeams(direction: Direction) {
        var run = Run()
        run.feed("A+0 A-40 A+100 B+140 B-180 B+240 A-330 B-470", direction)
        run.finish()
        expectCrossings(run.crossings, [(direction, 235)])
        #expect(run.detector.statistics.joinedFragments == 2)
    }

    @Test(
        "Someone who stands between the beams, touching neither, is counted once",
        arguments: Direction.allCases)
    func standBetweenBeams(direction: Direction) {
        var run = Run()
        run.feed("A+0 A-120", direction)
        for t in stride(from: Int64(1000), through: 3000, by: 1000) { run.advance(to: t) }
        run.feed("B+3120 B-3240", direction)
        run.finish()
        expectCrossings(run.crossings, [(direction, 1620)])
        #expect(run.detector.statistics.standsBetween == 1)
    }

    @Test("A blip too short for a body next to a walker adds nobody")
    func blipNextToWalker() {
        var run = Run()
        run.feed("A+0 B+154 A-231 A+290 A-315 B-385")
        run.finish()
        expectCrossings(run.crossings, [(.aToB, 192)])
    }

    // MARK: Several people

    @Test(
        "Single file at 0.5 s and 0.3 s headways counts everyone", arguments: Direction.allCases,
        [500.0, 300.0])
    func singleFile(direction: Direction, headway: Double) {
        var run = Run()
        let walkers = (0..<6).map { adult(direction, at: 1000 + Double($0) * headway) }
        run.feed(render(walkers))
        run.finish()
        expectCrossings(run.crossings, walkers.map { (direction, Int64($0.middle)) })
    }

    @Test(
        "A second person breaking the first beam while the first is still in the second",
        arguments: Direction.allCases)
    func secondPersonWhileFirstInSecondBeam(direction: Direction) {
        var run = Run()
        // Beams 0.3 m apart, bodies 0.2 m: the first is alone in B when the second breaks A.
        run.feed("A+0 A-154 B+231 A+260 B-385 A-414 B+491 B-645", direction)
        run.finish()
        expectCrossings(run.crossings, [(direction, 192), (direction, 452)])
    }

    @Test(
        "Two people seen apart on one beam and merged on the other count as two",
        arguments: Direction.allCases)
    func mergedOnOneBeam(direction: Direction) {
        var run = Run()
        run.feed("A+0 B+200 A-231 A+300 A-531 B-685", direction)
        run.finish()
        #expect(count(run.crossings, direction) == 2)
        #expect(run.crossings.count == 2)
        #expect(run.detector.statistics.mergedPulses == 1)
    }

    @Test("Two people meeting head-on, one pulse apart, count one each way", arguments: [300.0, 150.0])
    func headOnMeeting(offset: Double) {
        var run = Run()
        let walkers = [adult(.aToB, at: 1000), adult(.bToA, at: 1000 + offset)]
        run.feed(render(walkers))
        run.finish()
        expectCrossings(run.crossings, walkers.map { ($0.direction, Int64($0.middle)) }, tolerance: 100)
    }

    @Test("People meeting head-on merged on one beam, then a walker, count one each")
    func headOnMergedThenWalker() {
        var run = Run()
        // B→A and A→B 40 ms apart: A sees one pulse, B two. 1.1 s later an A→B walker follows.
        run.feed("B+14208 A+14249 B-14368 B+14445 A-14533 B-14645 A+15746 B+15897 A-15973 B-16124")
        run.finish()
        #expect(run.crossings.map(\.direction) == [.bToA, .aToB, .aToB])
    }

    @Test("A dense queue across wide beams is not re-paired one person off", arguments: Direction.allCases)
    func denseQueueAcrossWideBeams(direction: Direction) {
        // Beams 0.3 m apart, bodies 0.18 m, gaps 0.12 m: each person breaks the first beam just as
        // the one ahead breaks the second, a pairing as tight as anyone's own (231 ms lag).
        var run = Run()
        let walkers = (0..<12).map {
            Walker(
                direction: direction, entry: 1000 + Double($0) * 230, speed: 1.3, depth: 0.18, spacing: 0.3)
        }
        run.feed(render(walkers))
        run.finish()
        expectCrossings(run.crossings, walkers.map { (direction, Int64($0.middle)) })
    }

    @Test("Two people meeting exactly side by side count one each way")
    func headOnMeetingSimultaneous() {
        var run = Run()
        run.feed(render([adult(.aToB, at: 1000), adult(.bToA, at: 1000)]))
        run.finish()
        #expect(count(run.crossings, .aToB) == 1)
        #expect(count(run.crossings, .bToA) == 1)
    }

    @Test("Overlap limit: meeting within a body length looks like a turn-back and counts nothing")
    func headOnMeetingWithinOneBodyLength() {
        var run = Run()
        // One beam sees one pulse containing the other's: indistinguishable from A, B, ¬B, ¬A.
        run.feed(render([adult(.aToB, at: 1000), adult(.bToA, at: 1100)]))
        run.finish()
        #expect(run.crossings.isEmpty)
        #expect(run.detector.statistics.turnBacks == 1)
    }

    @Test(
        "Overlap limit: two people side by side in the same direction count as one",
        arguments: Direction.allCases)
    func sideBySide(direction: Direction) {
        var run = Run()
        run.feed(render([adult(direction, at: 1000), adult(direction, at: 1040)]))
        run.finish()
        #expect(run.crossings.map(\.direction) == [direction])
    }

    // MARK: Stuck beams

    @Test(
        "A beam blocked for 60 s degrades the sensor, counts nothing, and recovers",
        arguments: [Channel.a, .b])
    func stuckBeam(stuck: Channel) {
        var run = Run()
        let direction: Direction = stuck == .a ? .aToB : .bToA
        run.feed("A+1000", direction)
        // Walkers keep passing on the other beam every 3 s; keepalives every second.
        for t in stride(from: Int64(2000), to: 61000, by: 1000) {
            if t % 3000 == 2000 { run.feed("B+\(t) B-\(t + 250)", direction) }
            run.advance(to: t + 500)
            #expect(run.detector.isDegraded == (t + 500 - 1000 > 30_000), "at \(t + 500)")
        }
        #expect(run.detector.isStuck(stuck))
        #expect(run.detector.pendingSince == nil)
        run.feed("B+61100 A-61200 B-61300", direction)
        run.advance(to: 62000)
        #expect(!run.detector.isDegraded)
        run.feed("A+65000 B+65154 A-65231 B-65385", direction)
        run.finish()
        expectCrossings(run.crossings, [(direction, 65192)])
        #expect(run.detector.statistics.stuckEpisodes == 1)
        #expect(run.detector.statistics.ignoredPulses >= 19)
    }

    @Test("A walker just before a blockage is still counted")
    func walkerBeforeBlockage() {
        var run = Run()
        run.feed("A+0 B+154 A-231 B-385 A+1000")
        run.advance(to: 40_000)
        #expect(run.detector.isDegraded)
        expectCrossings(run.crossings, [(.aToB, 192)])
    }

    // MARK: Resets

    @Test(
        "A reset mid-crossing forgets the partial walker, then counting resumes",
        arguments: Direction.allCases)
    func resetMidCrossing(direction: Direction) {
        var run = Run()
        run.feed("A+0 B+154", direction)
        run.detector.reset(at: 200)
        #expect(run.detector.pendingSince == nil)
        #expect(!run.detector.isOccupied(.a) && !run.detector.isOccupied(.b))
        run.feed("A-231 B-385", direction)
        run.finish()
        #expect(run.crossings.isEmpty)
        run.feed("A+5000 B+5154 A-5231 B-5385", direction)
        run.finish()
        expectCrossings(run.crossings, [(direction, 5192)])
        #expect(run.detector.statistics.ignoredPulses == 2)
    }

    @Test("After a reset the timeline may restart from zero")
    func resetRestartsTimeline() {
        var run = Run()
        run.feed("A+900000 B+900154 A-900231 B-900385")
        run.finish()
        run.detector.reset(at: 0)
        run.feed("A+100 B+254 A-331 B-485")
        run.finish()
        expectCrossings(run.crossings, [(.aToB, 900192), (.aToB, 292)])
    }

    // MARK: Latency and state

    @Test("A crossing is decided once no later pulse could change it, and pendingSince covers it")
    func decisionLatency() {
        var run = Run()
        #expect(run.detector.pendingSince == nil)
        run.feed("A+0 B+154 A-231 B-385")
        #expect(run.detector.pendingSince == 0)
        run.advance(to: 1800)
        #expect(run.crossings.isEmpty)
        #expect(run.detector.pendingSince == 0)
        run.advance(to: 1900)
        expectCrossings(run.crossings, [(.aToB, 192)])
        #expect(run.detector.pendingSince == nil)
    }

    @Test("The live monitor reads each beam's occupancy")
    func occupancy() {
        var run = Run()
        run.feed("A+100")
        #expect(run.detector.isOccupied(.a))
        #expect(run.detector.occupiedSince(.a) == 100)
        #expect(!run.detector.isOccupied(.b))
        #expect(run.detector.occupiedSince(.b) == nil)
        run.feed("B+250 A-330")
        #expect(!run.detector.isOccupied(.a))
        #expect(run.detector.occupiedSince(.b) == 250)
    }

    // MARK: Randomized

    @Test("Well-separated walkers of any speed, depth and spacing are all counted exactly")
    func randomSeparatedWalkers() {
        var rng = SeededGenerator(seed: 0x5EED_0001)
        var walkers: [Walker] = []
        var t = 1000.0
        for _ in 0..<600 {
            let walker = Walker(
                direction: Bool.random(using: &rng) ? .aToB : .bToA, entry: t,
                speed: Double.random(in: 0.6...2.2, using: &rng),
                depth: Double.random(in: 0.18...0.38, using: &rng),
                spacing: Double.random(in: 0.15...0.30, using: &rng))
            walkers.append(walker)
            t = walker.exit + Double.random(in: 2000...6000, using: &rng)
        }
        var run = Run()
        let rendered = render(walkers)
        for (index, edge) in rendered.enumerated() {
            if index % 4 == 0 { run.advance(to: edge.time) }
            run.feed([edge])
        }
        run.finish()
        #expect(run.crossings.count == walkers.count)
        #expect(count(run.crossings, .aToB) == walkers.filter { $0.direction == .aToB }.count)
        #expect(run.crossings.map(\.direction) == walkers.map(\.direction))
        for (crossing, walker) in zip(run.crossings, walkers) {
            #expect(abs(Double(crossing.time) - walker.middle) <= 30)
        }
    }

    @Test("Queues in single file with gaps down to 0.25 m are counted at least 99 % right")
    func randomSingleFile() {
        var rng = SeededGenerator(seed: 0x5EED_0002)
        var walkers: [Walker] = []
        var t = 1000.0
        for _ in 0..<250 {
            let direction: Direction = Bool.random(using: &rng) ? .aToB : .bToA
            let spacing = Double.random(in: 0.15...0.30, using: &rng)
            let pace = Double.random(in: 0.7...2.0, using: &rng)
            var previous: Walker?
            for _ in 0..<Int.random(in: 2...8, using: &rng) {
                var walker = Walker(
                    direction: direction, entry: t, speed: pace * Double.random(in: 0.9...1.1, using: &rng),
                    depth: Double.random(in: 0.18...0.38, using: &rng), spacing: spacing)
                if let previous {
                    // Keep at least the chosen gap to the person ahead at both beams.
                    let gap = Double.random(in: 0.25...0.8, using: &rng) / walker.speed * 1000
                    let afterFirst = previous.entry + previous.duration + gap
                    let afterSecond = previous.exit + gap - walker.lag
                    walker.entry = max(afterFirst, afterSecond)
                }
                walkers.append(walker)
                previous = walker
            }
            t = previous!.exit + Double.random(in: 2500...8000, using: &rng)
        }
        var run = Run()
        for (index, edge) in render(walkers).enumerated() {
            if index % 3 == 0 { run.advance(to: edge.time) }
            run.feed([edge])
        }
        run.finish()
        for direction in Direction.allCases {
            let truth = walkers.filter { $0.direction == direction }.count
            let counted = count(run.crossings, direction)
            #expect(abs(counted - truth) * 100 <= truth, "\(direction): counted \(counted) of \(truth)")
        }
    }
}
