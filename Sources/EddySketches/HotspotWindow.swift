/// The last `capacity` points of a `Hotspots` window, with a uniform grid for radius queries.
///
/// Points live in a ring of preallocated slots (coordinates flat, `dimensions` per slot). Each linked
/// point also sits in a doubly linked list of its grid cell (cells are `radius` wide), and an open-
/// addressing table maps a cell to its list head. Every point within `radius` of a query point lies in
/// the 3^d cells around the query's cell, so a radius query touches those cells instead of the whole
/// window. When 3^d outgrows a quarter of the window, scanning every point is cheaper and the grid is
/// not used. Nothing here allocates after `init`.
struct HotspotWindow {
    let capacity: Int
    let dimensions: Int
    let radius: Double
    let radiusSquared: Double
    let usesGrid: Bool

    var coordinates: [Double]
    var sequence: [UInt64]
    /// Points within `radius` of each slot, the slot itself included.
    var neighborCount: [Int32]
    var isLinked: [Bool]

    /// Slots `0..<count` hold points; once full, `nextSlot` is the oldest and is overwritten next.
    var count = 0
    var nextSlot = 0
    var insertedTotal: UInt64 = 0

    private var cell: [Int64]
    private var nextInCell: [Int32]
    private var previousInCell: [Int32]
    private var tableHash: [UInt64]
    /// A cell's list head; `empty` ends a probe, `tombstone` marks a cell that emptied.
    private var tableHead: [Int32]
    private let tableMask: Int
    private var tombstones = 0

    private static let empty: Int32 = -1
    private static let tombstone: Int32 = -2

    /// The last query's results (slots), valid until the next query.
    var neighbors: [Int32]
    var neighborTotal = 0
    private var queryCell: [Int64]
    private var offsetDigits: [Int8]

    init(capacity: Int, dimensions: Int, radius: Double) {
        self.capacity = capacity
        self.dimensions = dimensions
        self.radius = radius
        radiusSquared = radius * radius
        var cellsPerQuery = 1
        for _ in 0..<dimensions where cellsPerQuery <= capacity { cellsPerQuery *= 3 }
        usesGrid = cellsPerQuery * 4 <= capacity
        coordinates = Array(repeating: 0, count: capacity * dimensions)
        sequence = Array(repeating: 0, count: capacity)
        neighborCount = Array(repeating: 0, count: capacity)
        isLinked = Array(repeating: false, count: capacity)
        cell = Array(repeating: 0, count: capacity * dimensions)
        nextInCell = Array(repeating: -1, count: capacity)
        previousInCell = Array(repeating: -1, count: capacity)
        var tableSize = 16
        while tableSize < capacity * 4 { tableSize *= 2 }
        tableHash = Array(repeating: 0, count: tableSize)
        tableHead = Array(repeating: Self.empty, count: tableSize)
        tableMask = tableSize - 1
        neighbors = Array(repeating: -1, count: capacity)
        queryCell = Array(repeating: 0, count: dimensions)
        offsetDigits = Array(repeating: 0, count: dimensions)
    }

    /// Adds a point whose coordinates are already validated; returns the slot it took. If the window
    /// was full, the oldest point leaves first and its neighbours' counts drop.
    mutating func insert(_ point: UnsafeBufferPointer<Double>) -> Int {
        let slot = nextSlot
        if count == capacity {
            collectNeighbors(of: slot)
            for index in 0..<neighborTotal { neighborCount[Int(neighbors[index])] -= 1 }
            unlink(slot)
        } else {
            count += 1
        }
        let base = slot * dimensions
        for dimension in 0..<dimensions { coordinates[base + dimension] = point[dimension] }
        sequence[slot] = insertedTotal
        insertedTotal += 1
        assignCell(slot)
        collectNeighbors(of: slot)
        for index in 0..<neighborTotal { neighborCount[Int(neighbors[index])] += 1 }
        neighborCount[slot] = Int32(neighborTotal + 1)
        link(slot)
        nextSlot = nextSlot + 1 == capacity ? 0 : nextSlot + 1
        return slot
    }

    /// The live slots from oldest to newest, by position: slot `oldestSlot + i` (mod capacity).
    var oldestSlot: Int { count == capacity ? nextSlot : 0 }

    /// Fills `neighbors` with the linked points within `radius` of `slot`'s point, excluding `slot`.
    mutating func collectNeighbors(of slot: Int) {
        neighborTotal = 0
        if usesGrid {
            for dimension in 0..<dimensions { offsetDigits[dimension] = -1 }
            while true {
                for dimension in 0..<dimensions {
                    queryCell[dimension] = cell[slot * dimensions + dimension] &+ Int64(offsetDigits[dimension])
                }
                if let entry = findEntry(hash: hashQueryCell()) {
                    var member = tableHead[entry]
                    while member >= 0 {
                        considerNeighbor(Int(member), of: slot)
                        member = nextInCell[Int(member)]
                    }
                }
                var dimension = 0
                while dimension < dimensions, offsetDigits[dimension] == 1 {
                    offsetDigits[dimension] = -1
                    dimension += 1
                }
                if dimension == dimensions { break }
                offsetDigits[dimension] += 1
            }
        } else {
            for other in 0..<count where isLinked[other] { considerNeighbor(other, of: slot) }
        }
    }

    @inline(__always)
    private mutating func considerNeighbor(_ other: Int, of slot: Int) {
        guard other != slot else { return }
        var distanceSquared = 0.0
        let a = slot * dimensions
        let b = other * dimensions
        for dimension in 0..<dimensions {
            let delta = coordinates[a + dimension] - coordinates[b + dimension]
            distanceSquared += delta * delta
        }
        if distanceSquared <= radiusSquared {
            neighbors[neighborTotal] = Int32(other)
            neighborTotal += 1
        }
    }

    private mutating func assignCell(_ slot: Int) {
        let limit = 4.0e15
        for dimension in 0..<dimensions {
            let scaled = (coordinates[slot * dimensions + dimension] / radius).rounded(.down)
            cell[slot * dimensions + dimension] = Int64(min(max(scaled, -limit), limit))
        }
    }

    private func hashQueryCell() -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15
        for dimension in 0..<dimensions {
            hash = (hash ^ UInt64(bitPattern: queryCell[dimension])) &* 0xFF51_AFD7_ED55_8CCD
            hash ^= hash >> 32
        }
        return hash
    }

    private func queryCellMatches(_ slot: Int) -> Bool {
        for dimension in 0..<dimensions where cell[slot * dimensions + dimension] != queryCell[dimension] {
            return false
        }
        return true
    }

    private func findEntry(hash: UInt64) -> Int? {
        var index = Int(truncatingIfNeeded: hash) & tableMask
        while tableHead[index] != Self.empty {
            let head = tableHead[index]
            if head >= 0, tableHash[index] == hash, queryCellMatches(Int(head)) { return index }
            index = (index + 1) & tableMask
        }
        return nil
    }

    private mutating func loadQueryCell(from slot: Int) {
        for dimension in 0..<dimensions { queryCell[dimension] = cell[slot * dimensions + dimension] }
    }

    private mutating func link(_ slot: Int) {
        isLinked[slot] = true
        guard usesGrid else { return }
        if tombstones > capacity { rebuildTable() }
        loadQueryCell(from: slot)
        let hash = hashQueryCell()
        previousInCell[slot] = -1
        if let entry = findEntry(hash: hash) {
            let head = tableHead[entry]
            nextInCell[slot] = head
            previousInCell[Int(head)] = Int32(slot)
            tableHead[entry] = Int32(slot)
            return
        }
        nextInCell[slot] = -1
        var index = Int(truncatingIfNeeded: hash) & tableMask
        while tableHead[index] >= 0 { index = (index + 1) & tableMask }
        if tableHead[index] == Self.tombstone { tombstones -= 1 }
        tableHash[index] = hash
        tableHead[index] = Int32(slot)
    }

    private mutating func unlink(_ slot: Int) {
        isLinked[slot] = false
        guard usesGrid else { return }
        let previous = previousInCell[slot]
        let next = nextInCell[slot]
        if next >= 0 { previousInCell[Int(next)] = previous }
        if previous >= 0 {
            nextInCell[Int(previous)] = next
        } else {
            loadQueryCell(from: slot)
            guard let entry = findEntry(hash: hashQueryCell()) else {
                preconditionFailure("a linked point's cell is always in the table")
            }
            if next >= 0 {
                tableHead[entry] = next
            } else {
                tableHead[entry] = Self.tombstone
                tombstones += 1
            }
        }
        nextInCell[slot] = -1
        previousInCell[slot] = -1
    }

    /// Drops tombstones by relinking every linked point; runs after at least `capacity` cells emptied,
    /// so its O(capacity) cost is amortized to O(1) per point.
    private mutating func rebuildTable() {
        for index in 0...tableMask { tableHead[index] = Self.empty }
        tombstones = 0
        for slot in 0..<count where isLinked[slot] {
            isLinked[slot] = false
            link(slot)
        }
    }
}

extension HotspotWindow: Sendable {}
