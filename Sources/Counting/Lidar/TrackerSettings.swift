// What the tracker's decisions turn on: gates, distances, times and counts.

extension LidarTracker {
    struct Settings: Sendable, Hashable {
        var confirmHits = 3
        var coastMillis: Int64 = 2000
        /// Gate radius for a track with a known velocity, metres.
        var gate = 0.5
        /// Gate radius for a track seen once (its velocity unknown): allows a cyclist's first step.
        var newTrackGate = 1.0
        /// What a track's uncertainty costs it when tracks vie for a cluster, per unit of ln(its gate /
        /// `gate`) (see `detectionCost`). A Gaussian's likelihood with the gate at three standard
        /// deviations gives 0.44; the figures are alike from 0.25 to 0.75.
        var uncertaintyCost = 0.5
        var alpha = 0.6
        var beta = 0.25
        var hysteresis = 0.15
        var commitDistance = 0.4
        /// How far past the line the detection a crossing is committed on must itself be, metres: the
        /// filtered position of a track that coasted hidden overshoots someone who stopped on the line.
        var commitMeasuredDistance = 0.15
        /// How far past the line a committed crossing's kind (walker or fast mover) is decided, metres.
        var decideDistance = 1.0
        /// A track that passed the line faster than this (m/s) and is faster than `speedingUpPast` and
        /// still speeding up at `decideDistance` is decided later, up to twice as far (see
        /// `isSpeedingUp`): a rider first seen late. Walkers average 1.3–1.4 m/s.
        var speedingUpFrom = 1.5
        var speedingUpPast = 2.0
        /// How far before the line a track's speed counts towards its kind too, metres. A long vehicle
        /// passing the sensor's perpendicular is seen first by its front, then whole, then by its rear,
        /// so its centre lags and its measured speed dips by the line: its speed on the way in holds.
        var approachDistance = Vehicle.length
        /// Metres per second; nil counts everyone as a walker.
        var fastMoverSpeed: Double? = 3.0
        /// How often a fast mover's track must have been seen, its speed counting from then on (see
        /// `Track.sustainedSpeed`).
        var fastMoverSightings = 4
        /// Two tracks closer than this are one person seen twice; the younger goes.
        var duplicateDistance = 0.18
        /// A cluster this close to a confirmed track is a fragment of it, not a new person.
        var fragmentDistance = 0.45
        /// Clusters narrower than this (m) are small: arms, bags, slivers of a hidden body. They start no
        /// track.
        var smallExtent = 0.15
        /// How far beyond P and Q (metres) a crossing still counts.
        var lineOverhang = 0.3
        /// A confirmed track unseen while its predicted position is hidden behind a nearer cluster
        /// coasts this long (two people abreast walking past the sensor hide one another for a second
        /// or two at walking speed; a slow pair longer).
        var occlusionMillis: Int64 = 4000
        /// A track unseen and predicted farther than this outside the region has left, metres.
        var leaveMargin = 0.5
        /// Detections a track needs before its prediction passing the line while hidden counts: someone
        /// hidden across the line was followed on their way to it; a track of a few turns on a rider's
        /// part, coasting in the rider's shadow, was not.
        var hiddenCrossingHits = 4
        /// How long before its prediction passes the line a hidden track must have been seen whole for
        /// that to count, ms: a walker hidden from before the line is seen walking up to it; a track on
        /// slivers, or born on two people as one, may drift across the walkway on a course of its own.
        var hiddenWholeMillis: Int64 = 1000
        /// How long a track must go unseen in plain view after its last detection, that detection on the
        /// side it came from, for a crossing only its filtered position or its prediction made to count
        /// nothing (see `finish`), ms: someone who walked on over the line would have been seen past it;
        /// someone who stopped or turned back behind another, hidden as they did, was not.
        var lostInViewMillis: Int64 = 1000
        /// How much farther than a cluster's nearest return a hidden body must be to be in its shadow
        /// (a body depth), and its own half-width, metres.
        var shadowDepth = 0.25
        var shadowHalfWidth = 0.2
        /// In association, an offset across a moving track's heading weighs this many times one along it.
        var acrossWeight = 1.5
        /// Faster than this (m/s) is a vehicle, not a walker.
        var vehicleSpeed = Vehicle.speed
        /// Two vehicle tracks closer than this along their way, moving alike, are one bicycle seen in
        /// two parts, metres.
        var vehicleLength = Vehicle.length
        /// A young track by a vehicle's, moving its way at least this fast (m/s; and half its speed) at
        /// each of its last two steps, is a part of it still being measured (see `isUnmeasuredPart`):
        /// faster than nearly every walker.
        var unmeasuredPartSpeed = 1.8
        /// How often such a part may have been seen: a rider crosses the region in a second or two.
        var unmeasuredPartSightings = 8
        /// What taking a cluster that is only part of a nearer body (`Cluster.partOfNearer`) costs a
        /// confirmed track beyond its distance, metres: it follows the body, not the arm beside it.
        var partCost = 0.1
        /// How far a cluster may be from where a neighbour's step would put it and still count as having
        /// made the same step (`commonShift`), metres.
        var shiftTolerance = 0.15
        /// A track whose detections are this long on average (`Cluster.span`) is longer than anyone at
        /// hip height, metres: a pram, a trolley (see `notePushed`). On the independent street a pram
        /// averages 0.62–0.77 m when its crossing is decided, a walker with a shoulder bag 0.27–0.51 m.
        var pushedSpan = 0.58
        /// How far ahead of a walker's centre (metres), how far off their lane, and how far off their
        /// velocity (m/s) something they push keeps.
        var pushedReach = 1.4
        var pushedLane = 0.35
        var pushedPaceTolerance = 0.4
        /// Turns a long track must be seen pushed before its crossings count nothing (a pram is seen so
        /// for 11–47 turns before it is decided on, at 0.9–1.3 m/s).
        var pushedTurns = 8
        /// How wide a detection must be to show a whole person, not a sliver of one, metres: someone
        /// emerging from behind a nearer person (see `emergedAt`), a sighting that counts towards
        /// `wholeSightingsToCount`.
        var wholeWidth = 0.2
        /// How fast (m/s) someone emerging must walk off the line for it to count as crossed (and no
        /// faster than `vehicleSpeed`: a walker).
        var emergedSpeed = 0.5
        /// How often a track must be seen whole (`wholeWidth` wide, not partly hidden, not a part of a
        /// nearer body) for its crossings to count. Someone walking through the region is seen whole many
        /// times; a track on slivers that coasts across the line in a nearer person's shadow, hardly ever.
        var wholeSightingsToCount = 2
        /// A track first seen this far from the line or farther (metres) walked up to it in view: it must
        /// have been seen whole `walkedInWholeSightings` times, or whole since it passed the line, for its
        /// crossing to count (see `isSomeone`). A track born on a rider's rear, or on two people as one,
        /// that rode the slivers at a walker's edge across the line was seen whole only where it was born.
        /// One first seen nearer the line, in a crowd, may have had no time to be seen whole more often.
        var walkedInDistance = 1.5
        var walkedInWholeSightings = 3
        /// Someone seen again, walking back, within `turnBackReach` metres and `turnBackMillis` of where a
        /// track coasting on was last seen whole, within `turnBackNear` metres of the line, is that
        /// track's walker, who turned back unseen (see `noteTurnedBack`). (A walker hidden as they reach
        /// the line may be last seen whole 0.6 m before it.)
        var turnBackReach = 0.6
        var turnBackMillis: Int64 = 2500
        var turnBackNear = 0.7
        /// So is someone seen again within `turnBackStepReach` metres and `turnBackStepMillis` of where the
        /// track was last measured on the side it came from, whole or not, within `turnBackNear` of the
        /// line: a walker half hidden as they stop there is seen in slivers, last seen whole farther
        /// back, and their track may go on over the line on a passer-by's.
        var turnBackStepReach = 0.35
        var turnBackStepMillis: Int64 = 800
        /// How many sightings after its confirmation a new track may still be found to be a walker
        /// coming back (see `noteTurnedBack`): someone who turned back hidden may stand a moment where they
        /// are seen again before walking back (0.3 s, on the simulator's turn-backs seed 23).
        var turnBackLateSightings = 6
        /// A track born this close to a confirmed one (metres; no closer than `fragmentDistance`, or it
        /// is no one new) may have been born on the walker that one drifted off; two walkers' crossings
        /// the same way by the two within `echoMillis` are one walker's if the elder was not seen whole
        /// after the turn the younger was born (see `isEcho`).
        var besideReach = 0.6
        var echoMillis: Int64 = 1500
        /// Two confirmed tracks within this of each other (metres) for `closeTurns` turns running follow
        /// one body: two people's centres keep farther apart, even abreast or one behind the other. Of
        /// two walkers' crossings the same way within `echoMillis` by such a pair, the second counts
        /// nothing unless both tracks were seen whole after passing the line (see `isEcho`).
        var closeDistance = 0.3
        var closeTurns = 8
        /// What `isOncomingStep` asks of a track (seen this often, walking steadily faster than this many
        /// m/s, which is also how fast a cluster behind it must have stepped back), and how near that
        /// cluster (metres) someone moving the other way must be.
        var backStepSightings = 6
        var backStepSpeed = 0.7
        var oncomingReach = 0.6
    }
}
