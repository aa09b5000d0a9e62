// A trial's settings as a study gives them (RungBasics' `JSONValue`s): the built-in task's options
// from the study file, overlaid with the trial's sampled parameters, keyed as the study writes them
// (`learning_rate`) or as the configuration's property (`learningRate`). `TrialConfig` turns them
// into a task's typed configuration, refusing an unknown setting by name with the accepted ones.
// Leaves out where the values come from (study file, search) and the ranges (each `validate`).

import Foundation

/// A built-in task's options overlaid with a trial's parameters, keyed by property name.
public struct TrialSettings: Sendable, Hashable {
    /// Each setting under its configuration property name (`learning_rate` → `learningRate`);
    /// a parameter replaces the option of the same name.
    public var values: [String: JSONValue]
    /// What the settings are, for messages ("trial 3's task and parameters").
    public var source: String

    /// The task options overlaid with the parameters; keys may be snake_case or camelCase.
    public init(options: [String: JSONValue], parameters: [String: JSONValue], source: String) {
        var values: [String: JSONValue] = [:]
        for (key, value) in options { values[Self.propertyName(key)] = value }
        for (key, value) in parameters { values[Self.propertyName(key)] = value }
        self.values = values.filter { $0.value != .null }
        self.source = source
    }

    /// As `init(options:parameters:source:)` with the options as a JSON object's text.
    public init(optionsJSON: String, parameters: [String: JSONValue], source: String) throws(FineTuneError) {
        let options: [String: JSONValue]
        do { options = try JSONDecoder().decode([String: JSONValue].self, from: Data(optionsJSON.utf8)) } catch {
            throw FineTuneError(.invalidOptions, "\(source): the task options are not a JSON object (\(optionsJSON.prefix(80)))")
        }
        self.init(options: options, parameters: parameters, source: source)
    }

    /// A study's setting name as the configuration property: `learning_rate` → `learningRate`.
    public static func propertyName(_ key: String) -> String {
        let parts = key.split(separator: "_")
        guard parts.count > 1 else { return key }
        return String(parts[0]) + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// A property as a study writes it: `learningRate` → `learning_rate`, `headL2` → `head_l2`.
    public static func settingName(_ property: String) -> String {
        property.map { $0.isUppercase ? "_" + $0.lowercased() : String($0) }.joined()
    }
}

/// A task configuration that can be made from a trial's settings.
public protocol TrialConfig: Decodable {
    /// The task's name in messages ("tabular", "image", "text").
    static var kind: String { get }
    /// The property names the configuration reads.
    static var keys: [String] { get }
    /// Settings a study may give that `resolveShorthands` turns into others (property names).
    static var shorthands: [String] { get }
    /// Settings that stand for others (`hidden_units` × `layers` → `hidden`), turned into
    /// configuration properties before decoding; the default changes nothing.
    static func resolveShorthands(_ values: inout [String: JSONValue], source: String) throws(FineTuneError)
    /// Reads a configuration from JSON whose keys are property names.
    static func decode(json: Data, source: String) throws(FineTuneError) -> Self
}

extension TrialConfig {
    /// None.
    public static var shorthands: [String] { [] }

    /// No shorthands.
    public static func resolveShorthands(_ values: inout [String: JSONValue], source: String) throws(FineTuneError) {}

    /// The configuration of a trial: its settings, with `epochs` defaulting to `defaultEpochs`
    /// (an attempt's last epoch). An unknown setting is refused by name, with the accepted ones as
    /// a study writes them; a value of the wrong type names its key. Ranges are checked later, by
    /// the task.
    public init(settings: TrialSettings, defaultEpochs: Int) throws(FineTuneError) {
        var values = settings.values
        try Self.resolveShorthands(&values, source: settings.source)
        if let unknown = values.keys.sorted().first(where: { !Self.keys.contains($0) }) {
            let accepted = (Self.keys + Self.shorthands).map(TrialSettings.settingName).joined(separator: ", ")
            throw FineTuneError(.invalidOptions, "\(settings.source): the \(Self.kind) task has no setting '\(TrialSettings.settingName(unknown))'; accepted: \(accepted)")
        }
        if values["epochs"] == nil { values["epochs"] = .int(max(defaultEpochs, 1)) }
        let json: Data
        do { json = try JSONEncoder().encode(values) } catch {
            throw FineTuneError(.invalidOptions, "\(settings.source): cannot be written as JSON (\(error))")
        }
        self = try Self.decode(json: json, source: settings.source)
    }
}

extension TabularTrialConfig: TrialConfig {
    /// "tabular".
    public static var kind: String { "tabular" }
    /// The JSON keys a configuration may hold.
    public static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }

    /// `hidden_units` and `layers`.
    public static var shorthands: [String] { ["hiddenUnits", "layers"] }

    /// `hidden_units` with an optional `layers` (default 1) sets `hidden` to `layers` × `hidden_units`.
    public static func resolveShorthands(_ values: inout [String: JSONValue], source: String) throws(FineTuneError) {
        guard let unitsValue = values.removeValue(forKey: "hiddenUnits") else { return }
        let layersValue = values.removeValue(forKey: "layers")
        let units = unitsValue.doubleValue ?? .nan, layers = layersValue?.doubleValue ?? 1
        // Parameters come over the wire: whole numbers in a sane range, or a clear error.
        guard units.isFinite, layers.isFinite,
              let u = Int(exactly: units.rounded()), (1...1_000_000).contains(u),
              let l = Int(exactly: layers.rounded()), (1...1_000).contains(l) else {
            throw FineTuneError(.invalidOptions,
                                "\(source): `hidden_units` \(units) and `layers` \(layers) must be whole numbers in 1…1000000 and 1…1000")
        }
        values["hidden"] = .array(Array(repeating: .int(u), count: l))
    }
}

extension ImageTrialConfig: TrialConfig {
    /// "image".
    public static var kind: String { "image" }
}

extension TextTrialConfig: TrialConfig {
    /// "text".
    public static var kind: String { "text" }
}
