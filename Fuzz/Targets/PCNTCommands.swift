// libFuzzer target: the node's PCNT command decoder (the firmware's side of the link).
//
// Invariants as for the sentence decoder: no crash, independent of chunking, canonical re-encoding.
import PCNT

private func decode(_ chunks: [UnsafeBufferPointer<UInt8>]) -> ([Command], PCNTRejects, Int) {
    var decoder = CommandDecoder()
    var commands: [Command] = []
    for chunk in chunks { decoder.decode(chunk) { commands.append($0) } }
    return (commands, decoder.rejects, decoder.commandsAccepted)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPCNTCommands(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    let (commands, rejects, accepted) = decode([input])
    invariant(accepted == commands.count, "accepted \(accepted) but delivered \(commands.count)")
    invariant(rejects.noiseBytes <= size, "more noise bytes than input bytes")
    let dollars = input.reduce(0) { $0 + ($1 == UInt8(ascii: "$") ? 1 : 0) }
    invariant(accepted + rejects.total <= dollars, "\(accepted) + \(rejects.total) commands from \(dollars) `$`")

    let cut = splitPoint(of: input)
    let halves = decode([UnsafeBufferPointer(rebasing: input[..<cut]), UnsafeBufferPointer(rebasing: input[cut...])])
    invariant(halves.0 == commands && halves.1 == rejects, "split at \(cut) changed the result")
    let bytes = (0..<size).map { UnsafeBufferPointer(rebasing: input[$0..<($0 + 1)]) }
    let single = decode(bytes)
    invariant(single.0 == commands && single.1 == rejects, "byte-by-byte feeding changed the result")

    for command in commands {
        let encoded = command.encoded
        invariant(contains(input, Array(encoded.dropLast(2))), "\(command) re-encodes to bytes not in the input")
        var again = CommandDecoder()
        var decoded: [Command] = []
        again.decode(encoded) { decoded.append($0) }
        invariant(decoded == [command] && again.rejects == PCNTRejects(), "\(command) does not round-trip")
    }
    return 0
}
