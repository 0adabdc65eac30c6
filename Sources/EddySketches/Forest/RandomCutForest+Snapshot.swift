extension RandomCutForest {
    /// The whole forest state as bytes: configuration, shingle, counters, every tree, reservoir,
    /// generator and the point store. `RandomCutForest(serialized:)` continues exactly where this left off.
    public func serialized() -> [UInt8] {
        let s = storage
        let nodeCount = s.trees * s.internalPerTree
        let leaves = s.trees * s.sampleSize
        var writer = ByteWriter(reservingCapacity: s.allocatedBytes + 256)
        writer.write(magic: "ERCF")
        writer.write(UInt8(1))
        let c = configuration
        writer.write(c.inputDimensions)
        writer.write(c.shingleSize)
        writer.write(c.numberOfTrees)
        writer.write(c.sampleSize)
        writer.write(c.timeDecay)
        writer.write(c.outputAfter)
        writer.write(c.initialAcceptFraction)
        writer.write(c.seed)
        writer.write(recordsSeen)
        writer.write(entriesSeen)
        writer.write(floats: shingle)
        for i in 0..<nodeCount {
            let node = s.nodes[i]
            writer.write(UInt32(bitPattern: node.left))
            writer.write(UInt32(bitPattern: node.right))
            writer.write(UInt32(bitPattern: node.cutDimension))
            writer.write(node.cutValue)
        }
        for i in 0..<(nodeCount * 2 * s.dimensions) { writer.write(s.box[i]) }
        for i in 0..<leaves {
            writer.write(UInt32(bitPattern: s.leafPoint[i]))
            writer.write(UInt32(bitPattern: s.leafMass[i]))
            writer.write(UInt32(bitPattern: s.freeLeaves[i]))
            writer.write(s.sampleWeight[i])
            writer.write(UInt32(bitPattern: s.samplePoint[i]))
        }
        for i in 0..<nodeCount { writer.write(UInt32(bitPattern: s.freeNodes[i])) }
        for t in 0..<s.trees {
            writer.write(UInt32(bitPattern: s.root[t]))
            writer.write(UInt32(bitPattern: s.freeNodeCount[t]))
            writer.write(UInt32(bitPattern: s.freeLeafCount[t]))
            writer.write(UInt32(bitPattern: s.sampleCount[t]))
            writer.write(s.rng[t])
        }
        for i in 0..<(s.storeCapacity * s.dimensions) { writer.write(s.storeValues[i]) }
        for i in 0..<s.storeCapacity {
            writer.write(UInt32(bitPattern: s.storeReferences[i]))
            writer.write(UInt32(bitPattern: s.storeFree[i]))
        }
        writer.write(s.storeFreeCount)
        return writer.bytes
    }

    /// Restores a forest from `serialized()`. Every index and invariant is checked, so corrupt bytes
    /// produce an error rather than a forest that could read out of bounds later.
    public init(serialized bytes: [UInt8]) throws(SketchDecodingError) {
        var reader = ByteReader(bytes)
        try reader.expect(magic: "ERCF")
        let version = try reader.readUInt8("version")
        guard version == 1 else { throw SketchDecodingError("forest snapshot version \(version) is not supported") }
        let configuration = ForestConfiguration(
            inputDimensions: try reader.readInt("inputDimensions"),
            shingleSize: try reader.readInt("shingleSize"),
            numberOfTrees: try reader.readInt("numberOfTrees"),
            sampleSize: try reader.readInt("sampleSize"),
            timeDecay: try reader.readDouble("timeDecay"),
            outputAfter: try reader.readInt("outputAfter"),
            initialAcceptFraction: try reader.readDouble("initialAcceptFraction"),
            seed: try reader.readUInt64("seed"))
        do {
            try configuration.validate()
        } catch {
            throw SketchDecodingError(error.reason)
        }
        // Refuse before allocating: a real snapshot holds every buffer, so it is at least this long.
        let c = configuration
        guard c.numberOfTrees * c.sampleSize * (c.pointDimensions + 4) * 4 <= bytes.count else {
            throw SketchDecodingError("snapshot of \(bytes.count) bytes is too short for its configuration")
        }
        do {
            self = try RandomCutForest(configuration: configuration)
        } catch {
            throw SketchDecodingError(error.reason)
        }
        recordsSeen = try reader.readInt("recordsSeen")
        entriesSeen = try reader.readInt("entriesSeen")
        guard recordsSeen >= 0, entriesSeen >= 0, entriesSeen <= recordsSeen else {
            throw SketchDecodingError("counters \(recordsSeen)/\(entriesSeen) are inconsistent")
        }
        shingle = try reader.readFloats("shingle", max: c.pointDimensions)
        guard shingle.count == c.pointDimensions else { throw SketchDecodingError("shingle has \(shingle.count) values") }
        let s = storage
        let nodeCount = s.trees * s.internalPerTree
        let leaves = s.trees * s.sampleSize
        for i in 0..<nodeCount {
            let left = Int32(bitPattern: try reader.readUInt32("node"))
            let right = Int32(bitPattern: try reader.readUInt32("node"))
            let dimension = Int32(bitPattern: try reader.readUInt32("node"))
            let cut = try reader.readFloat("node")
            s.nodes[i] = TreeNode(left: left, right: right, cutDimension: dimension, cutValue: cut)
        }
        for i in 0..<(nodeCount * 2 * s.dimensions) { s.box[i] = try reader.readFloat("box") }
        for i in 0..<leaves {
            s.leafPoint[i] = Int32(bitPattern: try reader.readUInt32("leaf"))
            s.leafMass[i] = Int32(bitPattern: try reader.readUInt32("leaf"))
            s.freeLeaves[i] = Int32(bitPattern: try reader.readUInt32("leaf"))
            s.sampleWeight[i] = try reader.readFloat("weight")
            s.samplePoint[i] = Int32(bitPattern: try reader.readUInt32("sample"))
        }
        for i in 0..<nodeCount { s.freeNodes[i] = Int32(bitPattern: try reader.readUInt32("free node")) }
        for t in 0..<s.trees {
            s.root[t] = Int32(bitPattern: try reader.readUInt32("root"))
            s.freeNodeCount[t] = Int32(bitPattern: try reader.readUInt32("free node count"))
            s.freeLeafCount[t] = Int32(bitPattern: try reader.readUInt32("free leaf count"))
            s.sampleCount[t] = Int32(bitPattern: try reader.readUInt32("sample count"))
            s.rng[t] = try reader.readUInt64("generator")
        }
        for i in 0..<(s.storeCapacity * s.dimensions) { s.storeValues[i] = try reader.readFloat("point") }
        for i in 0..<s.storeCapacity {
            s.storeReferences[i] = Int32(bitPattern: try reader.readUInt32("reference count"))
            s.storeFree[i] = Int32(bitPattern: try reader.readUInt32("free slot"))
        }
        s.storeFreeCount = try reader.readInt("free slot count")
        try reader.expectEnd()
        try ForestValidator(storage: s).validate()
    }
}
