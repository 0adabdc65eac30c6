import EddyCore
import EddySQL
import EddySketches

/// HOTSPOTS(cursor, windowSize, scanRadius, minimumNumberOfPointsInAHotspot): every cursor row goes
/// out with HOTSPOTS_RESULT, KDA's `{"hotspots":[{"density":…,"minValues":[…],"maxValues":[…]}]}`
/// for the window of the last `windowSize` rows including this one (EddySketches.HotspotDetector,
/// DBSCAN over the window). Features are the cursor's numeric columns. A row with a NULL or
/// non-finite feature is not added to the window and carries `{"ERROR":reason}` instead.
final class HotspotsOperator: CursorPassThroughOperator {
    @exclusivity(unchecked) var detector: HotspotDetector
    let resultSlot: Int

    init(_ plan: TableFunctionPlan, compiler: ExpressionCompiler) throws(EngineError) {
        guard let window = plan.integer(0), let radius = plan.number(1), let minimum = plan.integer(2) else {
            throw plan.failure("bad arguments")
        }
        let dimensions = plan.cursorSchema.columns.filter(\.type.isNumeric).count
        do {
            detector = try HotspotDetector(dimensions: dimensions, windowSize: Int(window), scanRadius: radius, minimumPoints: Int(minimum))
        } catch {
            throw plan.failure("\(error)")
        }
        resultSlot = plan.cursorSchema.count
        super.init(plan, compiler: compiler)
    }

    override func process(_ frame: Frame) {
        guard passes(frame) else { return }
        let text: String
        if let missing = load(frame) {
            text = "{\"ERROR\":\"feature column \(missing) is NULL\"}"
        } else {
            do {
                text = HotspotDetector.resultJSON(try detector.process(features))
            } catch {
                let reason = ByteArena(capacity: 64)
                var description = error.reason
                description.withUTF8 { JSONRowEncoder.appendString(UnsafeRawBufferPointer($0), into: reason) }
                text = "{\"ERROR\":" + reason.string(StringRef.make(offset: 0, length: reason.count)) + "}"
            }
        }
        row.set(resultSlot, row.arena.store(text))
        emitRow()
    }
}
