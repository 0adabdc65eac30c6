public import EddyMetrics

/// Pipeline health at one instant, as the health panel shows it.
public struct HealthSample: Sendable, Hashable {
    public let unixSeconds: Double
    public let uptimeSeconds: Double
    /// nil on the first sample, which has no earlier one to measure against.
    public let recordsInPerSecond: Double?
    public let recordsOutPerSecond: Double?
    public let pipeline: PipelineSnapshot

    /// The sample as the page reads it; times in milliseconds, commit/checkpoint null before the first.
    public var json: String {
        var out = "{\"t\":"
        JSONText.appendNumber((unixSeconds * 1000).rounded(), to: &out)
        out += ",\"uptime_seconds\":"
        JSONText.appendNumber(uptimeSeconds.rounded(), to: &out)
        out += ",\"records_in_per_second\":"
        appendRate(recordsInPerSecond, to: &out)
        out += ",\"records_out_per_second\":"
        appendRate(recordsOutPerSecond, to: &out)
        out += ",\"records_in_total\":\(pipeline.recordsIn)"
        out += ",\"records_out_total\":\(pipeline.recordsOut)"
        out += ",\"errors_total\":\(pipeline.errors)"
        out += ",\"late_records_total\":\(pipeline.lateRecords)"
        out += ",\"alerts_total\":\(pipeline.alerts)"
        out += ",\"consumer_lag\":["
        for (index, lag) in pipeline.consumerLag.enumerated() {
            if index > 0 { out += "," }
            out += "{\"stream\":"
            JSONText.appendString(lag.stream, to: &out)
            out += ",\"partition\":\(lag.partition),\"lag\":"
            JSONText.appendNumber(lag.lag, to: &out)
            out += "}"
        }
        out += "],\"watermark_delay_seconds\":["
        for (index, delay) in pipeline.watermarkDelays.enumerated() {
            if index > 0 { out += "," }
            out += "{\"stream\":"
            JSONText.appendString(delay.stream, to: &out)
            out += ",\"seconds\":"
            JSONText.appendNumber(delay.seconds, to: &out)
            out += "}"
        }
        out += "],\"last_commit\":"
        appendTime(pipeline.lastCommitSeconds, to: &out)
        out += ",\"last_checkpoint\":"
        appendTime(pipeline.lastCheckpointSeconds, to: &out)
        out += "}"
        return out
    }

    private func appendRate(_ rate: Double?, to out: inout String) {
        if let rate {
            JSONText.appendNumber((rate * 100).rounded() / 100, to: &out)
        } else {
            out += "null"
        }
    }

    private func appendTime(_ seconds: Double, to out: inout String) {
        if seconds > 0 {
            JSONText.appendNumber((seconds * 1000).rounded(), to: &out)
        } else {
            out += "null"
        }
    }
}
