import ArgumentParser
import Dispatch
import EddyKafka
import Foundation
import Synchronization

/// Terminal facts and one-line error reporting shared by the Kafka commands.
enum Terminal {
    static var stdoutIsTTY: Bool { isatty(STDOUT_FILENO) == 1 }
    static var stderrIsTTY: Bool { isatty(STDERR_FILENO) == 1 }

    static func writeOut(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func writeErr(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Prints `error: <message>` as one line on stderr and returns the failure exit code to throw.
    static func fail(_ message: String) -> ExitCode {
        let oneLine = message.replacingOccurrences(of: "\n", with: " ")
        writeErr("error: \(oneLine)\n")
        return ExitCode.failure
    }
}

/// Delivers SIGINT/SIGTERM as an async stream, so commands can stop cleanly (flush, summary).
enum StopSignals {
    static func stream() -> AsyncStream<Int32> {
        AsyncStream { continuation in
            var sources: [any DispatchSourceSignal] = []
            for number in [SIGINT, SIGTERM] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { continuation.yield(number) }
                source.resume()
                sources.append(source)
            }
            let keepAlive = SourceBox(sources)
            continuation.onTermination = { _ in keepAlive.cancel() }
        }
    }

    private final class SourceBox: @unchecked Sendable {
        let sources: [any DispatchSourceSignal]
        init(_ sources: [any DispatchSourceSignal]) { self.sources = sources }
        func cancel() { for source in sources { source.cancel() } }
    }
}

/// A flag set by SIGINT/SIGTERM, for loops that check it between records.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    private var task: Task<Void, Never>?

    init() {
        task = Task { [weak self] in
            for await _ in StopSignals.stream() {
                self?.set()
                break
            }
        }
    }

    deinit { task?.cancel() }

    func set() { lock.withLock { stopped = true } }
    var isSet: Bool { lock.withLock { stopped } }
}

/// Prints Kafka client warnings to stderr once opened; drops them before, because start-up reports
/// its own one-line error (e.g. unreachable brokers) and must not be buried under librdkafka noise.
final class WarningGate: Sendable {
    private let isOpen = Mutex(false)
    func open() { isOpen.withLock { $0 = true } }
    func report(_ error: KafkaError) {
        if isOpen.withLock({ $0 }) { Terminal.writeErr("warning: \(error.message)\n") }
    }
}
