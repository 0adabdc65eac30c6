#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few POSIX file operations the directory store needs, with errors that name the path and the
/// system's reason. Kept to POSIX so EddyState has no dependencies, and so each durability step
/// (fsync of the file, rename, fsync of the directory) is explicit.
enum FileIO {
    static func ioError(_ what: String, _ path: String, errno code: Int32 = errno) -> CheckpointError {
        CheckpointError(kind: .io, message: "\(what) \(path) failed: \(String(cString: strerror(code)))")
    }

    /// Creates `path` (failing if it exists), writes all of `bytes`, fsyncs and closes it.
    static func writeNewFileDurably(_ path: String, _ bytes: [UInt8]) throws(CheckpointError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ioError("creating", path) }
        var failure: CheckpointError?
        bytes.withUnsafeBytes { raw in
            var written = 0
            while written < raw.count {
                let result = write(descriptor, raw.baseAddress! + written, raw.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    failure = ioError("writing", path)
                    return
                }
                written += result
            }
        }
        if failure == nil && fsync(descriptor) != 0 { failure = ioError("fsync of", path) }
        if close(descriptor) != 0 && failure == nil { failure = ioError("closing", path) }
        if let failure { throw failure }
    }

    /// Makes a rename or unlink in `directory` durable.
    static func syncDirectory(_ directory: String) throws(CheckpointError) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ioError("opening directory", directory) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw ioError("fsync of directory", directory) }
    }

    static func rename(_ from: String, to: String) throws(CheckpointError) {
        #if canImport(Glibc)
        let result = Glibc.rename(from, to)
        #else
        let result = Darwin.rename(from, to)
        #endif
        guard result == 0 else { throw ioError("renaming \(from) to", to) }
    }

    /// Removes `path`; a file that is already gone (another instance pruned it) is not an error.
    static func remove(_ path: String) throws(CheckpointError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw ioError("removing", path) }
    }

    /// The whole file, or nil if it doesn't exist (it may have been pruned since it was listed).
    static func readFile(_ path: String) throws(CheckpointError) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw ioError("opening", path)
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw ioError("stat of", path) }
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
        var total = 0
        var failure: CheckpointError?
        bytes.withUnsafeMutableBytes { raw in
            while total < raw.count {
                let result = read(descriptor, raw.baseAddress! + total, raw.count - total)
                if result < 0 {
                    if errno == EINTR { continue }
                    failure = ioError("reading", path)
                    return
                }
                if result == 0 { break }
                total += result
            }
        }
        if let failure { throw failure }
        return total == bytes.count ? bytes : Array(bytes[0..<total])
    }

    /// Names of the entries in `directory` (without `.` and `..`).
    static func listDirectory(_ directory: String) throws(CheckpointError) -> [String] {
        guard let stream = opendir(directory) else { throw ioError("listing", directory) }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Creates `directory` and its missing parents.
    static func makeDirectories(_ directory: String) throws(CheckpointError) {
        var path = directory.hasPrefix("/") ? "" : "."
        for component in directory.split(separator: "/") {
            path += "/" + component
            if mkdir(path, 0o755) != 0 && errno != EEXIST { throw ioError("creating directory", path) }
        }
        var status = stat()
        guard stat(directory, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR else {
            throw CheckpointError(kind: .io, message: "state directory \(directory) exists but is not a directory")
        }
    }

    /// Milliseconds since the Unix epoch.
    static func nowMillis() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}
