//! Shared build script for the crates that link libtorch: bakes the libtorch folder (from
//! `$LIBTORCH`, set by the justfile from `scripts/setup-libtorch.sh`) into the binaries' rpath,
//! so `agelab` and the test binaries run without LD_LIBRARY_PATH.
fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    if let Ok(dir) = std::env::var("LIBTORCH") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}/lib");
    }
}
