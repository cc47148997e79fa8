//! Link flags for the `postured` binary: non-PIE by default, because it keeps the idle daemon
//! under its memory goal (see "Footprint" in the README).

// Why: a position-independent executable carries ~1 MB of `.data.rel.ro` that the loader must
// rewrite at start, so those pages become private dirty memory; linked at a fixed address they
// stay clean, shared file pages. Measured with bench/footprint.sh: RSS 7.9 MiB as PIE, 6.9 MiB as
// PIE with packed relocations, 5.9 MiB non-PIE. The shared libraries, stack and heap stay
// randomised either way. Packagers who prefer a PIE set POSTURED_PIE=1 and get the packed form.
fn main() {
    println!("cargo:rerun-if-env-changed=POSTURED_PIE");
    if std::env::var_os("POSTURED_PIE").is_some_and(|v| v == "1") {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    } else {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
