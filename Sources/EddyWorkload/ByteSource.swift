#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A growable window over a file's bytes, read in large chunks with POSIX `read`.
///
/// Record files can be gigabytes (the Amazon reviews TSVs are), so the reader never loads a
/// whole file; it keeps the unconsumed tail plus one more chunk. It owns the file descriptor
/// and closes it in `deinit`, which is why it is a class.
final class ByteSource {
    static let chunkSize = 1 << 20

    private let fileDescriptor: Int32?
    let path: String
    /// Valid bytes are `buffer[start..<end]`.
    var buffer: [UInt8]
    var start = 0
    var end = 0
    private(set) var reachedEnd: Bool
    /// Set when a read fails mid-file; reported once as a malformed record.
    private(set) var readError: String?

    init(path: String) throws(RecordFileError) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw RecordFileError(kind: .cannotOpen, path: path, reason: ByteSource.errorText(errno))
        }
        var status = stat()
        if fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
            close(descriptor)
            throw RecordFileError(kind: .cannotOpen, path: path, reason: ByteSource.errorText(EISDIR))
        }
        self.fileDescriptor = descriptor
        self.path = path
        self.buffer = [UInt8](repeating: 0, count: ByteSource.chunkSize)
        self.reachedEnd = false
    }

    /// A source over bytes already in memory (tests, stdin slurps, in-memory replays).
    init(bytes: [UInt8], name: String) {
        self.fileDescriptor = nil
        self.path = name
        self.buffer = bytes
        self.end = bytes.count
        self.reachedEnd = true
    }

    deinit {
        if let fileDescriptor { close(fileDescriptor) }
    }

    /// Reads more bytes after `end`, compacting consumed bytes and growing the buffer as needed.
    /// Returns false when nothing more can be read (end of file or a read error).
    func fill() -> Bool {
        guard !reachedEnd, let fileDescriptor else { return false }
        if start > 0 {
            let live = end - start
            buffer.withUnsafeMutableBufferPointer { pointer in
                guard let base = pointer.baseAddress else { return }
                memmove(base, base + start, live)
            }
            start = 0
            end = live
        }
        if end == buffer.count {
            buffer.append(contentsOf: repeatElement(0, count: max(buffer.count, ByteSource.chunkSize)))
        }
        while true {
            let received = buffer.withUnsafeMutableBufferPointer { pointer in
                read(fileDescriptor, pointer.baseAddress! + end, pointer.count - end)
            }
            if received > 0 {
                end += received
                return true
            }
            if received == 0 {
                reachedEnd = true
                return false
            }
            if errno == EINTR { continue }
            readError = "read error in '\(path)': \(ByteSource.errorText(errno))"
            reachedEnd = true
            return false
        }
    }

    /// Clears a reported read error so it is reported only once.
    func takeReadError() -> String? {
        defer { readError = nil }
        return readError
    }

    static func errorText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}
