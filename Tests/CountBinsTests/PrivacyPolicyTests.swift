import CountBins
import Foundation
import TestSupport
import Testing

private func bin(_ aToB: Int, _ bToA: Int, flags: BinFlags = []) -> CountBin {
    CountBin(
        key: BinKey(node: "gw-1", sensor: "door", start: 1_777_881_600, length: .oneMinute), aToB: aToB,
        bToA: bToA, coverage: 1, flags: flags)
}

@Suite("Privacy policy")
struct PrivacyPolicyTests {
    @Test func withoutAPolicyABinIsStoredAsCounted() {
        var generator = SeededGenerator(seed: 1)
        let counted = bin(1, 2, flags: [.dataLost])
        let stored = PrivacyPolicy.off.apply(to: counted, using: &generator)
        #expect(stored == counted)
        #expect(!PrivacyPolicy.off.isActive)
        #expect(!PrivacyPolicy(minimumCount: 1).isActive)
    }

    @Test func countsBelowTheMinimumArePublishedAsZeroPerDirectionAndTheBinFlagged() {
        var generator = SeededGenerator(seed: 1)
        let policy = PrivacyPolicy(minimumCount: 3)
        func apply(_ counted: CountBin) -> CountBin { policy.apply(to: counted, using: &generator) }
        #expect(apply(bin(1, 2)) == bin(0, 0, flags: [.suppressed]))
        #expect(apply(bin(5, 2)) == bin(5, 0, flags: [.suppressed]))
        #expect(apply(bin(0, 1, flags: [.linkDown])) == bin(0, 0, flags: [.linkDown, .suppressed]))
        // At or above the minimum, and a true zero, are not suppressed.
        #expect(apply(bin(3, 0)) == bin(3, 0))
        #expect(apply(bin(0, 0)) == bin(0, 0))
        #expect(apply(bin(40, 17)) == bin(40, 17))
    }

    @Test func fastMoversAreSuppressedAndNoisedLikePedestriansAndStayNilWhereNotToldApart() {
        var generator = SeededGenerator(seed: 7)
        var counted = bin(5, 4)
        counted.fastMovers = FastMovers(aToB: 1, bToA: 6)
        let suppressed = PrivacyPolicy(minimumCount: 3).apply(to: counted, using: &generator)
        #expect(suppressed.fastMovers == FastMovers(aToB: 0, bToA: 6))
        #expect(suppressed.aToB == 5 && suppressed.bToA == 4)
        #expect(suppressed.flags == [.suppressed])
        // Noise is drawn for each fast-mover count too: over many bins they are not all exact.
        let noisy = PrivacyPolicy(epsilon: 0.5)
        var changed = 0
        for _ in 0..<200 {
            let published = noisy.apply(to: counted, using: &generator)
            #expect(published.flags.contains(.noised))
            if published.fastMovers != counted.fastMovers { changed += 1 }
        }
        #expect(changed > 100)
        #expect(noisy.apply(to: bin(5, 4), using: &generator).fastMovers == nil)
    }

    @Test func theGeometricNoiseHasMeanZeroAndVariance2AlphaOver1MinusAlphaSquared() {
        for epsilon in [0.5, 1.0, 2.0] {
            let policy = PrivacyPolicy(epsilon: epsilon)
            var generator = SeededGenerator(seed: 7)
            let draws = 200_000
            var sum = 0.0
            var sumOfSquares = 0.0
            var histogram: [Int: Int] = [:]
            for _ in 0..<draws {
                let z = policy.noise(using: &generator)
                sum += Double(z)
                sumOfSquares += Double(z * z)
                histogram[z, default: 0] += 1
            }
            let alpha = exp(-epsilon)
            let variance = 2 * alpha / ((1 - alpha) * (1 - alpha))
            #expect(policy.noiseVariance.map { abs($0 - variance) < 1e-12 } == true)
            let mean = sum / Double(draws)
            // Five standard errors of the mean.
            #expect(abs(mean) < 5 * (variance / Double(draws)).squareRoot(), "ε \(epsilon): mean \(mean)")
            let measured = sumOfSquares / Double(draws) - mean * mean
            #expect(
                abs(measured / variance - 1) < 0.03,
                "ε \(epsilon): variance \(measured), expected \(variance)")
            // P(Z = 0) = (1−α)/(1+α), and each step away from 0 is α times as likely, on both sides.
            let zero = Double(histogram[0] ?? 0) / Double(draws)
            #expect(abs(zero - (1 - alpha) / (1 + alpha)) < 0.005, "ε \(epsilon): P(0) \(zero)")
            for k in [1, -1] {
                let ratio = Double(histogram[k] ?? 0) / Double(histogram[0] ?? 1)
                #expect(abs(ratio - alpha) < 0.02, "ε \(epsilon): P(\(k))/P(0) \(ratio), α \(alpha)")
            }
        }
    }

    @Test func noiseClampedAtZeroBiasesAQuietBinUpByAlphaOver1MinusAlphaSquared() {
        let policy = PrivacyPolicy(epsilon: 1)
        var generator = SeededGenerator(seed: 3)
        let draws = 100_000
        var total = 0
        for _ in 0..<draws {
            let published = policy.apply(to: bin(0, 0), using: &generator)
            #expect(published.aToB >= 0 && published.bToA >= 0)
            total += published.aToB
        }
        let alpha = exp(-1.0)
        let mean = Double(total) / Double(draws)
        #expect(abs(mean - alpha / (1 - alpha * alpha)) < 0.02, "mean of a noised true 0: \(mean)")
    }

    @Test func withNoiseAndAMinimumEveryPublishedCountIsZeroOrAtLeastTheMinimumAndFlagged() {
        let policy = PrivacyPolicy(minimumCount: 3, epsilon: 0.5)
        var generator = SeededGenerator(seed: 11)
        var suppressed = 0
        for trueCount in 0..<10 {
            for _ in 0..<500 {
                let published = policy.apply(to: bin(trueCount, 10 - trueCount), using: &generator)
                #expect(published.flags.contains(.noised))
                for count in [published.aToB, published.bToA] { #expect(count == 0 || count >= 3) }
                if published.flags.contains(.suppressed) { suppressed += 1 }
            }
        }
        #expect(suppressed > 0)
    }

    @Test func theSameGeneratorStateGivesTheSameBinAndADifferentOneMostlyNot() {
        let policy = PrivacyPolicy(epsilon: 1)
        var first = SeededGenerator(seed: 42)
        var again = SeededGenerator(seed: 42)
        let counted = (0..<50).map { bin($0, $0) }
        let published = counted.map { policy.apply(to: $0, using: &first) }
        let replayed = counted.map { policy.apply(to: $0, using: &again) }
        #expect(replayed == published)
        // The noise is real: most bins differ from what was counted.
        #expect(zip(published, counted).filter { $0.aToB != $1.aToB }.count > 25)
    }
}
