import Foundation

/// The benchmarks' command lines: `--name N` flags taking a positive integer and bare `--name`
/// switches, in any order. A flag it does not know, or a missing or non-positive value, prints
/// `usage` and exits with status 2: a benchmark run with a typo must not measure the defaults.
public struct CommandLineFlags {
    private var integers: [String: Int] = [:]
    private var switches: Set<String> = []

    public init(_ arguments: [String], integerFlags: [String], switches knownSwitches: [String] = [], usage: String) {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            if knownSwitches.contains(flag) {
                switches.insert(flag)
                continue
            }
            guard integerFlags.contains(flag), let value = iterator.next().flatMap(Int.init), value > 0 else {
                FileHandle.standardError.write(Data("usage: \(usage) (bad: \(flag))\n".utf8))
                exit(2)
            }
            integers[flag] = value
        }
    }

    public func integer(_ flag: String, default value: Int) -> Int { integers[flag] ?? value }

    public func isSet(_ flag: String) -> Bool { switches.contains(flag) }
}
