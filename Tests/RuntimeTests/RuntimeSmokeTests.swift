import Testing
@testable import Runtime

@Test func RuntimeModuleLinks() { #expect(Bool(true)) }
