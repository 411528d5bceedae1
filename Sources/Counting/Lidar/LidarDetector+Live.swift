extension LidarDetector {
    /// The latest turn as the live monitor draws it: the foreground points, the people tracked (only
    /// confirmed tracks: fragments and noise are not people yet), the counting line and the region.
    var liveScan: LiveEvent {
        .scan(
            points: foreground.map(\.point),
            tracks: tracker.tracks.filter(\.confirmed).map {
                PlaneTrack(x: $0.position.x, y: $0.position.y, vx: $0.velocity.x, vy: $0.velocity.y)
            },
            line: configuration.line, region: configuration.region)
    }
}
