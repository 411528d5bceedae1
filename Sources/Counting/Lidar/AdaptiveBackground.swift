// The background while counting: the calibrated scene, slowly following lasting changes.

/// The background per 1° bin, adapting to lasting changes of the scene on sensor time:
/// - something new that stays at the same range for `absorbMillis` (a parked bicycle, a new bench, a
///   market stall) becomes background, so it stops being tracked;
/// - a bin that reads consistently farther than its background for `releaseMillis` (the bicycle left)
///   takes the farther range.
/// People walking past change a bin's reading every few tenths of a second and are never absorbed;
/// someone standing still for longer than `absorbMillis` is.
struct AdaptiveBackground: Sendable {
    /// Metres; `.infinity` for no surface in range.
    private(set) var ranges: [Double]
    /// The nearest background of a bin and its two neighbours: a person must be nearer than this, so
    /// the edge of a post that wobbles between two bins never reads as foreground.
    private(set) var guardRanges: [Double]
    private var candidate: [Double]
    private var candidateSince: [Int64]
    private var fartherSince: [Int64?]
    let absorbMillis: Int64
    let releaseMillis: Int64
    /// Bins absorbed or released so far (for health and tests).
    private(set) var changes = 0

    init(_ background: LidarBackground, absorbMillis: Int64, releaseMillis: Int64) {
        ranges = background.ranges.map { $0 ?? .infinity }
        guardRanges = ranges
        candidate = Array(repeating: .nan, count: LidarBackground.bins)
        candidateSince = Array(repeating: 0, count: LidarBackground.bins)
        fartherSince = Array(repeating: nil, count: LidarBackground.bins)
        self.absorbMillis = absorbMillis
        self.releaseMillis = releaseMillis
        for bin in 0..<LidarBackground.bins { updateGuard(around: bin) }
    }

    /// How much nearer than the background a return must be to be foreground: LD06 ranges are good to
    /// about ±2 cm near and 2–3 % far.
    @inline(__always) static func margin(_ metres: Double) -> Double { max(0.15, 0.04 * metres) }

    @inline(__always) func isForeground(bin: Int, metres: Double) -> Bool {
        metres < guardRanges[bin] - Self.margin(metres)
    }

    /// Takes one turn's nearest reading per bin (`.nan` where the turn had no sample, `.infinity` for
    /// samples without a return) at sensor time `time`.
    mutating func observe(nearest: [Double], time: Int64) {
        for bin in 0..<LidarBackground.bins {
            let reading = nearest[bin]
            if reading.isNaN { continue }
            let background = ranges[bin]
            if reading < background - Self.margin(reading) {
                fartherSince[bin] = nil
                if !(abs(reading - candidate[bin]) < Self.margin(reading) / 2) {
                    candidate[bin] = reading
                    candidateSince[bin] = time
                } else if time - candidateSince[bin] >= absorbMillis {
                    set(bin, to: candidate[bin])
                }
            } else if reading > background + Self.margin(background.isFinite ? background : reading) {
                candidate[bin] = .nan
                if let since = fartherSince[bin] {
                    if time - since >= releaseMillis { set(bin, to: reading) }
                } else {
                    fartherSince[bin] = time
                }
            } else {
                candidate[bin] = .nan
                fartherSince[bin] = nil
            }
        }
    }

    private mutating func set(_ bin: Int, to range: Double) {
        ranges[bin] = range
        candidate[bin] = .nan
        fartherSince[bin] = nil
        changes += 1
        for neighbour in (bin - 1)...(bin + 1) {
            updateGuard(around: (neighbour + LidarBackground.bins) % LidarBackground.bins)
        }
    }

    private mutating func updateGuard(around bin: Int) {
        let count = LidarBackground.bins
        guardRanges[bin] = min(ranges[(bin + count - 1) % count], ranges[bin], ranges[(bin + 1) % count])
    }
}
