// The version `rung --version` prints and deploy/build-release.sh names the release tarball after.
// Raise it when a release is cut; the tarball, its SHA-256 file and the binary then agree.

/// Rung's release version (semantic versioning).
let rungVersion = "0.1.0"
