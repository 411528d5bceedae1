// Shared by every fuzz target: a broken invariant is a crash, so libFuzzer keeps the input that broke it.

/// Stops the run with `message` when `condition` does not hold (in every build mode, unlike `assert`).
@inline(__always)
func invariant(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("invariant broken: \(message())") }
}

/// Where to cut the input for the split checks: derived from its first two bytes so every cut gets tried.
func splitPoint(of bytes: UnsafeBufferPointer<UInt8>) -> Int {
    guard bytes.count >= 2 else { return 0 }
    return (Int(bytes[0]) << 8 | Int(bytes[1])) % (bytes.count + 1)
}

/// Whether `needle` occurs in `haystack` as contiguous bytes.
func contains(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty else { return true }
    guard needle.count <= haystack.count else { return false }
    var start = 0
    while start + needle.count <= haystack.count {
        var index = 0
        while index < needle.count && haystack[start + index] == needle[index] { index += 1 }
        if index == needle.count { return true }
        start += 1
    }
    return false
}
