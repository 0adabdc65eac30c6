import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads a pipe to its end, retrying reads interrupted by a signal.
///
/// Why not `FileHandle.readDataToEndOfFile()`: swift-corelibs-foundation traps (`try!`) when a
/// read returns EINTR, which happens now and then while tests send signals to child processes
/// and the runtime's own threads take signals. A trap would abort the whole test run.
func readPipeToEnd(_ handle: FileHandle) -> Data {
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    let descriptor = handle.fileDescriptor
    while true {
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count > 0 {
            data.append(contentsOf: buffer[0..<count])
        } else if count == 0 {
            return data
        } else if errno != EINTR && errno != EAGAIN {
            return data
        }
    }
}
