/// LLVM's prefetch intrinsic: a non-blocking hint to start loading a cache line.
///
/// Forest traversal is bound by memory latency; starting the loads of boxes the climb will need while
/// the descent is still going overlaps their misses with the descent's. An ordinary load used as a
/// "touch" works too but occupies the reorder buffer until it completes; the hint does not.
@_silgen_name("llvm.prefetch.p0")
private func llvmPrefetch(_ address: UnsafeRawPointer, _ readOrWrite: Int32, _ locality: Int32, _ cacheType: Int32)

/// Hints that the cache line holding `address` will be read soon (read, high locality, data cache).
@inline(__always)
func prefetch(_ address: UnsafeRawPointer) {
    llvmPrefetch(address, 0, 3, 1)
}
