import Testing
@testable import Simulator

@Test func SimulatorModuleLinks() { #expect(Bool(true)) }
