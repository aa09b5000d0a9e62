import Testing
@testable import FineTune

@Test func FineTuneModuleLinks() { #expect(Bool(true)) }
