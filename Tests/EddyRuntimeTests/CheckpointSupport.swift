import EddyRuntime
import Foundation

/// A fresh, empty state directory per test.
func temporaryStateDirectory() -> String {
    let path = NSTemporaryDirectory() + uniqueName("eddy-state")
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A pipeline that checkpoints into `stateDirectory` every 300 ms and commits every 100 ms, so a
/// test sees several checkpoints within a second.
func checkpointConfiguration(_ bootstrap: String, group: String, stateDirectory: String, layout: TaskLayout = .single) -> PipelineConfiguration {
    var configuration = pipelineConfiguration(bootstrap, group: group)
    configuration.stateDirectory = stateDirectory
    configuration.checkpointInterval = .milliseconds(300)
    configuration.commitInterval = .milliseconds(100)
    configuration.taskLayout = layout
    return configuration
}

/// Records whose key is a function of their partition (`p<partition>-<0|1>`), so per-key windows
/// are partition-local and per-partition tasks compute exactly what one engine computes.
func partitionLocalEvent(_ id: Int) -> (partition: Int32, json: String) {
    let partition = id % 3
    return (Int32(partition), "{\"id\":\(id),\"k\":\"p\(partition)-\(id / 3 % 2)\",\"v\":\(id * 37 % 100),\"event_time\":\(EventsTopology.base + Int64(id) * 10)}")
}
