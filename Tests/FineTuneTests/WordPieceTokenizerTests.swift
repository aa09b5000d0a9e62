// WordPiece tokenizer against the reference tokenizer's ids (fixture from
// scripts/fixtures/wordpiece.py), and against the real vocab.txt when it has been fetched.
import Foundation
import Testing
@testable import FineTune

private struct WordPieceFixture: Decodable {
    struct Case: Decodable { let text: String; let ids: [Int]; let tokens: [String] }
    let vocab: [String: Int]
    let cases: [Case]

    static func load() throws -> WordPieceFixture {
        let url = try #require(Bundle.module.url(forResource: "wordpiece", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(WordPieceFixture.self, from: Data(contentsOf: url))
    }
}

@Test func wordPieceMatchesReferenceIds() throws {
    let fixture = try WordPieceFixture.load()
    let tokenizer = try WordPieceTokenizer(vocabulary: fixture.vocab)
    #expect(fixture.cases.count >= 15)
    for c in fixture.cases {
        #expect(tokenizer.ids(c.text) == c.ids, "\(c.text)")
        let pieces: [String] = tokenizer.tokenize(c.text).map { fixture.vocab[$0] == nil ? "[UNK]" : $0 }
        #expect(["[CLS]"] + pieces + ["[SEP]"] == c.tokens, "\(c.text)")
    }
}

@Test func encodeTruncatesKeepsSeparatorAndPads() throws {
    let fixture = try WordPieceFixture.load()
    let tokenizer = try WordPieceTokenizer(vocabulary: fixture.vocab)
    let full = tokenizer.ids("The movie was GREAT... really great!!!")
    let short = tokenizer.encode("The movie was GREAT... really great!!!", maxLength: 6)
    #expect(short.ids == Array(full.prefix(5)) + [tokenizer.separatorID])
    #expect(short.attentionMask == [1, 1, 1, 1, 1, 1])
    let padded = tokenizer.encode("Hello, world!", maxLength: 10)
    #expect(padded.ids == tokenizer.ids("Hello, world!") + [0, 0, 0, 0])
    #expect(padded.attentionMask == [1, 1, 1, 1, 1, 1, 0, 0, 0, 0])
}

@Test func vocabularyWithoutSpecialTokensIsRefused() {
    #expect(throws: TokenizerError.self) { try WordPieceTokenizer(vocabulary: ["hello": 0]) }
}

@Test func realVocabularyMatchesReference() throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("data/models/all-minilm-l6-v2/vocab.txt")
    guard FileManager.default.fileExists(atPath: url.path) else {
        print("skipped: \(url.path) not fetched (scripts/fetch-minilm.sh)")
        return
    }
    let tokenizer = try WordPieceTokenizer(vocabularyFile: url)
    #expect(tokenizer.tokens.count == 30522)
    let specials: [Int] = [tokenizer.padID, tokenizer.unknownID, tokenizer.classID, tokenizer.separatorID]
    #expect(specials == [0, 100, 101, 102])
    for c in try WordPieceFixture.load().cases {
        #expect(tokenizer.ids(c.text) == c.ids, "\(c.text)")
    }
}
