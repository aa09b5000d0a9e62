// JSON text of engine input events as stored in `engine_events`: the Search module's own Codable
// form, with non-finite doubles as the strings "nan", "inf", "-inf" so a diverged loss survives.
// Doubles are written in shortest round-trip form, so a replay sees bit-identical values.
import Foundation
import Search

enum EventCoding {
    static func encode(_ event: SearchEvent) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return String(decoding: try encoder.encode(event), as: UTF8.self)
        } catch {
            throw StoreError(.invalidArgument, "cannot encode engine event \(event): \(error)")
        }
    }

    static func decode(_ text: String, seq: Int64) throws -> SearchEvent {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return try decoder.decode(SearchEvent.self, from: Data(text.utf8))
        } catch {
            throw StoreError(.corruptRecord, "engine event #\(seq) cannot be read: \(text)", cause: error)
        }
    }
}
