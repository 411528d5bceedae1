/// CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR.
///
/// PCNT protects each sentence body with it. Check value: `CRC16.ccittFalse("123456789") == 0x29B1`.
public enum CRC16 {
    /// The CRC of `bytes`, continuing from `crc` (start with `0xFFFF`).
    @inlinable
    public static func ccittFalse(_ bytes: some Sequence<UInt8>, crc: UInt16 = 0xFFFF) -> UInt16 {
        var crc = crc
        for byte in bytes {
            crc = update(crc, byte)
        }
        return crc
    }

    /// Folds one byte into a running CRC.
    @inlinable
    public static func update(_ crc: UInt16, _ byte: UInt8) -> UInt16 {
        var crc = crc ^ (UInt16(byte) << 8)
        for _ in 0..<8 {
            crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1
        }
        return crc
    }
}
