// A trial's settings (task options overlaid with sampled parameters) made into each task's typed
// configuration: snake_case and camelCase keys, parameters over options, the `hidden_units` ×
// `layers` shorthand, `epochs` defaulting to the attempt's target, and messages that name an
// unknown setting (with the accepted ones) or a value of the wrong type.

import Foundation
import Testing
@testable import FineTune

@Suite struct TrialSettingsTests {
    @Test func optionsAndParametersMakeATypedConfiguration() throws {
        let settings = try TrialSettings(optionsJSON: #"{"target": "y", "data": "t.csv", "learning_rate": 0.1, "hidden": [8]}"#,
                                         parameters: ["learning_rate": .double(0.003), "batchSize": .int(16), "nesterov": .bool(true)],
                                         source: "trial 3's task and parameters")
        let c = try TabularTrialConfig(settings: settings, defaultEpochs: 7)
        #expect(c.learningRate == 0.003 && c.batchSize == 16 && c.nesterov && c.hidden == [8])
        #expect(c.data == "t.csv" && c.target == "y" && c.epochs == 7)
        let fixed = try TabularTrialConfig(settings: TrialSettings(options: ["epochs": .int(3)], parameters: [:], source: "s"), defaultEpochs: 7)
        #expect(fixed.epochs == 3)
    }

    @Test func hiddenUnitsAndLayersSetTheHiddenWidths() throws {
        let c = try TabularTrialConfig(settings: TrialSettings(options: [:], parameters: ["hidden_units": .int(32), "layers": .int(3)], source: "s"),
                                       defaultEpochs: 1)
        #expect(c.hidden == [32, 32, 32])
        #expect {
            try TabularTrialConfig(settings: TrialSettings(options: [:], parameters: ["hidden_units": .double(0.4)], source: "trial 1"), defaultEpochs: 1)
        } throws: { "\($0)".contains("trial 1") && "\($0)".contains("`hidden_units` 0.4 and `layers` 1.0 must be whole numbers in 1…1000000 and 1…1000") }
    }

    @Test func anUnknownSettingIsNamedWithTheAcceptedOnes() throws {
        let settings = TrialSettings(options: ["data": .string("d")], parameters: ["strategi": .string("full")], source: "trial 2's task and parameters")
        #expect { try ImageTrialConfig(settings: settings, defaultEpochs: 1) } throws: { error in
            let m = "\(error)"
            return m.contains("trial 2's task and parameters: the image task has no setting 'strategi'")
                && m.contains("accepted: data, classes,") && m.contains("backbone_lr_mult") && m.contains("head_l2")
        }
        let text = TrialSettings(options: ["data": .string("d"), "model": .string("m")], parameters: ["lr": .double(1)], source: "t")
        #expect { try TextTrialConfig(settings: text, defaultEpochs: 1) } throws: { "\($0)".contains("the text task has no setting 'lr'") && "\($0)".contains("encoder_learning_rate") }
        let tabular = TrialSettings(options: [:], parameters: ["dropuot": .double(0.1)], source: "t")
        #expect { try TabularTrialConfig(settings: tabular, defaultEpochs: 1) } throws: {
            "\($0)".contains("no setting 'dropuot'") && "\($0)".contains("early_stopping_patience") && "\($0)".contains("hidden_units, layers")
        }
    }

    @Test func aValueOfTheWrongTypeNamesItsKey() throws {
        let settings = TrialSettings(options: [:], parameters: ["batch_size": .string("big")], source: "trial 4")
        #expect { try TabularTrialConfig(settings: settings, defaultEpochs: 1) } throws: { "\($0)".contains("trial 4") && "\($0)".contains("batchSize") }
        let text = TrialSettings(options: ["data": .string("d"), "model": .string("m")], parameters: ["patience": .int(2), "unfreeze_layers": .int(1)], source: "t")
        let c = try TextTrialConfig(settings: text, defaultEpochs: 5)
        #expect(c.patience == 2 && c.unfreezeLayers == 1 && c.epochs == 5)
    }

    @Test func keyNamesConvertBothWays() {
        #expect(TrialSettings.propertyName("learning_rate") == "learningRate" && TrialSettings.propertyName("beta1") == "beta1")
        #expect(TrialSettings.propertyName("head_l2") == "headL2" && TrialSettings.settingName("headL2") == "head_l2")
        #expect(TrialSettings.settingName("backboneLrMult") == "backbone_lr_mult")
        for key in TabularTrialConfig.keys + ImageTrialConfig.keys + TextTrialConfig.keys {
            #expect(TrialSettings.propertyName(TrialSettings.settingName(key)) == key)
        }
    }
}
