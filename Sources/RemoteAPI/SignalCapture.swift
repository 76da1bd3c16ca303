/// Samples of named variables taken every `period` of simulated time, kept column by column.
struct SignalCapture {
    /// Most samples one capture keeps; later samples are dropped and the result says `truncated`.
    static let maximumSamples = 100_000

    let names: [String]
    let periodNanoseconds: Int64
    var nextSampleNanoseconds: Int64
    var times: [Double] = []
    var columns: [[JSONValue]]
    var truncated = false

    init(names: [String], periodNanoseconds: Int64, startNanoseconds: Int64) {
        self.names = names
        self.periodNanoseconds = max(periodNanoseconds, 1)
        nextSampleNanoseconds = startNanoseconds
        columns = Array(repeating: [], count: names.count)
    }

    /// Whether a sample is due at `now`.
    func isDue(atNanoseconds now: Int64) -> Bool { now >= nextSampleNanoseconds }

    mutating func append(timeNanoseconds now: Int64, values: [JSONValue]) {
        while nextSampleNanoseconds <= now { nextSampleNanoseconds += periodNanoseconds }
        guard times.count < Self.maximumSamples else {
            truncated = true
            return
        }
        times.append(Double(now) / 1e9)
        for index in columns.indices { columns[index].append(values[index]) }
    }

    /// `{"time_seconds": [...], "values": {name: [...]}, "samples": n, "truncated": false}`.
    var result: JSONValue {
        .object([
            ("time_seconds", .array(times.map(JSONValue.number))),
            ("values", .object(zip(names, columns).map { ($0, .array($1)) })),
            ("samples", .number(Double(times.count))), ("truncated", .bool(truncated)),
        ])
    }
}
