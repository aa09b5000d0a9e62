import Testing
@testable import Tensors

@Test func TensorsModuleLinks() { #expect(Bool(true)) }
