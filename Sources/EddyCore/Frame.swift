/// One row being processed: fixed-layout 8-byte slots, a null flag per slot, the row time, and the
/// arena its strings live in.
///
/// Frames are allocated once per operator and reused for every record, which is what keeps the
/// hot path free of per-record heap allocation.
public final class Frame {
    public let count: Int
    public let slots: UnsafeMutablePointer<UInt64>
    public let nulls: UnsafeMutablePointer<Bool>
    /// Event time of the row, epoch milliseconds.
    @exclusivity(unchecked) public var rowtime: Int64 = 0
    @exclusivity(unchecked) public var arena: ByteArena

    public init(count: Int, arena: ByteArena) {
        self.count = count
        slots = .allocate(capacity: max(count, 1))
        slots.initialize(repeating: 0, count: max(count, 1))
        nulls = .allocate(capacity: max(count, 1))
        nulls.initialize(repeating: true, count: max(count, 1))
        self.arena = arena
    }

    deinit {
        slots.deallocate()
        nulls.deallocate()
    }

    @inlinable public func set(_ i: Int, _ bits: UInt64) {
        slots[i] = bits
        nulls[i] = false
    }

    @inlinable public func setNull(_ i: Int) {
        slots[i] = 0
        nulls[i] = true
    }

    @inlinable public func setAllNull() {
        nulls.update(repeating: true, count: count)
    }

    /// Runs `body` with the arena as a guaranteed reference. Why: `arena` is a `var`, so every read
    /// of it was an atomic retain and release, several per record on the hot path; the frame keeps
    /// its arena alive, and `body` must not replace it.
    @inlinable @inline(__always) public func withArena<R>(_ body: (ByteArena) throws -> R) rethrows -> R {
        try Unmanaged.passUnretained(arena)._withUnsafeGuaranteedRef(body)
    }

    @inlinable public func int(_ i: Int) -> Int64 { Int64(bitPattern: slots[i]) }
    @inlinable public func double(_ i: Int) -> Double { Double(bitPattern: slots[i]) }
}
