/// A node (ECU) declared in `BU_`, with its comment and attributes.
public struct DBCNode: Hashable, Sendable {
    /// Node name as declared in `BU_`.
    public var name: String
    /// `CM_ BU_` comment.
    public var comment: String?
    /// `BA_ ... BU_` assignments as written.
    public var attributes: [DBCAttributeAssignment]

    public init(name: String, comment: String? = nil, attributes: [DBCAttributeAssignment] = []) {
        self.name = name
        self.comment = comment
        self.attributes = attributes
    }
}
