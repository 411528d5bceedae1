import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A system program (not one of ours), started for real.
func system(_ path: String, _ arguments: [String]) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    return process
}
