import CountBins
import Store

/// Where a sensor's closed bins pass the site's privacy policy, once, on their way to the store.
///
/// The policy is applied as a bin leaves the counter, before it joins the bins waiting for the store:
/// the noise is drawn once, and a store that refuses the write (disk full) is retried with the same
/// numbers, as is every delivery after it (uplinks read the stored values). The true counts are gone.
///
/// **Bins closed early** (shutdown within a bin) are the exception that needs care. Their published
/// value is the policy applied to the partial count: if passantd is not back within the bin, that is
/// the final value. If it is back within the bin, counting resumes — but not from the stored value:
/// adding true counts to a noised value would mix two draws, and resuming from a suppressed 0 would
/// lose people. So the true partial counts go to the store's `resume_count` table (never sent, never
/// exported), are read back once at start to resume, and are erased when the bin is stored for good,
/// or at start when the bin cannot be resumed any more. The resumed bin's final value is a fresh
/// draw on the whole count; the partial value was never delivered, because uplinks hold a bin until a
/// minute past its end, so a receiver sees one draw per bin.
struct PrivacyBoundary<Generator: RandomNumberGenerator> {
    let policy: PrivacyPolicy
    var generator: Generator

    /// The bins to store, and the true counts to keep for those closed early.
    mutating func apply(_ bins: [CountBin]) -> (bins: [CountBin], resumeCounts: [BinKey: ResumeCounts]) {
        guard policy.isActive, !bins.isEmpty else { return (bins, [:]) }
        var resume: [BinKey: ResumeCounts] = [:]
        let published = bins.map { bin -> CountBin in
            if bin.flags.contains(.closedEarly) { resume[bin.key] = ResumeCounts(bin) }
            return policy.apply(to: bin, using: &generator)
        }
        return (published, resume)
    }

    /// The bin to resume after a restart, from what the store holds for it: the true counts when they
    /// were kept, the stored counts when no policy touched them, nil when the stored counts carry the
    /// policy and the truth is gone (then the bin starts afresh and its coverage says it is partial).
    static func resumable(_ stored: CountBin, resumeCounts: ResumeCounts?) -> CountBin? {
        var bin = stored
        if let resumeCounts {
            bin.aToB = resumeCounts.aToB
            bin.bToA = resumeCounts.bToA
            bin.fastMovers = resumeCounts.fastMovers
        } else if !stored.flags.isDisjoint(with: [.noised, .suppressed]) {
            return nil
        }
        // The policy's flags describe the published value, not the counts; it is applied again at the end.
        bin.flags.subtract([.noised, .suppressed])
        return bin
    }
}
