//! Build script shared by every plugin crate.
//!
//! On Linux the binaries are linked position-dependent (non-PIE), as kubectl
//! and most Go-built plugins are. A PIE has to relocate its tables at every
//! start, which touches about a hundred pages; that is a third of the run of a
//! cached `kubectl aws-token` or `kubectl ctx --prompt`, which kubectl and the
//! shell start over and over.
fn main() {
    println!("cargo:rerun-if-changed=../link.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
