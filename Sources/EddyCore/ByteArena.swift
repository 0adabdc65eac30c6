/// A growable byte buffer that is reset, never freed, between records.
///
/// Strings decoded from a message, and strings computed by expressions, live here and are referred
/// to by `StringRef` (offset and length packed in one slot), so the hot path allocates nothing once
/// the arena has grown to its working size.
public final class ByteArena {
    @exclusivity(unchecked) public internal(set) var storage: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) @usableFromInline var capacity: Int
    @exclusivity(unchecked) public private(set) var count: Int = 0

    public init(capacity: Int = 4096) {
        self.capacity = max(capacity, 64)
        storage = .allocate(capacity: self.capacity)
    }

    deinit { storage.deallocate() }

    /// Forgets every byte; capacity is kept.
    @inlinable public func reset() { setCount(0) }

    @usableFromInline func setCount(_ n: Int) { count = n }

    @usableFromInline func grow(toHold extra: Int) {
        var newCapacity = capacity * 2
        while newCapacity < count + extra { newCapacity *= 2 }
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        fresh.update(from: storage, count: count)
        storage.deallocate()
        storage = fresh
        capacity = newCapacity
    }

    /// Makes room for `n` more bytes and returns where they start.
    @inlinable public func reserve(_ n: Int) -> UnsafeMutablePointer<UInt8> {
        if count + n > capacity { grow(toHold: n) }
        return storage + count
    }

    /// Commits `n` bytes written after `reserve`.
    @inlinable public func commit(_ n: Int) { setCount(count + n) }

    @inlinable public func append(_ byte: UInt8) {
        reserve(1).pointee = byte
        commit(1)
    }

    @inlinable public func append(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        let p = reserve(bytes.count)
        p.update(from: bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        commit(bytes.count)
    }

    @inlinable public func append(_ string: String) {
        var s = string
        s.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    /// Copies the bytes of `ref` from another arena (or this one) and returns the new reference.
    @inlinable public func copy(_ ref: UInt64, from other: ByteArena) -> UInt64 {
        let len = StringRef.length(ref)
        let start = count
        let p = reserve(len)
        p.update(from: other.storage + StringRef.offset(ref), count: len)
        commit(len)
        return StringRef.make(offset: start, length: len)
    }

    /// Appends bytes and returns their reference.
    @inlinable public func store(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let start = count
        append(bytes)
        return StringRef.make(offset: start, length: bytes.count)
    }

    @inlinable public func store(_ string: String) -> UInt64 {
        var s = string
        return s.withUTF8 { store(UnsafeRawBufferPointer($0)) }
    }

    /// The bytes of a reference, valid until the next write to this arena.
    @inlinable public func bytes(_ ref: UInt64) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: storage + StringRef.offset(ref), count: StringRef.length(ref))
    }

    /// The bytes of a reference as a Swift string (allocates: not for the hot path).
    public func string(_ ref: UInt64) -> String {
        String(decoding: bytes(ref), as: UTF8.self)
    }
}

/// A string value in a slot: 32-bit offset and 32-bit length into an arena.
public enum StringRef {
    @inlinable public static func make(offset: Int, length: Int) -> UInt64 {
        UInt64(truncatingIfNeeded: offset) << 32 | UInt64(truncatingIfNeeded: length)
    }
    @inlinable public static func offset(_ ref: UInt64) -> Int { Int(ref >> 32) }
    @inlinable public static func length(_ ref: UInt64) -> Int { Int(ref & 0xFFFF_FFFF) }
}
