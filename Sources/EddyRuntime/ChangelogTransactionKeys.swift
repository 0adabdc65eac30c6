import EddyState

/// The keys a transactional changelog writer adds next to the snapshot chunks
/// (`<scope>~<id, 20 digits>~<chunk index>`, see `ChangelogChunk`), and the header that ties a
/// chunk to its transaction.
///
/// - `<scope>~<id>~commit`, value = the transaction's token: the last record of the transaction
///   that carries the snapshot. A transactional snapshot counts only with its marker.
/// - `<scope>~<id>~abort`, value = the token: written (in a transaction of its own) after the
///   transaction with that token was aborted; the snapshot is then void.
/// - header `eddy-txn` = the token, on every chunk written inside a transaction.
enum ChangelogTransactionKeys {
    static let tokenHeader = "eddy-txn"
    static let tokenHeaderName: StaticString = "eddy-txn"

    enum Kind: Equatable { case chunk, commit, abort }

    static func marker(_ kind: Kind, scope: String, checkpointID: UInt64) -> [UInt8] {
        let suffix = kind == .abort ? "abort" : "commit"
        let id = String(checkpointID)
        return Array("\(scope)~\(String(repeating: "0", count: max(0, 20 - id.count)))\(id)~\(suffix)".utf8)
    }

    /// `(kind, scope, checkpoint id)` of a changelog key; nil for a key that is none of Eddy's.
    static func parse(_ key: [UInt8]) -> (kind: Kind, scope: String, checkpointID: UInt64)? {
        guard let text = String(validating: key, as: UTF8.self) else { return nil }
        // Split from the right: a scope could contain '~' in principle, the id and suffix cannot.
        guard let last = text.lastIndex(of: "~") else { return nil }
        let head = text[..<last], suffix = text[text.index(after: last)...]
        guard let middle = head.lastIndex(of: "~") else { return nil }
        let scope = head[..<middle], idText = head[head.index(after: middle)...]
        guard !scope.isEmpty, let id = UInt64(idText) else { return nil }
        let kind: Kind
        switch suffix {
        case "commit": kind = .commit
        case "abort": kind = .abort
        default:
            guard Int(suffix) != nil else { return nil }
            kind = .chunk
        }
        return (kind, String(scope), id)
    }
}

/// Sits between the changelog topic and the `ChangelogAssembler`: passes on the chunks of a
/// transactional snapshot only once its commit marker (with the same token) has been read, and
/// voids a snapshot whose transaction an abort notice names.
///
/// Why: on a real cluster a read_committed reader never sees an aborted transaction's records, so
/// the chunks it sees are committed ones. librdkafka's embedded cluster shows aborted records to
/// read_committed readers, so there a complete set of chunks does not prove the commit. With this
/// filter a snapshot counts only when its chunks and its marker carry the same token, and not once
/// an abort notice with that token follows. Chunks without the header (the non-transactional writer)
/// pass through unchanged.
///
/// The one case it cannot see on the embedded cluster: a writer killed after enqueuing its marker
/// and before the commit completed (no abort notice is written). On a real cluster read_committed
/// hides that transaction; on the embedded cluster its outputs are visible as well, so restoring
/// its snapshot stays consistent with what the outputs show.
struct ChangelogTransactionFilter {
    private struct Snapshot: Hashable { let scope: String, id: UInt64 }
    /// Chunks of transactional snapshots whose marker has not been read yet.
    private var held: [Snapshot: (token: [UInt8], messages: [ChangelogMessage])] = [:]
    /// The token each released transactional snapshot was committed with.
    private var released: [Snapshot: [UInt8]] = [:]
    /// Snapshots an abort notice voided (for reports and tests).
    private(set) var voided = 0

    /// Takes one message in log order (`token`: its `eddy-txn` header, if any); returns what the
    /// assembler must see now, in order.
    mutating func admit(_ message: ChangelogMessage, token: [UInt8]?) -> [ChangelogMessage] {
        guard let parsed = ChangelogTransactionKeys.parse(message.key) else { return [message] }
        let snapshot = Snapshot(scope: parsed.scope, id: parsed.checkpointID)
        switch parsed.kind {
        case .chunk:
            guard let value = message.value else {
                // A tombstone retires the snapshot, whatever wrote it.
                held[snapshot] = nil
                released[snapshot] = nil
                return [message]
            }
            guard let token else { return [ChangelogMessage(key: message.key, value: value)] }
            if held[snapshot]?.token != token { held[snapshot] = (token, []) }
            held[snapshot]?.messages.append(message)
            return []
        case .commit:
            guard let token = message.value, let pending = held[snapshot], pending.token == token else { return [] }
            held[snapshot] = nil
            released[snapshot] = token
            return pending.messages
        case .abort:
            guard let token = message.value else { return [] }
            if held[snapshot]?.token == token { held[snapshot] = nil }
            guard released[snapshot] == token else { return [] }
            released[snapshot] = nil
            voided += 1
            // The assembler retires a whole snapshot on a tombstone of any of its chunks.
            return ChangelogChunker.tombstones(scope: snapshot.scope, checkpointID: snapshot.id, chunkCount: 1)
        }
    }
}
