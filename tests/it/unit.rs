//! The systemd user unit, and `postured install` / `uninstall` against a stand-in systemctl.

use crate::support::{Home, bin, stderr, stdout};
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

#[test]
fn the_installed_unit_passes_systemd_analyze_verify() {
    let home = Home::new();
    let unit = home.dir.path().join("postured.service");
    std::fs::write(&unit, postured::commands::install::unit_text(&bin())).unwrap();
    let out = Command::new("systemd-analyze")
        .args(["--user", "verify", "--man=no"])
        .arg(&unit)
        .env("XDG_RUNTIME_DIR", home.dir.path())
        .output()
        .expect("systemd-analyze (package systemd) is installed by .ci/run");
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(stderr(&out), "", "verify warns about nothing");
}

/// A `systemctl` that records its arguments and succeeds (or fails, if asked to).
fn fake_systemctl(home: &Home, fail: bool) -> std::path::PathBuf {
    let dir = home.dir.path().join("fakebin");
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("systemctl");
    let log = home.dir.path().join("systemctl.log");
    let body = format!("#!/bin/sh\necho \"$*\" >> '{}'\nexit {}\n", log.display(), u8::from(fail));
    std::fs::write(&script, body).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    log
}

fn with_fake_path(home: &Home, args: &[&str]) -> std::process::Output {
    let path = format!(
        "{}:{}",
        home.dir.path().join("fakebin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    home.command().env("PATH", path).args(args).output().unwrap()
}

#[test]
fn install_writes_the_unit_for_this_binary_and_enables_it_and_uninstall_reverses_it() {
    let home = Home::new();
    let log = fake_systemctl(&home, false);
    let out = with_fake_path(&home, &["install"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let unit = home.dir.path().join("config/systemd/user/postured.service");
    let text = std::fs::read_to_string(&unit).unwrap();
    assert!(text.contains(&format!("\nExecStart={} run\n", bin().display())), "{text}");
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "--user daemon-reload\n--user enable --now postured.service\n"
    );

    let out = with_fake_path(&home, &["uninstall"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!unit.exists());
    assert!(
        std::fs::read_to_string(&log)
            .unwrap()
            .ends_with("--user disable --now postured.service\n--user daemon-reload\n")
    );
}

#[test]
fn install_no_start_only_reloads_and_a_failing_systemctl_is_reported() {
    let home = Home::new();
    let log = fake_systemctl(&home, false);
    let out = with_fake_path(&home, &["install", "--no-start"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "--user daemon-reload\n");

    let home = Home::new();
    fake_systemctl(&home, true);
    let out = with_fake_path(&home, &["install"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(
            "the unit file is written; reload systemd yourself: `systemctl --user daemon-reload` failed"
        ),
        "{}",
        stderr(&out)
    );
}
