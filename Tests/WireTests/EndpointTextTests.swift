// Endpoints typed without a scheme are taken as tcp (and the caller says so); others are refused
// with a hint instead of libzmq's bare errno.
import Testing
import Wire

@Test func endpointWithoutASchemeIsTakenAsTcp() throws {
    let (e, note) = try EndpointText.normalize("localhost:5555", flag: "--connect")
    #expect(e == "tcp://localhost:5555")
    #expect(note == "--connect localhost:5555: no scheme given, taking it as tcp://localhost:5555")
    #expect(try EndpointText.normalize("tcp://127.0.0.1:5555", flag: "--connect") == ("tcp://127.0.0.1:5555", nil))
    #expect(try EndpointText.normalize("*:5556", flag: "--publish").endpoint == "tcp://*:5556")
    #expect(try EndpointText.normalize("ipc:///tmp/rung.sock", flag: "--bind").endpoint == "ipc:///tmp/rung.sock")
}

@Test func unusableEndpointsAreRefusedWithAHint() {
    func message(_ s: String) -> String? {
        do { _ = try EndpointText.normalize(s, flag: "--connect"); return nil } catch { return error.message }
    }
    #expect(message("5555") == "--connect 5555: give HOST:PORT, e.g. tcp://127.0.0.1:5555 (a port alone is not an address)")
    #expect(message("http://host:5555")?.contains("the scheme 'http' is not one ZeroMQ speaks here") == true)
    #expect(message("localhost:abc") == "--connect localhost:abc: 'abc' is not a port (1–65535); e.g. tcp://localhost:5555")
    #expect(message(":5555")?.contains("the host is missing") == true)
}
