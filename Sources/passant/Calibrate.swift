import ArgumentParser

/// `passant calibrate`: learn what a sensor sees when nobody is there.
struct Calibrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Calibrate a sensor at its site.", subcommands: [CalibrateBaseline.self])
}
