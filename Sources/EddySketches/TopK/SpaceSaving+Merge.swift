/// Combining the Space-Saving summaries of disjoint shares of one stream in one step (issue 6,
/// global aggregates under scale-out), after the mergeable-summaries construction of Agarwal et al.
/// ("Mergeable summaries", PODS 2012): add the counts of common items, take the largest.
///
/// A part that does not monitor an item may still have seen it, at most as often as its smallest
/// counter when it is full (that is the Space-Saving guarantee for unmonitored items; a part that is
/// not full has never recycled a counter, so it saw the item zero times). So each item of the union
/// gets, from every part:
/// - that part's count and error when the part monitors it;
/// - otherwise the part's *credit* (its smallest count when full, else 0) as both count and error.
///
/// Per item, `count - error ≤ true count ≤ count` holds for the sum as it does for each part. The
/// error of every item is at most Σ credits ≤ Σ Nᵢ / capacity = N / capacity (a full part's smallest
/// count is at most its average), the same bound as one summary fed the whole stream: folding all
/// parts at once, rather than two at a time, keeps it from compounding through the intermediate
/// truncations. While the union of the parts' items fits in `capacity` (the whole stream has at most
/// `capacity` distinct items), every count is exact: a part that misses an item of the union is then
/// not full (a full part would hold the whole union), so it credits 0. The result monitors exactly
/// the items one summary fed the whole stream would, with the same, exact counts.
extension SpaceSaving {
    /// The union of `parts` (all of one capacity), truncated to the `capacity` largest counts. Ties
    /// keep the earlier part's item first (parts in the given order, items by their arrival in it).
    /// Throws when the capacities differ, `parts` is empty, or a count would overflow.
    public static func merged(_ parts: [SpaceSaving<Item>]) throws(SketchConfigurationError) -> SpaceSaving<Item> {
        guard let capacity = parts.first?.capacity else { throw SketchConfigurationError("no Space-Saving summaries to merge") }
        if let other = parts.first(where: { $0.capacity != capacity }) {
            throw SketchConfigurationError("cannot merge Space-Saving capacity \(other.capacity) with \(capacity)")
        }
        let credits = parts.map(\.unmonitoredCredit)
        var total: Int64 = 0
        for part in parts { total = try checkedSum(total, part.totalWeight) }

        // The union's items in order of first appearance (part order, then arrival within the part).
        var union: [Item] = []
        var seen: Set<Item> = []
        for part in parts {
            for slot in (0..<part.items.count).sorted(by: { part.arrival[$0] < part.arrival[$1] }) where seen.insert(part.items[slot]).inserted {
                union.append(part.items[slot])
            }
        }
        var entries: [(item: Item, count: Int64, error: Int64, order: Int)] = []
        entries.reserveCapacity(union.count)
        for (order, item) in union.enumerated() {
            var count: Int64 = 0, error: Int64 = 0
            for (p, part) in parts.enumerated() {
                if let slot = part.slot(of: item) {
                    count = try checkedSum(count, part.counts[slot])
                    error = try checkedSum(error, part.errors[slot])
                } else {
                    count = try checkedSum(count, credits[p])
                    error = try checkedSum(error, credits[p])
                }
            }
            entries.append((item, count, error, order))
        }
        entries.sort { $0.count != $1.count ? $0.count > $1.count : $0.order < $1.order }

        var result = try SpaceSaving(capacity: capacity)
        for entry in entries.prefix(capacity) {
            let slot = result.items.count
            result.appendCounter(entry.item, count: entry.count, error: entry.error, arrival: UInt64(entry.order))
            result.siftUp(slot)
        }
        result.totalWeight = total
        result.nextArrival = UInt64(union.count)
        return result
    }

    /// The most an item this summary does not monitor can have occurred: its smallest count when
    /// full, else 0 (a summary that never filled never recycled a counter).
    public var unmonitoredCredit: Int64 { items.count < capacity ? 0 : counts[0] }

    /// Every monitored counter, by count descending then first arrival.
    public var entries: [Entry] { top(items.count) }

    /// Checks what holds of a summary built by inserts alone (a task's partial, unlike a merged
    /// summary): its counts add up to its total weight, and that total leaves room to add up the
    /// partials of `2^16` tasks without overflow.
    public func checkBuiltByInserts() throws(SketchDecodingError) {
        guard totalWeight >= 0, totalWeight < Int64(1) << 46 else {
            throw SketchDecodingError("Space-Saving total weight \(totalWeight) is out of range")
        }
        var sum: Int64 = 0
        for count in counts {
            let (next, overflow) = sum.addingReportingOverflow(count)
            guard !overflow, next <= totalWeight else {
                throw SketchDecodingError("Space-Saving counts add up to more than the total weight \(totalWeight)")
            }
            sum = next
        }
        guard sum == totalWeight else {
            throw SketchDecodingError("Space-Saving counts add up to \(sum), not the total weight \(totalWeight)")
        }
    }

    private static func checkedSum(_ a: Int64, _ b: Int64) throws(SketchConfigurationError) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        guard !overflow else { throw SketchConfigurationError("Space-Saving counts overflow when merged") }
        return sum
    }
}
