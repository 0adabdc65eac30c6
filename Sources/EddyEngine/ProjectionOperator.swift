import EddyCore

/// WHERE and SELECT without windows: one output row per input row, in input order.
final class ProjectionOperator: Operator {
    let filter: Evaluator?
    let outputs: [Evaluator]
    let out: Frame
    let target: StreamNode

    init(filter: Evaluator?, outputs: [Evaluator], target: StreamNode) {
        self.filter = filter
        self.outputs = outputs
        self.target = target
        out = Frame(count: outputs.count, arena: ByteArena(capacity: 64))
    }

    override func process(_ frame: Frame) {
        if let filter {
            let v = filter(frame)
            if v.isNull || v.bits == 0 { return }
        }
        out.arena = frame.arena
        out.rowtime = frame.rowtime
        for k in 0..<outputs.count {
            let v = outputs[k](frame)
            out.slots[k] = v.bits
            out.nulls[k] = v.isNull
        }
        target.emit(out, key: nil)
    }
}
