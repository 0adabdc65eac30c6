import EddySketches

/// An operator whose state an engine snapshot saves. Implemented per operator kind in this folder.
///
/// `restoreState` only decodes and validates: it returns a closure that installs the state, so the
/// engine can decode every section before changing anything (a bad snapshot leaves it untouched).
protocol SnapshotOperator: AnyObject {
    /// Identifies the operator kind in the section header, so a section never feeds another kind.
    var snapshotKind: UInt8 { get }
    func writeState(into writer: inout ByteWriter)
    func restoreState(from reader: inout ByteReader) throws(SnapshotDecodeError) -> () -> Void
    /// Approximate bytes of state held now.
    var stateBytes: Int { get }
}

/// A decoding failure inside a section; the engine turns it into `EngineSnapshotError`.
struct SnapshotDecodeError: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
    init(_ error: SketchDecodingError) { reason = error.reason }
}

extension ByteReader {
    /// Reads with a section-level error type.
    mutating func section<T>(_ body: (inout ByteReader) throws(SketchDecodingError) -> T) throws(SnapshotDecodeError) -> T {
        do { return try body(&self) } catch { throw SnapshotDecodeError(error) }
    }
}

extension ProjectionOperator: SnapshotOperator {
    var snapshotKind: UInt8 { 0 }
    func writeState(into writer: inout ByteWriter) {}
    func restoreState(from reader: inout ByteReader) throws(SnapshotDecodeError) -> () -> Void { {} }
    var stateBytes: Int { 0 }
}
