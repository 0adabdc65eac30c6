/// How a pipeline splits its input partitions into tasks: one `Engine` each, with its own
/// watermark, state and checkpoint (Kafka Streams' model).
public enum TaskLayout: String, Sendable, CaseIterable {
    /// One task owns every assigned partition: exact for any topology, but its checkpoint can only
    /// be restored by an instance that owns all its partitions (one instance per group).
    case single
    /// Task *p* owns partition *p* of every source topic (the topics must be co-partitioned, and the
    /// group must use the `range` assignor, librdkafka's default, so partition *p* of every topic
    /// lands on the same member). Keyed state moves with its partition; exact when the topology is
    /// partition-local (every keyed pump groups by the partition key).
    case perPartition
}
