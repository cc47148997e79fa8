//! Link flags for the `postured` binary. It is a position-independent executable (the
//! toolchain's default), so the loader places it at a random address like everything else;
//! this only packs its relative relocations where the system's C library can load them.

// Why: a PIE carries one relocation per pointer in its read-only data (about 5,000 here, 24
// bytes each) that the loader reads at every start, so their ~120 KiB stay resident in the
// idle daemon. Packed (DT_RELR) they take a few KiB. glibc loads packed relocations from 2.36
// on and says so with the symbol version GLIBC_ABI_DT_RELR; a binary that uses them doesn't
// start on an older glibc. So the flag is only passed when building for this machine and its
// libc.so.6 has that version. (A linker without the option, before binutils 2.38, warns and
// ignores it.)
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if native_glibc_loads_packed_relocations() {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

fn native_glibc_loads_packed_relocations() -> bool {
    let var = |key| std::env::var(key).unwrap_or_default();
    if var("TARGET") != var("HOST") || var("CARGO_CFG_TARGET_ENV") != "gnu" {
        return false;
    }
    let Ok(out) = std::process::Command::new("cc").arg("-print-file-name=libc.so.6").output() else {
        return false;
    };
    let libc = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    std::path::Path::new(&libc).is_absolute()
        && std::fs::read(&libc).is_ok_and(|bytes| bytes.windows(17).any(|w| w == b"GLIBC_ABI_DT_RELR"))
}
