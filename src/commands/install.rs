//! `postured install` / `uninstall`: the systemd user unit, pointed at this binary.

use super::out::outln;
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

pub const UNIT_NAME: &str = "postured.service";
const UNIT_TEMPLATE: &str = include_str!("../../systemd/postured.service");

/// The unit with `ExecStart` naming `exe` (quoted for systemd if it has spaces).
pub fn unit_text(exe: &Path) -> String {
    let exe = exe.display().to_string();
    let exe = if exe.contains(char::is_whitespace) { format!("\"{exe}\"") } else { exe };
    UNIT_TEMPLATE
        .lines()
        .map(|l| if l.starts_with("ExecStart=") { format!("ExecStart={exe} run") } else { l.to_owned() })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn unit_dir() -> anyhow::Result<PathBuf> {
    let base = directories::BaseDirs::new().context("can't find a home folder")?;
    Ok(base.config_dir().join("systemd/user"))
}

fn systemctl(args: &[&str]) -> anyhow::Result<()> {
    let status = Command::new("systemctl")
        .arg("--user")
        .args(args)
        .status()
        .with_context(|| format!("can't run `systemctl --user {}`", args.join(" ")))?;
    if !status.success() {
        bail!("`systemctl --user {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

pub fn install(no_start: bool) -> anyhow::Result<ExitCode> {
    let exe = std::env::current_exe().context("can't tell where this postured binary is")?;
    let dir = unit_dir()?;
    std::fs::create_dir_all(&dir).with_context(|| format!("can't create {}", dir.display()))?;
    let path = dir.join(UNIT_NAME);
    std::fs::write(&path, unit_text(&exe)).with_context(|| format!("can't write {}", path.display()))?;
    // Everything is done before anything is printed: a closed pipe must not stop it half-way.
    systemctl(&["daemon-reload"]).context("the unit file is written; reload systemd yourself")?;
    if !no_start {
        systemctl(&["enable", "--now", UNIT_NAME])?;
    }
    outln!("wrote {} (ExecStart={} run)", path.display(), exe.display())?;
    if no_start {
        outln!("not started (--no-start): run `systemctl --user enable --now {UNIT_NAME}` when you want it")?;
    } else {
        outln!("enabled and started: it now starts with your graphical session. See `postured status`.")?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn uninstall() -> anyhow::Result<ExitCode> {
    let path = unit_dir()?.join(UNIT_NAME);
    if !path.exists() {
        outln!("{} is not installed; nothing to do", path.display())?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Err(e) = systemctl(&["disable", "--now", UNIT_NAME]) {
        eprintln!("postured: {e:#}; removing the unit anyway");
    }
    std::fs::remove_file(&path).with_context(|| format!("can't remove {}", path.display()))?;
    systemctl(&["daemon-reload"])?;
    outln!("removed {}; your config and logged data are kept", path.display())?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_start_points_at_the_binary_and_the_rest_is_kept() {
        let text = unit_text(Path::new("/opt/my tools/postured"));
        assert!(text.contains("\nExecStart=\"/opt/my tools/postured\" run\n"), "{text}");
        assert!(text.contains("\nType=notify\n") && text.contains("\nWantedBy=graphical-session.target\n"));
        assert_eq!(text.matches("ExecStart=").count(), 1);
    }
}
