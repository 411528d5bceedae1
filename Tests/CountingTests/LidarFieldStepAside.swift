// People on a real street do not walk through each other: meeting someone coming the other way, or
// overtaking someone slower, they step aside in good time and pass with a hand's breadth between them,
// then drift back to their way. Without this, the independent street's walkers pass through each other's
// bodies, which no sensor ever sees; with it (`FieldTraffic`'s `avoiding`), the detector meets what a
// street shows instead.

extension FieldWalker {
    /// How far the walker, with their hands, bag or child, reaches towards the sensor and away from it.
    var reachAcross: (near: Double, far: Double) {
        (company == .child ? 0.61 : 0.3, bag ? 0.42 : 0.3)
    }

    /// Where the walker, with a pram, reaches along the walkway, their hips `y` along it.
    func reachAlong(atY y: Double) -> ClosedRange<Double> {
        let ahead = company == .pram ? 1.17 : 0.2
        return heading > 0 ? (y - 0.2)...(y + ahead) : (y - ahead)...(y + 0.2)
    }

    /// When they have surely left the walkway, seconds.
    var leaves: Double { start + 2 * Self.from / speed + (stop?.seconds ?? 0) + 1 }

    /// How far they have stepped aside at `t` (see `stepAside`), metres across.
    func sidestep(at t: Double) -> Double {
        let position = (t - sidestepsFrom) / FieldStreetSteps.period
        guard position >= 0, !sidesteps.isEmpty else { return 0 }
        let index = Int(position)
        guard index + 1 < sidesteps.count else { return sidesteps.last ?? 0 }
        let fraction = position - Double(index)
        return sidesteps[index] * (1 - fraction) + sidesteps[index + 1] * fraction
    }
}

enum FieldStreetSteps {
    /// How often walkers look around and adjust their step aside, seconds.
    static let period = 0.1
    /// How far ahead in time they look for someone they would walk into, seconds.
    static let lookahead = [0.0, 0.5, 1.0, 1.5, 2.0]
    /// How fast they step aside, and drift back to their way once clear, metres per second.
    static let stepSpeed = 0.6
    static let driftSpeed = 0.15
}

/// Has `walkers` step aside for each other (`FieldWalker.sidesteps`), turn by turn: each looks up to two
/// seconds ahead for anyone who will be within `space` along the walkway with less than `clearance`
/// across between them (bar their companion abreast), and steps away from them at a walker's sidestep
/// pace, the one nearer the sensor towards it, the other away; with no one to avoid, they drift back to
/// their way, never off the walkway. Who passes on which side is settled by where each walks before
/// stepping aside. (Riders neither step aside nor are stepped aside for: see `FieldRider.traffic`.)
func stepAside(_ walkers: inout [FieldWalker], clearance: Double = 0.1, space: Double = 0.3) {
    typealias Steps = FieldStreetSteps
    let period = Steps.period
    guard let first = walkers.map(\.start).min(), let last = walkers.map(\.leaves).max() else { return }
    var offsets = Array(repeating: 0.0, count: walkers.count)
    var t = first
    while t <= last {
        let present = walkers.indices.filter { t >= walkers[$0].start && t <= walkers[$0].leaves }
        var push = Array(repeating: 0.0, count: walkers.count)
        for (position, i) in present.enumerated() {
            for j in present[(position + 1)...] {
                if j == i + 1 && walkers[j].isCompanion { continue }
                for ahead in Steps.lookahead {
                    guard let yi = walkers[i].y(at: t + ahead), let yj = walkers[j].y(at: t + ahead) else {
                        continue
                    }
                    let (ai, aj) = (walkers[i].reachAlong(atY: yi), walkers[j].reachAlong(atY: yj))
                    guard ai.lowerBound - space < aj.upperBound, aj.lowerBound - space < ai.upperBound else {
                        continue
                    }
                    let (wayI, wayJ) = (
                        walkers[i].lane + walkers[i].slope * yi, walkers[j].lane + walkers[j].slope * yj
                    )
                    let iNearer = wayI < wayJ
                    let (near, far) = iNearer ? (i, j) : (j, i)
                    let (xi, xj) = (wayI + offsets[i], wayJ + offsets[j])
                    let gap =
                        (iNearer ? xj - xi : xi - xj) - walkers[near].reachAcross.far
                        - walkers[far].reachAcross.near
                    if gap < clearance {
                        push[near] -= 1
                        push[far] += 1
                        break
                    }
                }
            }
        }
        for i in present {
            if walkers[i].sidesteps.isEmpty { walkers[i].sidestepsFrom = t }
            if push[i] != 0 {
                offsets[i] += (push[i] > 0 ? 1 : -1) * Steps.stepSpeed * period
            } else {
                offsets[i] -= max(-Steps.driftSpeed * period, min(Steps.driftSpeed * period, offsets[i]))
            }
            // Not off the walkway (0.5–3.0 m out): against its edge, the other one steps the rest.
            let way = walkers[i].lane + walkers[i].slope * (walkers[i].y(at: t) ?? 0)
            offsets[i] = min(3.0 - way, max(0.5 - way, offsets[i]))
            walkers[i].sidesteps.append(offsets[i])
        }
        t += period
    }
}
