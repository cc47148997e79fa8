//! Bad input for every subcommand and option: out of range, garbage, huge, control characters,
//! special files. Each must end with a clear error on standard error, a non-zero exit, no
//! panic, and nothing stored. Runs without a daemon, so it stays fast.

use crate::support::{Home, path_str, stderr};
use std::process::Output;

/// Exit 78 is EX_CONFIG from sysexits.h; the unit's RestartPreventExitStatus names it.
const EX_CONFIG: i32 = 78;

fn no_panic(args: &[&str], out: &Output) {
    let code = out.status.code();
    assert!(!matches!(code, Some(101 | 134) | None), "{args:?} crashed ({:?}): {}", out.status, stderr(out));
    assert!(!stderr(out).contains("panicked"), "{args:?} panicked: {}", stderr(out));
}

#[test]
fn run_with_a_broken_config_exits_with_ex_config_and_the_place() {
    let home = Home::new();
    let path = home.write_config("[limits]\nmax_per_day = 0\n");
    let out = home.run(&["run"]);
    no_panic(&["run"], &out);
    assert_eq!(out.status.code(), Some(EX_CONFIG), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{}:2:15: `limits.max_per_day` must be a whole number from 1 to 200",
            path.display()
        )),
        "{err}"
    );
    // The same for a missing --config file and a config that is a FIFO.
    let out = home.run(&["--config", path_str(&home.dir.path().join("nope.toml")), "run"]);
    assert_eq!(out.status.code(), Some(EX_CONFIG), "{}", stderr(&out));
    assert!(!home.dir.path().join("state/postured/postured.sqlite3").exists(), "nothing stored");
}
