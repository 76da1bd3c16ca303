/// Commanded and reported contactor positions (foxBMS `CONT_CheckFeedback`).
///
/// With feedback required, a contactor is "confirmed" when its feedback matches the command; a
/// mismatch lasting longer than the feedback timeout is a feedback fault, and a contactor reported
/// closed after being commanded open is welded. Without feedback, a command is assumed done after the
/// settle time and no mismatch is ever reported.
struct ContactorSupervisor: Sendable {
    private(set) var commandedClosed: [Bool] = [false, false, false]
    private(set) var feedbackClosed: [Bool?] = [nil, nil, nil]
    private var commandedAt: [Int64] = [Time.never, Time.never, Time.never]
    private var mismatchSince: [Int64] = [Time.never, Time.never, Time.never]
    let settings: ContactorSettings

    init(settings: ContactorSettings) { self.settings = settings }

    @inline(__always)
    private func index(_ contactor: Contactor) -> Int {
        switch contactor {
        case .mainMinus: 0
        case .precharge: 1
        case .mainPlus: 2
        }
    }

    mutating func command(_ contactor: Contactor, closed: Bool, now: Int64) {
        let i = index(contactor)
        commandedClosed[i] = closed
        commandedAt[i] = now
        mismatchSince[i] = Time.never
    }

    mutating func commandAllOpen(now: Int64) {
        for contactor in Contactor.allCases where commandedClosed[index(contactor)] || commandedAt[index(contactor)] == Time.never {
            command(contactor, closed: false, now: now)
        }
    }

    mutating func report(_ contactor: Contactor, closed: Bool) { feedbackClosed[index(contactor)] = closed }

    func isCommandedClosed(_ contactor: Contactor) -> Bool { commandedClosed[index(contactor)] }

    var anyCommandedClosed: Bool { commandedClosed.contains(true) }

    /// The commanded position has been reached (per feedback, or per settle time without feedback).
    func isConfirmed(_ contactor: Contactor, now: Int64) -> Bool {
        let i = index(contactor)
        if settings.feedbackRequired {
            let reported = feedbackClosed[i] ?? false
            return reported == commandedClosed[i]
        }
        return commandedAt[i] == Time.never || Time.elapsed(from: commandedAt[i], to: now) >= settings.settleMilliseconds
    }

    /// Time since the contactor was last commanded.
    func sinceCommand(_ contactor: Contactor, now: Int64) -> Int64 {
        let at = commandedAt[index(contactor)]
        return at == Time.never ? .max : Time.elapsed(from: at, to: now)
    }

    /// Updates mismatch timers; returns the first contactor (in `Contactor` order) whose mismatch has
    /// lasted beyond the timeout, and whether it is welded (closed while commanded open).
    mutating func supervise(now: Int64) -> (contactor: Contactor, welded: Bool)? {
        guard settings.feedbackRequired else { return nil }
        var failure: (Contactor, Bool)?
        for contactor in Contactor.allCases {
            let i = index(contactor)
            let reported = feedbackClosed[i] ?? false
            if reported == commandedClosed[i] {
                mismatchSince[i] = Time.never
                continue
            }
            if mismatchSince[i] == Time.never { mismatchSince[i] = now }
            if failure == nil, Time.elapsed(from: mismatchSince[i], to: now) > settings.feedbackTimeoutMilliseconds {
                failure = (contactor, reported && !commandedClosed[i])
            }
        }
        return failure.map { (contactor: $0.0, welded: $0.1) }
    }

    /// Contactors whose last command was "close", in `Contactor` order.
    var closedContactors: [Contactor] { Contactor.allCases.filter { commandedClosed[index($0)] } }
}
