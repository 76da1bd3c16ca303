/// A node (ECU) declared in `BU_`, with its comment and attributes.
public struct DBCNode: Hashable, Sendable {
    public var name: String
    public var comment: String?
    public var attributes: [DBCAttributeAssignment]

    public init(name: String, comment: String? = nil, attributes: [DBCAttributeAssignment] = []) {
        self.name = name
        self.comment = comment
        self.attributes = attributes
    }
}
