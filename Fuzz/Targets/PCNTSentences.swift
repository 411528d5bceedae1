// libFuzzer target: the gateway's PCNT sentence decoder (SentenceFramer + PCNTDecoder).
//
// Invariants: any byte string is decoded without a crash; the result does not depend on how the bytes
// are cut into chunks (whole, two pieces, byte by byte); every decoded sentence re-encodes to bytes that
// are in the input and decode to the same sentence; every sentence, accepted or rejected, began at a `$`.
import PCNT

private func decode(_ chunks: [UnsafeBufferPointer<UInt8>]) -> ([NodeSentence], PCNTRejects, Int) {
    var decoder = PCNTDecoder()
    var sentences: [NodeSentence] = []
    for chunk in chunks { decoder.decode(chunk) { sentences.append($0) } }
    return (sentences, decoder.rejects, decoder.sentencesAccepted)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPCNTSentences(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    let (sentences, rejects, accepted) = decode([input])
    invariant(accepted == sentences.count, "accepted \(accepted) but delivered \(sentences.count)")
    invariant(rejects.noiseBytes <= size, "more noise bytes than input bytes")
    let dollars = input.reduce(0) { $0 + ($1 == UInt8(ascii: "$") ? 1 : 0) }
    invariant(accepted + rejects.total <= dollars, "\(accepted) + \(rejects.total) sentences from \(dollars) `$`")

    let cut = splitPoint(of: input)
    let halves = decode([UnsafeBufferPointer(rebasing: input[..<cut]), UnsafeBufferPointer(rebasing: input[cut...])])
    invariant(halves.0 == sentences && halves.1 == rejects, "split at \(cut) changed the result")
    let bytes = (0..<size).map { UnsafeBufferPointer(rebasing: input[$0..<($0 + 1)]) }
    let single = decode(bytes)
    invariant(single.0 == sentences && single.1 == rejects, "byte-by-byte feeding changed the result")

    for sentence in sentences {
        let encoded = sentence.encoded
        // The grammar is canonical: the bytes up to the CRC are exactly what was received.
        invariant(contains(input, Array(encoded.dropLast(2))), "\(sentence) re-encodes to bytes not in the input")
        var again = PCNTDecoder()
        var decoded: [NodeSentence] = []
        again.decode(encoded) { decoded.append($0) }
        invariant(decoded == [sentence] && again.rejects == PCNTRejects(), "\(sentence) does not round-trip")
    }
    return 0
}
