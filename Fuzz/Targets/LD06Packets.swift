// libFuzzer target: the LD06 lidar packet decoder.
//
// Invariants: no crash; independent of chunking; every input byte is accounted for (noise, a whole
// 47-byte packet accepted or rejected, or a tail shorter than a packet still waiting); every accepted
// packet re-encodes to 47 bytes found in the input.
import LD06

private func decode(_ chunks: [UnsafeBufferPointer<UInt8>]) -> ([LD06Packet], LD06Rejects, Int) {
    var decoder = LD06Decoder()
    var packets: [LD06Packet] = []
    for chunk in chunks { decoder.decode(chunk) { packets.append($0) } }
    return (packets, decoder.rejects, decoder.packetsAccepted)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLD06(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    let (packets, rejects, accepted) = decode([input])
    invariant(accepted == packets.count, "accepted \(accepted) but delivered \(packets.count)")
    let whole = LD06Packet.length * (accepted + rejects.badAngle + rejects.implausibleSpan)
    let accounted = rejects.noiseBytes + whole
    invariant(accounted <= size, "\(accounted) bytes accounted for from \(size)")
    invariant(size - accounted < LD06Packet.length, "\(size - accounted) bytes neither decoded nor rejected")
    invariant(rejects.badCRC <= rejects.noiseBytes, "a bad CRC is one noise byte (the false header)")

    let cut = splitPoint(of: input)
    let halves = decode([UnsafeBufferPointer(rebasing: input[..<cut]), UnsafeBufferPointer(rebasing: input[cut...])])
    invariant(halves.0 == packets && halves.1 == rejects, "split at \(cut) changed the result")
    let bytes = (0..<size).map { UnsafeBufferPointer(rebasing: input[$0..<($0 + 1)]) }
    let single = decode(bytes)
    invariant(single.0 == packets && single.1 == rejects, "byte-by-byte feeding changed the result")

    for packet in packets {
        invariant(packet.encoded.count == LD06Packet.length, "a packet encodes to \(packet.encoded.count) bytes")
        invariant(contains(input, packet.encoded), "a packet re-encodes to bytes not in the input")
        invariant(packet.points.count == LD06Packet.pointsPerPacket, "\(packet.points.count) points")
    }
    return 0
}
