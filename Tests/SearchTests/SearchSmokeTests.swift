import Testing
@testable import Search

@Test func SearchModuleLinks() { #expect(Bool(true)) }
