import ArgumentParser
import EddyEngine
import EddySQL
import Foundation

/// `eddy validate FILE...`: parses and type-checks topologies; prints compiler-style diagnostics.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "validate", abstract: "Check topology files for errors.")

    @Argument(help: "Topology .sql files.") var files: [String]

    func run() throws {
        var failed = false
        for file in files {
            switch TopologyLoader.load(file) {
            case .success: print("\(file): ok")
            case .failure(let message):
                FileHandle.standardError.write(Data((message + "\n").utf8))
                failed = true
            }
        }
        if failed { throw ExitCode.failure }
    }
}

enum TopologyLoader {
    enum Result { case success(Topology), failure(String) }

    /// Reads, analyzes and plans a topology, rendering any problem as `FILE:LINE:COLUMN: error: ...`.
    static func load(_ file: String) -> Result {
        guard let data = FileManager.default.contents(atPath: file) else {
            return .failure("\(file): error: cannot read the file\n  hint: check the path")
        }
        let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        do {
            let topology = try Analyzer.analyze(text: String(decoding: data, as: UTF8.self), name: name)
            do {
                _ = try Engine(topology: topology)
            } catch {
                return .failure(Diagnostic(error.location, "unsupported feature: \(error.message)", hint: "see topologies/README.md").render(file: file))
            }
            return .success(topology)
        } catch {
            return .failure(error.render(file: file))
        }
    }
}
