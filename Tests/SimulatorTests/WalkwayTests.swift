// The walkway model: reproducible, plausible, and people in single file do not walk through each other.

import PassantSimulator
import Testing

@Suite struct WalkwayTests {
    private func people(_ parameters: WalkwayParameters, seed: UInt64, count: Int) -> [Pedestrian] {
        var generator = PedestrianGenerator(parameters: parameters, seed: seed)
        return (0..<count).compactMap { _ in generator.next() }
    }

    @Test func sameSeedGivesTheSamePeople() {
        #expect(
            people(Scenario.dense.walkway, seed: 8, count: 500)
                == people(Scenario.dense.walkway, seed: 8, count: 500))
    }

    @Test func changingOneDirectionLeavesTheOtherAlone() {
        var busier = Scenario.moderate.walkway
        busier.ratePerHourBToA = 900
        let a = people(Scenario.moderate.walkway, seed: 8, count: 400).filter { $0.direction == .aToB }
        let b = people(busier, seed: 8, count: 800).filter { $0.direction == .aToB }
        #expect(Array(b.prefix(100)).map(\.trajectory) == Array(a.prefix(100)).map(\.trajectory))
    }

    @Test func arrivalsComeInOrderAtAboutTheRequestedRate() {
        let walkway = Scenario.dense.walkway
        let all = people(walkway, seed: 3, count: 20_000)
        #expect(zip(all, all.dropFirst()).allSatisfy { $0.arrival <= $1.arrival })
        let hours = all.last!.arrival / 3600
        let rate = Double(all.count) / hours
        #expect(abs(rate - 2_500) < 150)
        #expect(all.allSatisfy { (0.5...2.5).contains($0.speed) && (0.20...0.35).contains($0.depth) })
        let speeds = all.filter { $0.groupSize == 1 }.map(\.speed)
        #expect(abs(speeds.reduce(0, +) / Double(speeds.count) - 1.34) < 0.02)
    }

    @Test func nobodyWalksThroughThePersonAheadInSingleFile() {
        let all = people(Scenario.dense.walkway, seed: 12, count: 3_000)
        for direction in WalkDirection.allCases {
            let lane = all.filter { $0.direction == direction }
            let units = Dictionary(grouping: lane, by: \.group).values.sorted {
                $0[0].arrival < $1[0].arrival
            }
            var leaders: [Pedestrian] = []
            for unit in units {
                for follower in unit {
                    for leader in leaders {
                        // Sample the time both are on the walkway; sign makes B→A positions comparable.
                        let sign = direction == .aToB ? 1.0 : -1.0
                        let from = max(follower.trajectory.startTime, leader.trajectory.startTime)
                        let to = min(follower.trajectory.endTime, leader.trajectory.endTime)
                        var time = from
                        while time < to {
                            let distance =
                                sign
                                * (leader.trajectory.position(at: time)
                                    - follower.trajectory.position(at: time))
                            #expect(distance >= (leader.depth + follower.depth) / 2 - 1e-6)
                            time += 0.05
                        }
                    }
                }
                if unit.allSatisfy(\.crosses) { leaders = unit }
            }
        }
    }

    @Test func everyoneWhoCrossesPassesBothBeamsAndTurnBacksDoNot() {
        let walkway = WalkwayParameters(
            ratePerHourAToB: 500, ratePerHourBToA: 500, pauseShare: 0.2, turnBackShare: 0.2)
        for person in people(walkway, seed: 4, count: 2_000) {
            let crossing = person.crossingTime(spacing: walkway.spacing)
            #expect((crossing != nil) == person.crosses)
            let end = person.trajectory.knots.last!.position
            if person.crosses {
                #expect(abs(end - (person.direction == .aToB ? walkway.spacing + 3 : -3)) < 1e-6)
            } else {
                #expect(person.direction == .aToB ? end < 0 : end > walkway.spacing)
            }
        }
    }

    @Test func logarithmIsAccurate() {
        var random = SeededRandom(seed: 1)
        let mean = (0..<100_000).map { _ in random.exponential(rate: 2) }.reduce(0, +) / 100_000
        #expect(abs(mean - 0.5) < 0.01)
        let normals = (0..<100_000).map { _ in random.normal(mean: 1.34, standardDeviation: 0.2) }
        let m = normals.reduce(0, +) / Double(normals.count)
        let sd = (normals.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(normals.count)).squareRoot()
        #expect(abs(m - 1.34) < 0.005 && abs(sd - 0.2) < 0.005)
    }
}
