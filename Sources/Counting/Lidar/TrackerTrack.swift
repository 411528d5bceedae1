// What the tracker knows of one thing it follows (a walker, a rider, a pram, a sliver of someone): where,
// how fast, how it was seen, and where it stands with the counting line.

extension LidarTracker {
    struct Track: Sendable {
        var id: Int
        var position: PlanePoint
        var velocity: PlanePoint
        var lastSeen: Int64
        var lastUpdate: Int64
        var hits = 1
        var misses = 0
        var confirmed = false
        /// Smoothed speed, m/s.
        var speed = 0.0
        var origin: Side?
        /// Signed distance of its filtered position at its latest detection.
        var lastSigned: Double?
        var lastSignedTime: Int64 = 0
        /// When the track last passed the line away from its origin.
        var lineTime: Int64?
        var lineSpeed = 0.0
        /// A crossing committed to (`commitDistance` past the line) whose kind waits until the track is
        /// `decideDistance` past it or ends: a rider's speed is still being learnt at the line.
        var held: (side: Side, time: Int64)?
        /// The highest speed since the line was passed.
        var heldSpeed = 0.0
        /// The highest speed held for three detections running since the track came within
        /// `approachDistance` of the line on its origin's side.
        var approachSpeed = 0.0
        /// `approachSpeed` when the crossing was committed to.
        var heldApproachSpeed = 0.0
        /// The speed at the two detections before the last.
        var earlierSpeeds = (0.0, 0.0)
        /// The highest speed of its life that it had at two detections running, the later its
        /// `fastMoverSightings`th or after: a rider's. A new track that jumps between fragments of people
        /// in a crowd is that fast for a turn or two, and lost.
        var sustainedSpeed = 0.0
        /// When the track's predicted position passed the line away from its origin while it was hidden
        /// behind someone nearer the sensor (see `passHidden`).
        var hiddenCrossing: Int64?
        var measured: PlanePoint
        /// Velocity averaged over about a second: what a person hidden behind someone nearer keeps
        /// doing. The filter's own velocity swings when only part of the body is seen.
        var steadyVelocity = PlanePoint(x: 0, y: 0)
        /// Points per detection, averaged: a detection with far fewer is a partly hidden body.
        var typicalPoints = 0.0
        /// How long its detections are (`Cluster.span`), averaged, metres.
        var typicalSpan = 0.0
        /// Turns it was seen pushed ahead of a walker (see `notePushed`).
        var pushedTurns = 0
        /// Since when the track is unseen with its predicted position in a nearer cluster's shadow.
        var shadowedSince: Int64?
        /// How long it went unseen, since its last detection, with its predicted position in plain view
        /// (not in a nearer cluster's shadow), ms.
        var unseenInViewMillis: Int64 = 0
        /// Whether its latest detection showed the whole body: not partly hidden, not a part of a nearer
        /// one.
        var seenWhole = true
        /// When it was first seen, if that was within `hysteresis` of the line, whole, where a nearer
        /// cluster hid it the turn before: someone who crossed while hidden (see `count`).
        var emergedAt: Int64?
        /// When and where it was first seen.
        var born: Int64
        var bornAt: PlanePoint
        /// How often it was seen whole and `wholeWidth` wide; when and where last (where it was first
        /// seen, until then).
        var wholeSightings = 0
        var lastWholeTime: Int64
        var lastWholeAt: PlanePoint
        /// When and where it was last measured on the side it came from, before the crossing it may be
        /// making (see `noteTurnedBack`).
        var lastBeforeLine: (time: Int64, at: PlanePoint)?
        /// Whether its walker was seen again as someone new, walking back, since it was last seen whole
        /// (see `noteTurnedBack`).
        var turnedBack = false
        /// How fast it moved between its last three detections, m/s: unfiltered, what a part of a rider
        /// moves at while its filtered speed still lags (see `isUnmeasuredPart`).
        var steps = (latest: 0.0, before: 0.0)
        /// The confirmed track it was born beside, within `besideReach` (see `besideTrack`, `isEcho`).
        var bornBeside: Int?
    }
}
