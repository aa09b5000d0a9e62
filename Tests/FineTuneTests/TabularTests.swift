// Schema detection, preprocessing fitted on the training split only, Codable round trip,
// stratified splits and k-fold, and the errors for bad tables.
import Foundation
import Testing
@testable import FineTune

private let smallCSV = """
    x,color,z,label
    1,red,10,yes
    2,,20,no
    NA,blue,?,yes
    4,red,40,no
    6,green,nan,yes
    """

@Suite struct TabularTests {
    @Test func detectsKindsAndSortsClasses() throws {
        let t = try CSVTable(parsing: smallCSV, fileName: "s.csv")
        let s = try TabularSchema.infer(t, options: TabularOptions(target: "label"))
        #expect(s.columns.map(\.name) == ["x", "color", "z"])
        #expect(s.columns.map(\.kind) == [.numeric, .categorical, .numeric])
        #expect(s.classNames == ["no", "yes"])
        #expect(s.labels == [1, 0, 1, 0, 1])
        // Numeric class names sort by value, not text.
        #expect(TabularSchema.sortedClassNames(["10", "9", "-1", "2.5"]) == ["-1", "2.5", "9", "10"])
        // Declared kinds win; ignored columns are left out.
        let d = try TabularSchema.infer(t, options: TabularOptions(target: "label", columnKinds: ["z": .categorical],
                                                                   ignoredColumns: ["x"]))
        #expect(d.columns.map(\.name) == ["color", "z"])
        #expect(d.columns.map(\.kind) == [.categorical, .categorical])
    }

    @Test func fitsImputationScalingAndOneHotInClosedForm() throws {
        let t = try CSVTable(parsing: smallCSV, fileName: "s.csv")
        let options = TabularOptions(target: "label")
        let s = try TabularSchema.infer(t, options: options)
        let p = TabularPreprocessor.fit(t, schema: s, rows: [0, 1, 2, 3, 4], options: options)
        #expect(p.featureNames == ["x", "color=blue", "color=green", "color=red", "z"])
        // x: present 1, 2, 4, 6 → fill 13/4; imputed 1, 2, 3.25, 4, 6.
        let x = [1, 2, 3.25, 4, 6.0]
        let mx = x.reduce(0, +) / 5
        let sx = (x.map { ($0 - mx) * ($0 - mx) }.reduce(0, +) / 5).squareRoot()
        #expect(p.columns[0].fillValue == 3.25)
        #expect(p.columns[0].mean == mx)
        #expect(p.columns[0].scale == sx)
        // color: red twice, most frequent; missing row 1 becomes red.
        #expect(p.columns[1].categories == ["blue", "green", "red"])
        #expect(p.columns[1].fillCategory == "red")
        // z: present 10, 20, 40 → fill 70/3.
        let z = [10, 20, 70.0 / 3, 40, 70.0 / 3]
        let mz = z.reduce(0, +) / 5
        let sz = (z.map { ($0 - mz) * ($0 - mz) }.reduce(0, +) / 5).squareRoot()
        let d = try p.transform(t)
        var expected: [Float] = []
        for i in 0..<5 {
            let color = [[0, 0, 1], [0, 0, 1], [1, 0, 0], [0, 0, 1], [0, 1, 0]][i].map(Float.init)
            expected += [Float((x[i] - mx) / sx)] + color + [Float((z[i] - mz) / sz)]
        }
        #expect(d.features == expected)
        #expect(d.labels == [1, 0, 1, 0, 1])
        #expect(d.featureCount == 5 && d.count == 5)

        // Median imputation and no standardisation: x fill is the mean of the middle two.
        var o2 = options
        o2.numericImputation = .median
        o2.standardize = false
        let p2 = TabularPreprocessor.fit(t, schema: s, rows: [0, 1, 2, 3, 4], options: o2)
        #expect(p2.columns[0].fillValue == 3)
        #expect(p2.columns[2].fillValue == 20)
        #expect(try p2.transform(t).row(2).first == 3)
    }

    @Test func preprocessingIsFittedOnTheTrainingSplitOnly() throws {
        let table = SyntheticTabular.table(rows: 300, seed: 3)
        let options = TabularOptions(target: SyntheticTabular.target, seed: 11)
        let splits = try TabularData.prepare(table, options: options)
        let ageColumn = try table.columnIndex("age")
        let trainAges = splits.indices.train.compactMap { parseNumber(trimmed(table.rows[$0][ageColumn])) }
        let fill = trainAges.reduce(0, +) / Double(trainAges.count)
        let age = try #require(splits.preprocessor.columns.first { $0.name == "age" })
        #expect(age.fillValue == fill)
        // After imputation with the training mean, the training mean is unchanged.
        #expect(abs(try #require(age.mean) - fill) < 1e-9)
        // Validation rows are scaled with the training statistics.
        let v = splits.indices.validation[0]
        let raw = parseNumber(trimmed(table.rows[v][ageColumn])) ?? fill
        #expect(splits.validation.features[0] == Float((raw - age.mean!) / age.scale!))
        // Sizes and disjointness.
        let all = splits.indices.train + splits.indices.validation + splits.indices.test
        #expect(Set(all).count == 300 && all.count == 300)
        #expect(splits.train.count == splits.indices.train.count)
        #expect(splits.train.featureNames == splits.preprocessor.featureNames)
        #expect(splits.train.classNames == ["high", "low", "medium"])
    }

    @Test func preprocessorRoundTripsThroughJSONAndAppliesAtInference() throws {
        let table = SyntheticTabular.table(rows: 120, seed: 5)
        let splits = try TabularData.prepare(table, options: TabularOptions(target: "risk"))
        let json = splits.preprocessor.jsonString()
        let back = try TabularPreprocessor(jsonString: json)
        #expect(back == splits.preprocessor)
        // Inference data: columns reordered, no target, an unseen category (all zeros).
        let inference = try CSVTable(parsing: "region,noise,score_b,score_a,income,age\nwest,50,0,0,40,45\n",
                                     fileName: "new.csv")
        let d = try back.transform(inference)
        #expect(d.labels.isEmpty)
        #expect(d.count == 1 && d.featureCount == back.featureNames.count)
        let regionOffsets = back.featureNames.indices.filter { back.featureNames[$0].hasPrefix("region=") }
        #expect(regionOffsets.count == 3)
        #expect(regionOffsets.allSatisfy { d.features[$0] == 0 })
        expectError(.invalidOptions, ["saved preprocessing is not valid"]) { _ = try TabularPreprocessor(jsonString: "{") }
        expectError(.unknownColumn, ["new.csv: no column named \"age\""]) {
            _ = try back.transform(try CSVTable(parsing: "region\nnorth\n", fileName: "new.csv"))
        }
        expectError(.invalidValue, ["new.csv line 2, column 6 (\"age\"): \"old\" is not a number"]) {
            _ = try back.transform(try CSVTable(parsing: "region,noise,score_b,score_a,income,age\nnorth,1,1,1,1,old\n",
                                                fileName: "new.csv"))
        }
    }

    @Test func badTablesGiveErrorsNamingFileLineAndColumn() throws {
        let t = try CSVTable(parsing: smallCSV, fileName: "s.csv")
        expectError(.unknownColumn, ["no column named \"target\"", "\"x\", \"color\", \"z\", \"label\""]) {
            _ = try TabularSchema.infer(t, options: TabularOptions(target: "target"))
        }
        expectError(.unknownColumn, ["no column named \"colour\""]) {
            _ = try TabularSchema.infer(t, options: TabularOptions(target: "label", columnKinds: ["colour": .numeric]))
        }
        expectError(.invalidValue, ["s.csv line 2, column 2 (\"color\"): \"red\" is not a number, but the column is declared numeric"]) {
            _ = try TabularSchema.infer(t, options: TabularOptions(target: "label", columnKinds: ["color": .numeric]))
        }
        let missing = try CSVTable(parsing: "a,y\n1,p\n2,\n3,q\n", fileName: "m.csv")
        expectError(.missingTarget, ["m.csv line 3, column 2 (\"y\"): the target is missing"]) {
            _ = try TabularSchema.infer(missing, options: TabularOptions(target: "y"))
        }
        let single = try CSVTable(parsing: "a,y\n1,p\n2,p\n3,q\n4,p\n", fileName: "one.csv")
        expectError(.cannotStratify, ["one.csv: class \"q\" has 1 example", "needs at least 2"]) {
            _ = try TabularData.prepare(single, options: TabularOptions(target: "y"))
        }
        let oneClass = try CSVTable(parsing: "a,y\n1,p\n2,p\n", fileName: "c.csv")
        expectError(.invalidValue, ["has only the class \"p\""]) {
            _ = try TabularSchema.infer(oneClass, options: TabularOptions(target: "y"))
        }
        expectError(.invalidOptions, ["must each be ≥ 0 and sum to less than 1"]) {
            _ = try TabularData.prepare(t, options: TabularOptions(target: "label", validationFraction: 0.6, testFraction: 0.5))
        }
    }

    @Test func stratifiedSplitKeepsClassProportions() throws {
        // 50 of class 0, 30 of class 1, 20 of class 2.
        let labels = (0..<100).map { $0 < 50 ? 0 : ($0 < 80 ? 1 : 2) }
        let names = ["a", "b", "c"]
        let s = try StratifiedSplit.split(labels: labels, classNames: names, validationFraction: 0.2,
                                          testFraction: 0.1, seed: 42)
        func perClass(_ rows: [Int]) -> [Int] { (0..<3).map { k in rows.filter { labels[$0] == k }.count } }
        #expect(perClass(s.test) == [5, 3, 2])
        #expect(perClass(s.validation) == [10, 6, 4])
        #expect(perClass(s.train) == [35, 21, 14])
        #expect(Set(s.train + s.validation + s.test).count == 100)
        #expect(s.train == s.train.sorted())
        // Same seed, same split; another seed, another split.
        #expect(try StratifiedSplit.split(labels: labels, classNames: names, validationFraction: 0.2,
                                          testFraction: 0.1, seed: 42) == s)
        #expect(try StratifiedSplit.split(labels: labels, classNames: names, validationFraction: 0.2,
                                          testFraction: 0.1, seed: 43) != s)
        // A class of 2 rows keeps one for training.
        let tiny = try StratifiedSplit.split(labels: [0, 0, 1, 1], classNames: ["a", "b"], validationFraction: 0.5,
                                             testFraction: 0.4, seed: 1)
        #expect(tiny.train.count == 2)
    }

    @Test func stratifiedKFoldCoversEveryRowOnce() throws {
        let labels = (0..<53).map { $0 % 7 == 0 ? 2 : ($0 % 2) }
        let folds = try StratifiedSplit.kFold(labels: labels, classNames: ["a", "b", "c"], k: 5, seed: 9)
        #expect(folds.count == 5)
        let validation = folds.flatMap(\.validation)
        #expect(validation.sorted() == Array(0..<53))
        for f in folds {
            #expect(Set(f.train).isDisjoint(with: f.validation))
            #expect(f.train.count + f.validation.count == 53)
        }
        for k in 0..<3 {
            let sizes = folds.map { $0.validation.filter { labels[$0] == k }.count }
            #expect(sizes.max()! - sizes.min()! <= 1, "class \(k) fold sizes \(sizes)")
        }
        #expect(try StratifiedSplit.kFold(labels: labels, classNames: ["a", "b", "c"], k: 5, seed: 9) == folds)
        expectError(.cannotStratify, ["d: class \"c\" has 2 examples", "stratified 3-fold needs at least 3"]) {
            _ = try StratifiedSplit.kFold(labels: [0, 0, 0, 1, 1, 1, 2, 2], classNames: ["a", "b", "c"], k: 3,
                                          seed: 0, source: "d")
        }
        let table = SyntheticTabular.table(rows: 90, seed: 2)
        let cv = try TabularData.kFold(table, options: TabularOptions(target: "risk"), k: 3)
        #expect(cv.map(\.validation.count).reduce(0, +) == 90)
        #expect(cv.allSatisfy { $0.test.count == 0 && $0.train.count + $0.validation.count == 90 })
    }

    @Test func seededGeneratorIsReproducible() {
        var a = SplitMix64(seed: 0), b = SplitMix64(seed: 0)
        // First outputs of SplitMix64 seeded with 0 (reference values of the published algorithm).
        #expect(a.next() == 0xE220_A839_7B1D_CDAF)
        #expect(a.next() == 0x6E78_9E6A_A1B9_65F4)
        _ = b.next(); _ = b.next()
        #expect(a.state == b.state)
        var r = SplitMix64(seed: 7)
        for bound in [1, 2, 3, 1000] { for _ in 0..<100 { #expect((0..<bound).contains(r.uniform(below: bound))) } }
    }
}
