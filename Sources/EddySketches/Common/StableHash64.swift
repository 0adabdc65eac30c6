/// A 64-bit, seedable, platform-independent hash (wyhash-style multiply-fold mixing).
///
/// Sketches need hashes that are identical across runs and machines (so serialized sketches stay
/// mergeable) and well mixed in every bit (HyperLogLog reads the leading bits as a bucket index and
/// counts leading zeros of the rest). Swift's `Hasher` is randomly seeded per process, so it fits neither.
public enum StableHash64 {
    private static let s0: UInt64 = 0xa076_1d64_78bd_642f
    private static let s1: UInt64 = 0xe703_7ed1_a0b4_28db
    private static let s2: UInt64 = 0x8ebc_6af0_9c88_c6e3
    private static let s3: UInt64 = 0x5899_65cc_7537_4cc3

    @inline(__always)
    private static func mum(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }

    @inline(__always)
    private static func read8(_ p: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    @inline(__always)
    private static func read4(_ p: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        UInt64(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
    }

    /// Hashes raw bytes.
    public static func hash(bytes p: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        let length = p.count
        var state = seed ^ mum(seed ^ s0, s1)
        var a: UInt64 = 0
        var b: UInt64 = 0
        if length <= 16 {
            if length >= 4 {
                let shift = (length >> 3) << 2
                a = (read4(p, 0) << 32) | read4(p, shift)
                b = (read4(p, length - 4) << 32) | read4(p, length - 4 - shift)
            } else if length > 0 {
                a = (UInt64(p[0]) << 16) | (UInt64(p[length >> 1]) << 8) | UInt64(p[length - 1])
            }
        } else {
            var remaining = length
            var offset = 0
            if remaining > 48 {
                var see1 = state
                var see2 = state
                repeat {
                    state = mum(read8(p, offset) ^ s1, read8(p, offset + 8) ^ state)
                    see1 = mum(read8(p, offset + 16) ^ s2, read8(p, offset + 24) ^ see1)
                    see2 = mum(read8(p, offset + 32) ^ s3, read8(p, offset + 40) ^ see2)
                    offset += 48
                    remaining -= 48
                } while remaining > 48
                state ^= see1 ^ see2
            }
            while remaining > 16 {
                state = mum(read8(p, offset) ^ s1, read8(p, offset + 8) ^ state)
                offset += 16
                remaining -= 16
            }
            a = read8(p, offset + remaining - 16)
            b = read8(p, offset + remaining - 8)
        }
        a ^= s1
        b ^= state
        let product = a.multipliedFullWidth(by: b)
        return mum(product.low ^ s0 ^ UInt64(length), product.high ^ s1)
    }

    /// Hashes a string's UTF-8 bytes (no allocation for native strings).
    public static func hash(_ string: String, seed: UInt64 = 0) -> UInt64 {
        var copy = string
        return copy.withUTF8 { hash(bytes: UnsafeRawBufferPointer($0), seed: seed) }
    }

    /// Hashes a 64-bit word; equal to hashing its 8 little-endian bytes.
    public static func hash(_ word: UInt64, seed: UInt64 = 0) -> UInt64 {
        var le = word.littleEndian
        return withUnsafeBytes(of: &le) { hash(bytes: $0, seed: seed) }
    }

    /// Hashes a signed integer as its two's-complement 64-bit word.
    public static func hash(_ value: Int64, seed: UInt64 = 0) -> UInt64 {
        hash(UInt64(bitPattern: value), seed: seed)
    }

    /// Hashes a double by value: -0.0 and 0.0 hash alike, and every NaN hashes alike, so equal SQL values collide.
    public static func hash(_ value: Double, seed: UInt64 = 0) -> UInt64 {
        let canonical: UInt64 = value.isNaN ? Double.nan.bitPattern : (value == 0 ? 0 : value.bitPattern)
        return hash(canonical, seed: seed)
    }
}
