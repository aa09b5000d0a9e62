// The study's JSON-like value under Search's name: the type lives in RungBasics, below both the
// search engine (which keeps a study's `task` in it) and FineTune (which reads task options as it).
// Leaves out everything else; see RungBasics/JSONValue.swift.
import RungBasics

/// A JSON-like tree value (RungBasics' `JSONValue`).
public typealias JSONValue = RungBasics.JSONValue
