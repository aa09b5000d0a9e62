import Testing
@testable import Wire

@Test func WireModuleLinks() { #expect(Bool(true)) }
