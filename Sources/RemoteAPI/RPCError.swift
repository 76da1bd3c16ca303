/// A JSON-RPC 2.0 error object: a code, a one-line message, optional data. Nothing changes in the
/// simulation when a request ends in one of these.
public struct RPCError: Error, Hashable, Sendable {
    public var code: Int
    public var message: String
    public var data: JSONValue?

    public init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    /// -32700: the line is not JSON.
    public static let parseErrorCode = -32700
    /// -32600: JSON, but not a JSON-RPC 2.0 request object.
    public static let invalidRequestCode = -32600
    /// -32601: no such method.
    public static let methodNotFoundCode = -32601
    /// -32602: a parameter is missing, of the wrong type or out of range.
    public static let invalidParamsCode = -32602
    /// -32001: no model variable or signal by that name.
    public static let unknownVariableCode = -32001
    /// -32002: the variable can be read but not written.
    public static let readOnlyVariableCode = -32002
    /// -32003: the request is valid but not now (e.g. `sim.step` while running, anything after the run ended).
    public static let invalidStateCode = -32003
    /// -32004: the model refused the fault or action (no such cell, node or channel).
    public static let actionRefusedCode = -32004

    static func invalidParams(_ message: String, data: JSONValue? = nil) -> RPCError {
        RPCError(code: invalidParamsCode, message: message, data: data)
    }

    static func unknownVariable(_ name: String) -> RPCError {
        RPCError(code: unknownVariableCode, message: "unknown variable '\(name)' (var.list names them all)", data: .object([("name", .string(name))]))
    }

    var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [("code", .number(Double(code))), ("message", .string(message))]
        if let data { members.append(("data", data)) }
        return .object(members)
    }
}
