/// glibc's `mallopt` (declared in <malloc.h>, which the Glibc module does not export).
@_silgen_name("mallopt") private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
/// `M_MMAP_THRESHOLD` from <malloc.h>.
private let mmapThresholdParameter: Int32 = -3

/// How the long-running commands (`run`, `demo`) ask glibc to manage large buffers.
///
/// Why: checkpoints and restores allocate buffers the size of the whole state (about 27 MB for
/// reviews.sql). glibc raises its mmap threshold after freeing a large mmapped block (up to 32 MiB),
/// so every later state-sized buffer came from the heap and the freed space stayed resident: the
/// soak benchmark measured restored processes 25–45 MB above cold ones (150 MB vs 105 MB). A fixed
/// 128 KiB threshold keeps such buffers in mmap, returned to the system when freed; the soak then
/// stayed at 68–77 MB in every incarnation. Small per-record allocations are unaffected.
enum MemoryPolicy {
    static func returnLargeBuffersToTheSystem() {
        #if os(Linux)
        _ = glibcMallopt(mmapThresholdParameter, 128 * 1024)
        #endif
    }
}
