// libFuzzer target: the TFmini decoder (data frames and command replies, the gateway's side).
//
// Invariants: no crash; independent of chunking; every frame and reply re-encodes to bytes found in the
// input; the bytes accounted for (noise, skipped false headers, frames, messages) never exceed the
// input, and at most one unfinished message (< 12 bytes) is left over.
import TFmini

private func decode(_ chunks: [UnsafeBufferPointer<UInt8>]) -> ([TFminiOutput], TFminiRejects) {
    var decoder = TFminiDecoder()
    var outputs: [TFminiOutput] = []
    for chunk in chunks { decoder.decode(chunk) { outputs.append($0) } }
    return (outputs, decoder.rejects)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTFmini(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    let (outputs, rejects) = decode([input])

    var decodedBytes = 0
    for output in outputs {
        let encoded: [UInt8]
        switch output {
        case .frame(let frame): encoded = frame.encoded
        case .reply(let reply): encoded = reply.encoded
        }
        invariant(contains(input, encoded), "\(output) re-encodes to bytes not in the input")
        decodedBytes += encoded.count
    }
    let skipped = rejects.noiseBytes + rejects.badFrameChecksum + rejects.badMessageChecksum
    let atLeast = skipped + decodedBytes + TFminiWire.minimumCommandLength * rejects.unknownMessages
    let atMost = skipped + decodedBytes + TFminiWire.maximumCommandLength * rejects.unknownMessages
    invariant(atLeast <= size, "\(atLeast) bytes accounted for from \(size)")
    invariant(size - atMost < TFminiWire.maximumCommandLength, "\(size - atMost) bytes neither decoded nor rejected")

    let cut = splitPoint(of: input)
    let halves = decode([UnsafeBufferPointer(rebasing: input[..<cut]), UnsafeBufferPointer(rebasing: input[cut...])])
    invariant(halves.0 == outputs && halves.1 == rejects, "split at \(cut) changed the result")
    let bytes = (0..<size).map { UnsafeBufferPointer(rebasing: input[$0..<($0 + 1)]) }
    let single = decode(bytes)
    invariant(single.0 == outputs && single.1 == rejects, "byte-by-byte feeding changed the result")
    return 0
}
