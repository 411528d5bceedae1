import Control
import Counting
import Foundation
import Synchronization

/// Carries live events from the sensor loops to the technicians watching over the control socket.
/// Nothing is kept when nobody watches; a watcher that does not keep up loses the oldest events, never
/// slows a sensor loop down. In memory only: the feed never reaches the store or an uplink.
final class LiveFeed: Sendable {
    private struct Watcher {
        /// nil: every sensor.
        var sensor: String?
        var queue: [LiveMessage] = []
    }

    private let watchers = Mutex<[Int: Watcher]>([:])
    private let nextID = Atomic(0)
    /// Signalled when events arrive, so a watcher's thread wakes without polling.
    private let arrived = NSCondition()
    static let queueLimit = 4096

    /// Whether anyone watches `sensor`: the loop asks its counter for live events only then.
    func isWatched(_ sensor: String) -> Bool {
        watchers.withLock { $0.values.contains { $0.sensor == nil || $0.sensor == sensor } }
    }

    func publish(_ messages: [LiveMessage]) {
        if messages.isEmpty { return }
        watchers.withLock { watchers in
            for (id, var watcher) in watchers {
                let mine = messages.filter { watcher.sensor == nil || watcher.sensor == $0.sensor }
                if mine.isEmpty { continue }
                watcher.queue.append(contentsOf: mine)
                if watcher.queue.count > Self.queueLimit {
                    watcher.queue.removeFirst(watcher.queue.count - Self.queueLimit)
                }
                watchers[id] = watcher
            }
        }
        arrived.lock()
        arrived.broadcast()
        arrived.unlock()
    }

    /// Streams events to `connection` until it hangs up or `stop` is raised. Blocks the caller's thread.
    func stream(sensor: String?, to connection: ControlConnection, until stop: @escaping @Sendable () -> Bool) {
        let id = nextID.add(1, ordering: .relaxed).newValue
        watchers.withLock { $0[id] = Watcher(sensor: sensor) }
        defer { _ = watchers.withLock { $0.removeValue(forKey: id) } }
        while !stop() && connection.isOpen {
            arrived.lock()
            _ = arrived.wait(until: Date().addingTimeInterval(0.5))
            arrived.unlock()
            let batch = watchers.withLock { watchers -> [LiveMessage] in
                let queue = watchers[id]?.queue ?? []
                watchers[id]?.queue.removeAll(keepingCapacity: true)
                return queue
            }
            for message in batch where !connection.send(message) { return }
        }
    }
}

extension LiveMessage {
    /// The control socket's form of a counter's live event.
    public init(_ event: LiveEvent, sensor: String, labels: (aToB: String, bToA: String)) {
        switch event {
        case .channels(let a, let b):
            self.init(kind: .channels, sensor: sensor)
            channels = [a, b]
        case .distances(let a, let b):
            self.init(kind: .distances, sensor: sensor)
            distances = [a, b]
        case .crossing(let direction):
            self.init(kind: .crossing, sensor: sensor)
            self.direction = direction.rawValue
            label = direction == .aToB ? labels.aToB : labels.bToA
        case .scan(let points, let tracks, let line, let region):
            self.init(kind: .scan, sensor: sensor)
            self.points = points.map { [$0.x, $0.y] }
            self.tracks = tracks.map { [$0.x, $0.y, $0.vx, $0.vy] }
            self.line = [[line.p.x, line.p.y], [line.q.x, line.q.y]]
            self.region = region?.corners.map { [$0.x, $0.y] }
        }
    }
}
