// The uncased WordPiece tokenizer of BERT-family models (Devlin et al. 2019; Wu et al. 2016):
// basic tokenisation (clean-up, CJK splitting, lower-casing, accent stripping, punctuation
// splitting), then greedy longest-match-first word pieces over `vocab.txt`.
// Leaves out cased models, sentence pairs and the fast (offset-tracking) variant.
import Foundation

/// Token ids ready for an encoder: `[CLS] pieces… [SEP]`, truncated and padded to a length.
public struct EncodedText: Sendable, Equatable {
    /// Vocabulary ids, `length` of them.
    public var ids: [Int]
    /// 1 for real tokens (including [CLS] and [SEP]), 0 for padding.
    public var attentionMask: [Int]
}

/// An error reading a vocabulary.
public struct TokenizerError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// BERT's uncased WordPiece tokenizer, matching the reference implementation's ids.
public struct WordPieceTokenizer: Sendable {
    /// Token → id.
    public let vocabulary: [String: Int]
    /// Id → token.
    public let tokens: [String]
    public let padID: Int
    public let unknownID: Int
    public let classID: Int
    public let separatorID: Int
    /// Words longer than this (in characters) become [UNK], as in the reference.
    public var maxCharactersPerWord = 100

    /// A tokenizer over an explicit vocabulary (token → id).
    public init(vocabulary: [String: Int]) throws {
        func id(_ t: String) throws -> Int {
            guard let i = vocabulary[t] else {
                throw TokenizerError(description: "the vocabulary has no \(t) token")
            }
            return i
        }
        self.vocabulary = vocabulary
        var tokens = [String](repeating: "", count: (vocabulary.values.max() ?? -1) + 1)
        for (t, i) in vocabulary { tokens[i] = t }
        self.tokens = tokens
        padID = try id("[PAD]"); unknownID = try id("[UNK]")
        classID = try id("[CLS]"); separatorID = try id("[SEP]")
    }

    /// Reads a `vocab.txt` (one token a line; the line number, from 0, is the id).
    public init(vocabularyFile url: URL) throws {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw TokenizerError(description: "cannot read vocabulary \(url.path): \(error.localizedDescription)")
        }
        var vocab: [String: Int] = [:]
        var index = 0
        text.enumerateLines { line, _ in
            if vocab[line] == nil { vocab[line] = index }
            index += 1
        }
        do { try self.init(vocabulary: vocab) } catch let e as TokenizerError {
            throw TokenizerError(description: "\(url.path): \(e.description)")
        }
    }

    /// The word pieces of `text`, without special tokens.
    public func tokenize(_ text: String) -> [String] {
        basicTokens(text).flatMap(wordPieces)
    }

    /// `[CLS] ids… [SEP]` with no truncation or padding.
    public func ids(_ text: String) -> [Int] {
        [classID] + tokenize(text).map { vocabulary[$0] ?? unknownID } + [separatorID]
    }

    /// `[CLS] ids… [SEP]`, truncated to `maxLength` (keeping [SEP] last) and padded with [PAD].
    public func encode(_ text: String, maxLength: Int) -> EncodedText {
        precondition(maxLength >= 2, "maxLength must leave room for [CLS] and [SEP], got \(maxLength)")
        var pieces = tokenize(text).map { vocabulary[$0] ?? unknownID }
        if pieces.count > maxLength - 2 { pieces.removeLast(pieces.count - (maxLength - 2)) }
        var ids = [classID] + pieces + [separatorID]
        let real = ids.count
        ids += [Int](repeating: padID, count: maxLength - real)
        return EncodedText(ids: ids, attentionMask: [Int](repeating: 1, count: real) + [Int](repeating: 0, count: maxLength - real))
    }

    // MARK: Basic tokenisation

    /// Clean-up, CJK splitting, whitespace split, lower-casing with accent stripping, punctuation split.
    func basicTokens(_ text: String) -> [String] {
        var spaced = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            if s.value == 0 || s.value == 0xFFFD || Self.isControl(s) { continue }
            if Self.isWhitespace(s) { spaced.append(" ") }
            else if Self.isCJK(s) { spaced.append(" "); spaced.append(s); spaced.append(" ") }
            else { spaced.append(s) }
        }
        var out: [String] = []
        for word in String(spaced).split(separator: " ", omittingEmptySubsequences: true) {
            let folded = Self.stripAccents(word.lowercased())
            var current = String.UnicodeScalarView()
            for s in folded.unicodeScalars {
                if Self.isPunctuation(s) {
                    if !current.isEmpty { out.append(String(current)); current = .init() }
                    out.append(String(s))
                } else {
                    current.append(s)
                }
            }
            if !current.isEmpty { out.append(String(current)) }
        }
        return out
    }

    /// Greedy longest-match-first pieces of one word; the whole word is [UNK] if any part fails.
    func wordPieces(_ word: String) -> [String] {
        let scalars = Array(word.unicodeScalars)
        if scalars.count > maxCharactersPerWord { return ["[UNK]"] }
        var pieces: [String] = []
        var start = 0
        while start < scalars.count {
            var end = scalars.count
            var found: String?
            while start < end {
                var piece = String(String.UnicodeScalarView(scalars[start..<end]))
                if start > 0 { piece = "##" + piece }
                if vocabulary[piece] != nil { found = piece; break }
                end -= 1
            }
            guard let piece = found else { return ["[UNK]"] }
            pieces.append(piece)
            start = end
        }
        return pieces
    }

    // MARK: Character classes, as the reference defines them

    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        if s == " " || s == "\t" || s == "\n" || s == "\r" { return true }
        return s.properties.generalCategory == .spaceSeparator
    }

    static func isControl(_ s: Unicode.Scalar) -> Bool {
        if s == "\t" || s == "\n" || s == "\r" { return false }
        switch s.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned: return true
        default: return false
        }
    }

    /// ASCII non-alphanumeric printable characters count as punctuation, as do Unicode P* classes.
    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) {
            return true
        }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default: return false
        }
    }

    /// CJK Unified Ideographs blocks (not Hangul, Hiragana or Katakana), as in the reference.
    static func isCJK(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default: return false
        }
    }

    /// Canonical decomposition, then nonspacing marks removed.
    static func stripAccents(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for s in text.decomposedStringWithCanonicalMapping.unicodeScalars
        where s.properties.generalCategory != .nonspacingMark {
            out.append(s)
        }
        return String(out)
    }
}
