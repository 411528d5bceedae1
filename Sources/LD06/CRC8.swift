// The LD06 packet checksum: CRC-8, polynomial 0x4D, initial value 0, MSB first, no reflection, no
// final xor (recomputed from the vendor SDK's table, see Hardware/…/LD06.md).

/// CRC-8/0x4D as the LD06 computes it over bytes 0–45 of a packet.
public enum LD06CRC {
    /// `T[i]` is the CRC of the single byte `i`; `crc = T[crc ^ byte]` for each byte.
    public static let table: [UInt8] = (0..<256).map { index in
        var crc = UInt8(index)
        for _ in 0..<8 { crc = crc & 0x80 != 0 ? (crc << 1) ^ 0x4D : crc << 1 }
        return crc
    }

    /// The checksum of `bytes`.
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt8 {
        var crc: UInt8 = 0
        for byte in bytes { crc = table[Int(crc ^ byte)] }
        return crc
    }
}
