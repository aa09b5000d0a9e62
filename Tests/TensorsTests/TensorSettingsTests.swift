// TensorSettings read from an environment dictionary: each variable sets its field, and a missing
// or malformed value leaves the default (the `rung` command passes ProcessInfo's environment).
import Testing
import Tensors

@Suite struct TensorSettingsTests {
    @Test func anEmptyEnvironmentGivesTheDefaults() {
        let s = TensorSettings(environment: [:])
        #expect(s == TensorSettings())
        #expect(s.preferredBLAS == nil && !s.largeGEMMWithOneDNN && s.splitGEMM)
        #expect(s.gemmBlocksPerThread == 1 && s.convolutionChunk == nil && s.openBLASCoreType == nil)
    }

    @Test func eachVariableSetsItsField() {
        let s = TensorSettings(environment: [
            "RUNG_BLAS": "BLIS", "RUNG_LARGE_GEMM": "oneDNN", "RUNG_GEMM_SPLIT": "0",
            "RUNG_GEMM_BLOCKS_PER_THREAD": "4", "RUNG_CONV_CHUNK": "3", "OPENBLAS_CORETYPE": "Haswell",
        ])
        #expect(s.preferredBLAS == "BLIS")
        #expect(s.largeGEMMWithOneDNN)
        #expect(!s.splitGEMM)
        #expect(s.gemmBlocksPerThread == 4)
        #expect(s.convolutionChunk == 3)
        #expect(s.openBLASCoreType == "Haswell")
    }

    @Test func malformedValuesKeepTheDefaults() {
        let s = TensorSettings(environment: [
            "RUNG_LARGE_GEMM": "blis", "RUNG_GEMM_SPLIT": "no", "RUNG_GEMM_BLOCKS_PER_THREAD": "17",
            "RUNG_CONV_CHUNK": "many",
        ])
        #expect(!s.largeGEMMWithOneDNN)
        #expect(s.splitGEMM)
        #expect(s.gemmBlocksPerThread == 1)
        #expect(s.convolutionChunk == nil)
        #expect(TensorSettings(environment: ["RUNG_GEMM_BLOCKS_PER_THREAD": "0"]).gemmBlocksPerThread == 1)
    }
}
