/// A JUnit XML report, the format CI servers (Jenkins, GitLab, GitHub Actions reporters) read.
///
/// One `<testsuite>` per scenario file; one `<testcase>` per expectation (plus one for the run
/// itself, which fails if the scenario could not run). Failures carry the measured figure.
public struct JUnitReport: Sendable {
    /// One test case.
    public struct TestCase: Sendable {
        public var name: String
        public var className: String
        public var seconds: Double
        /// `nil` when it passed.
        public var failure: String?
        /// `true` for a case that could not be evaluated (an error, not an assertion failure).
        public var isError: Bool
        public var output: String

        public init(name: String, className: String, seconds: Double, failure: String? = nil, isError: Bool = false, output: String = "") {
            self.name = name
            self.className = className
            self.seconds = seconds
            self.failure = failure
            self.isError = isError
            self.output = output
        }
    }

    /// One suite (a scenario).
    public struct Suite: Sendable {
        public var name: String
        public var seconds: Double
        public var cases: [TestCase]
        /// Key–value pairs shown as `<properties>` (seed, simulated duration, speed-up).
        public var properties: [(name: String, value: String)]

        public init(name: String, seconds: Double, cases: [TestCase], properties: [(name: String, value: String)] = []) {
            self.name = name
            self.seconds = seconds
            self.cases = cases
            self.properties = properties
        }
    }

    public var name: String
    public var suites: [Suite]

    public init(name: String, suites: [Suite]) {
        self.name = name
        self.suites = suites
    }

    /// The report as XML text.
    public var xml: String {
        let tests = suites.reduce(0) { $0 + $1.cases.count }
        let failures = suites.reduce(0) { $0 + $1.cases.filter { $0.failure != nil && !$0.isError }.count }
        let errors = suites.reduce(0) { $0 + $1.cases.filter { $0.failure != nil && $0.isError }.count }
        let total = suites.reduce(0.0) { $0 + $1.seconds }
        var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        text += "<testsuites name=\"\(name.xmlEscaped)\" tests=\"\(tests)\" failures=\"\(failures)\" errors=\"\(errors)\" time=\"\(fixed(total, 3))\">\n"
        for suite in suites {
            let suiteFailures = suite.cases.filter { $0.failure != nil && !$0.isError }.count
            let suiteErrors = suite.cases.filter { $0.failure != nil && $0.isError }.count
            text += "  <testsuite name=\"\(suite.name.xmlEscaped)\" tests=\"\(suite.cases.count)\" failures=\"\(suiteFailures)\" errors=\"\(suiteErrors)\" time=\"\(fixed(suite.seconds, 3))\">\n"
            if !suite.properties.isEmpty {
                text += "    <properties>\n"
                for property in suite.properties {
                    text += "      <property name=\"\(property.name.xmlEscaped)\" value=\"\(property.value.xmlEscaped)\"/>\n"
                }
                text += "    </properties>\n"
            }
            for testCase in suite.cases {
                text += "    <testcase name=\"\(testCase.name.xmlEscaped)\" classname=\"\(testCase.className.xmlEscaped)\" time=\"\(fixed(testCase.seconds, 3))\""
                if testCase.failure == nil && testCase.output.isEmpty {
                    text += "/>\n"
                    continue
                }
                text += ">\n"
                if let failure = testCase.failure {
                    let tag = testCase.isError ? "error" : "failure"
                    text += "      <\(tag) message=\"\(failure.xmlEscaped)\">\(failure.xmlEscaped)</\(tag)>\n"
                }
                if !testCase.output.isEmpty {
                    text += "      <system-out>\(testCase.output.xmlEscaped)</system-out>\n"
                }
                text += "    </testcase>\n"
            }
            text += "  </testsuite>\n"
        }
        text += "</testsuites>\n"
        return text
    }
}
