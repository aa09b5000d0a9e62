// Whether a shared library from Debian's packages is present, for tests of the BLAS fallbacks:
// those tests run where the library is installed (deploy/test.sh installs them) and are skipped,
// with the reason, where it is not.

import Foundation

enum SystemLibrary {
    /// True when `name` (e.g. "libdnnl.so.2") is readable in the machine's multiarch library folder.
    static func installed(_ name: String) -> Bool {
        ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib"].contains {
            access("\($0)/\(name)", R_OK) == 0
        }
    }
}
