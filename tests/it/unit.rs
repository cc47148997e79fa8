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

/// The opt-in drop-in, as shipped.
fn sandbox_drop_in() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/systemd/sandbox.conf")).unwrap()
}

/// The installed unit in a folder of its own, with the sandbox drop-in beside it if asked.
fn unit_folder(home: &Home, with_sandbox: bool) -> std::path::PathBuf {
    let dir = home.dir.path().join("units");
    std::fs::create_dir_all(&dir).unwrap();
    let unit = dir.join("postured.service");
    std::fs::write(&unit, postured::commands::install::unit_text(&bin())).unwrap();
    if with_sandbox {
        std::fs::create_dir_all(dir.join("postured.service.d")).unwrap();
        std::fs::write(dir.join("postured.service.d/sandbox.conf"), sandbox_drop_in()).unwrap();
    }
    unit
}

/// `systemd-analyze --user security --offline=yes` of `unit`, in tenths ("5.9" is 59).
fn offline_exposure(home: &Home, unit: &std::path::Path) -> u32 {
    let out = Command::new("systemd-analyze")
        .args(["--user", "security", "--offline=yes", "--no-pager"])
        .arg(unit)
        .env("XDG_RUNTIME_DIR", home.dir.path())
        .output()
        .expect("systemd-analyze (package systemd) is installed by .ci/run");
    let text = stdout(&out) + &stderr(&out);
    let level = text
        .lines()
        .find_map(|l| l.split("Overall exposure level for postured.service: ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no overall exposure level in:\n{text}"));
    let (whole, tenth) = level.split_once('.').unwrap_or((level, "0"));
    whole.parse::<u32>().unwrap() * 10 + tenth.parse::<u32>().unwrap()
}

#[test]
fn the_shipped_unit_keeps_its_hardening_score_and_does_not_restart_on_a_broken_config() {
    let home = Home::new();
    let unit = unit_folder(&home, false);
    let exposure = offline_exposure(&home, &unit);
    assert!(exposure <= 59, "exposure {}.{} is above the goal of 5.9", exposure / 10, exposure % 10);
    let text = std::fs::read_to_string(&unit).unwrap();
    assert!(text.contains("\nRestartPreventExitStatus=78\n"), "{text}");
    // A user manager can't apply these: the unit would fail to start (status 218).
    for refused in ["CapabilityBoundingSet=", "AmbientCapabilities="] {
        assert!(!text.lines().any(|l| l.starts_with(refused)), "{refused} in {text}");
    }
}

#[test]
fn the_unit_with_the_sandbox_drop_in_scores_4_or_better_and_passes_verify() {
    let home = Home::new();
    let unit = unit_folder(&home, true);
    let exposure = offline_exposure(&home, &unit);
    assert!(exposure <= 40, "exposure {}.{} is above the goal of 4.0", exposure / 10, exposure % 10);
    let out = Command::new("systemd-analyze")
        .args(["--user", "verify", "--man=no"])
        .arg(&unit)
        .env("XDG_RUNTIME_DIR", home.dir.path())
        .output()
        .unwrap();
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

    // Beside it: the desktop entry notifications name, the man page and completions.
    let data = home.dir.path().join("data");
    let entry = data.join("applications/io.github.Postured.desktop");
    let text = std::fs::read_to_string(&entry).unwrap();
    assert!(text.contains(&format!("\nExec={} run\n", bin().display())), "{text}");
    assert!(text.contains("\nNoDisplay=true\n") && text.contains("\nX-GNOME-UsesNotifications=true\n"));
    validate_desktop_entry(&entry);
    let man = Command::new("man").args(["-w", "postured"]).env("MANPATH", data.join("man")).output().unwrap();
    assert_eq!(
        stdout(&man).trim(),
        data.join("man/man1/postured.1").display().to_string(),
        "{}",
        stderr(&man)
    );
    let bash = data.join("bash-completion/completions/postured");
    let complete = Command::new("bash")
        .args(["-c", "source \"$1\" && complete -p postured", "bash"])
        .arg(&bash)
        .output()
        .unwrap();
    assert!(
        stdout(&complete).trim_end().ends_with("-F _postured postured"),
        "{}{}",
        stdout(&complete),
        stderr(&complete)
    );
    let installed =
        ["zsh/site-functions/_postured", "fish/vendor_completions.d/postured.fish", "man/man1/postured.1"];
    assert!(installed.iter().all(|f| data.join(f).is_file()), "{installed:?}");

    let out = with_fake_path(&home, &["uninstall"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!unit.exists());
    assert!(!entry.exists() && !bash.exists(), "uninstall removes the desktop entry and completions too");
    assert!(installed.iter().all(|f| !data.join(f).exists()), "{}", stdout(&out));
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

/// `desktop-file-validate` (package desktop-file-utils, installed by .ci/run) finds nothing.
fn validate_desktop_entry(entry: &std::path::Path) {
    let out = Command::new("desktop-file-validate")
        .arg(entry)
        .output()
        .expect("desktop-file-validate (package desktop-file-utils) is installed by .ci/run");
    assert!(out.status.success() && out.stdout.is_empty(), "{}{}", stdout(&out), stderr(&out));
}

/// The binary in a folder named `folder`, to run from there as a user would.
fn binary_in(home: &Home, folder: &str) -> std::path::PathBuf {
    let dir = home.dir.path().join(folder);
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join("postured");
    if std::fs::hard_link(bin(), &exe).is_err() {
        std::fs::copy(bin(), &exe).unwrap();
    }
    exe
}

/// `postured [args] install` run from `exe`, with the stand-in systemctl.
fn install_from(home: &Home, exe: &std::path::Path, args: &[&str]) -> std::process::Output {
    let template = home.command();
    let mut cmd = Command::new(exe);
    cmd.env_clear();
    for (key, value) in template.get_envs() {
        cmd.env(key, value.unwrap_or_default());
    }
    let path = format!("{}:{}", home.dir.path().join("fakebin").display(), std::env::var("PATH").unwrap());
    cmd.env("PATH", path).args(args).arg("install").output().unwrap()
}

#[test]
fn install_escapes_exec_start_for_systemd_and_keeps_the_config_path() {
    let home = Home::new();
    let log = fake_systemctl(&home, false);
    // What systemd reads specially: `%` specifiers, `$` variables, quotes, backslashes, spaces.
    let exe = binary_in(&home, "my 100% $HOME ${X} tools");
    let config = home.write("50% of \"my\" $HOME \\ 'config'.toml", "[limits]\nmax_per_day = 9\n");
    let out = install_from(&home, &exe, &["--config", config.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "--user daemon-reload\n--user enable --now postured.service\n"
    );

    let unit = home.dir.path().join("config/systemd/user/postured.service");
    let text = std::fs::read_to_string(&unit).unwrap();
    let exec = text.lines().find(|l| l.starts_with("ExecStart=")).unwrap();
    let home_dir = home.dir.path().display().to_string().replace('%', "%%");
    assert_eq!(
        exec,
        format!(
            "ExecStart=\"{home_dir}/my 100%% $HOME ${{X}} tools/postured\" run --config \
             \"{home_dir}/50%% of \\\"my\\\" $$HOME \\\\ \\'config\\'.toml\""
        )
    );
    // systemd reads it back as the same binary: verify checks that it exists and is executable.
    let out = Command::new("systemd-analyze")
        .args(["--user", "verify", "--man=no"])
        .arg(&unit)
        .env("XDG_RUNTIME_DIR", home.dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(stderr(&out), "", "verify warns about nothing");

    // The desktop entry runs the same, quoted for launchers: `%` doubled, `$` and `"` escaped,
    // then the value's backslashes doubled.
    let entry = home.dir.path().join("data/applications/io.github.Postured.desktop");
    let text = std::fs::read_to_string(&entry).unwrap();
    let exec = text.lines().find(|l| l.starts_with("Exec=")).unwrap();
    assert_eq!(
        exec,
        format!(
            r#"Exec="{home_dir}/my 100%% \\$HOME \\${{X}} tools/postured" run --config "{home_dir}/50%% of \\"my\\" \\$HOME \\\\ 'config'.toml""#
        )
    );
    validate_desktop_entry(&entry);
}

#[test]
fn install_refuses_what_systemd_could_not_start_and_writes_nothing() {
    let home = Home::new();
    let log = fake_systemctl(&home, false);
    let unit = home.dir.path().join("config/systemd/user/postured.service");
    let exe = binary_in(&home, "quote\"d");
    let out = install_from(&home, &exe, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("systemd can't start a program whose path has quotes"), "{}", stderr(&out));
    let bad = home.write("bad.toml", "[limits]\nmax_per_day = 0\n");
    let out = install_from(&home, &bin(), &["--config", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("not installed, the config has an error"), "{}", stderr(&out));
    assert!(stderr(&out).contains(":2:15: `limits.max_per_day`"), "{}", stderr(&out));
    assert!(!unit.exists() && !log.exists(), "nothing written, systemctl not run");
}
