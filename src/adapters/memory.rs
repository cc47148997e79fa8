//! Hands the pages of the program's own code back to the kernel once start-up is over. Start-up
//! (config and catalogue parsing, the command line, store migrations) touches code the idle
//! daemon never runs again, and the kernel maps code in large chunks around each page touched;
//! without this, all of it would stay resident for the daemon's whole life. What the daemon
//! still needs comes back, page by page, at its next wake.

use rustix::mm::{Advice, madvise};
use std::path::Path;

/// Asks the kernel to reclaim the resident pages of this executable's read-only mappings
/// (`MADV_PAGEOUT`, Linux 5.4+). Best effort: an older kernel or a filter that refuses it
/// changes nothing. Returns how many bytes were advised, for the log.
pub fn release_startup_code() -> usize {
    let Ok(exe) = std::fs::read_link("/proc/self/exe") else { return 0 };
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else { return 0 };
    let mut advised = 0;
    for (start, end) in read_only_ranges(&maps, &exe) {
        let addr = start as *mut std::ffi::c_void;
        // SAFETY: the range is a whole mapping of this process's own executable, read-only
        // and backed by the file, so neither advice changes its contents: `Random` only stops
        // the kernel from mapping in whole chunks around each page the daemon touches from now
        // on, and reclaimed pages are read again from the file when next used.
        let done = unsafe {
            let _ = madvise(addr, end - start, Advice::Random);
            madvise(addr, end - start, Advice::LinuxPageOut)
        };
        if done.is_ok() {
            advised += end - start;
        }
    }
    advised
}

/// The ranges of `maps` (the format of `/proc/self/maps`) that map `exe` without write access.
fn read_only_ranges(maps: &str, exe: &Path) -> Vec<(usize, usize)> {
    let exe = exe.to_string_lossy();
    maps.lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let range = fields.next()?;
            let perms = fields.next()?;
            let path = fields.nth(3)?;
            if path != exe || perms.as_bytes().get(1) == Some(&b'w') {
                return None;
            }
            let (start, end) = range.split_once('-')?;
            Some((usize::from_str_radix(start, 16).ok()?, usize::from_str_radix(end, 16).ok()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_executables_read_only_mappings_are_picked() {
        let maps = "\
55d0c0000000-55d0c0100000 r--p 00000000 fe:01 123 /usr/bin/postured
55d0c0100000-55d0c0400000 r-xp 00100000 fe:01 123 /usr/bin/postured
55d0c0400000-55d0c0410000 rw-p 00400000 fe:01 123 /usr/bin/postured
55d0c1000000-55d0c1021000 rw-p 00000000 00:00 0 [heap]
7f0000000000-7f0000100000 r-xp 00000000 fe:01 456 /usr/lib/x86_64-linux-gnu/libc.so.6
";
        let ranges = read_only_ranges(maps, Path::new("/usr/bin/postured"));
        assert_eq!(ranges, [(0x55d0c0000000, 0x55d0c0100000), (0x55d0c0100000, 0x55d0c0400000)]);
    }

    #[test]
    fn releasing_our_own_code_keeps_the_process_running() {
        // The test binary's code is paged out and faults back in as this test goes on.
        let advised = release_startup_code();
        assert!(advised > 0 || !Path::new("/proc/self/maps").exists());
        assert_eq!(read_only_ranges("garbage line\n", Path::new("/x")), []);
    }
}
