import Counting
import Testing

@Suite("Walking the line")
struct WalkedLineTests {
    /// Positions every 0.1 s of a walk from `from` to `to` at 0.8 m/s, swaying ±`sway` across it.
    private func walk(from: (x: Double, y: Double), to: (x: Double, y: Double), sway: Double = 0.03)
        -> [(x: Double, y: Double)]
    {
        let length = ((to.x - from.x) * (to.x - from.x) + (to.y - from.y) * (to.y - from.y)).squareRoot()
        let steps = Int(length / 0.08)
        let (nx, ny) = (-(to.y - from.y) / length, (to.x - from.x) / length)
        return (0...steps).map { step in
            let share = Double(step) / Double(steps)
            let across = sway * (step % 2 == 0 ? 1 : -1)
            return (
                from.x + (to.x - from.x) * share + nx * across, from.y + (to.y - from.y) * share + ny * across
            )
        }
    }

    @Test func aSwayingWalkGivesItsEndsInTheOrderWalked() throws {
        let line = try WalkedLine(fitting: walk(from: (0.5, 0.4), to: (3.0, 0.6)))
        #expect(abs(line.p.x - 0.5) < 0.02 && abs(line.p.y - 0.4) < 0.02)
        #expect(abs(line.q.x - 3.0) < 0.02 && abs(line.q.y - 0.6) < 0.02)
        #expect(line.residual > 0.02 && line.residual < 0.04)

        let back = try WalkedLine(fitting: walk(from: (3.0, 0.6), to: (0.5, 0.4)))
        #expect(abs(back.p.x - 3.0) < 0.02 && abs(back.q.x - 0.5) < 0.02)
    }

    @Test func theProposalAddsTheBodyAllowanceAtBothEnds() throws {
        let line = try WalkedLine(fitting: walk(from: (1, -1), to: (1, 2), sway: 0)).extended(by: 0.25)
        #expect(abs(line.p.y - -1.25) < 1e-9 && abs(line.q.y - 2.25) < 1e-9)
        #expect(line.yaml == "[[1.00, -1.25], [1.00, 2.25]]")
    }

    @Test func tooFewTooShortOrCrookedWalksAreRefused() {
        #expect(throws: WalkedLine.Problem.tooFew(5)) {
            try WalkedLine(fitting: Array(walk(from: (0, 0), to: (3, 0)).prefix(5)))
        }
        #expect(throws: WalkedLine.Problem.self) { try WalkedLine(fitting: walk(from: (0, 0), to: (0.6, 0))) }
        #expect(throws: WalkedLine.Problem.self) {
            try WalkedLine(fitting: walk(from: (0, 0), to: (3, 0), sway: 0.5))
        }
    }
}
