//! `postured install` / `uninstall`: the systemd user unit, pointed at this binary, and beside it
//! in the XDG data folder the desktop entry notifications name, the man page and completions.
//! `package_files` lays out the same files for the Debian package.

use super::out::outln;
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

pub const UNIT_NAME: &str = "postured.service";
const UNIT_TEMPLATE: &str = include_str!("../../systemd/postured.service");
/// `<DESKTOP_ENTRY>.desktop`: notifications name it in their `desktop-entry` hint.
pub const DESKTOP_FILE: &str = "io.github.Postured.desktop";
const DESKTOP_TEMPLATE: &str = include_str!("../../packaging/io.github.Postured.desktop");

/// The desktop entry with `Exec` running `exe run` (with `--config CONFIG` when one is given).
pub fn desktop_entry_text(exe: &str, config: Option<&str>) -> String {
    let mut exec = format!("Exec={} run", desktop_word(exe));
    if let Some(config) = config {
        exec += &format!(" --config {}", desktop_word(config));
    }
    DESKTOP_TEMPLATE
        .lines()
        .map(|l| if l.starts_with("Exec=") { exec.clone() } else { l.to_owned() })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// One word of a desktop entry's `Exec=` that launchers read back as exactly `word` (see the
/// Desktop Entry Specification, "The Exec key"): `%` doubled; in double quotes when it has a
/// reserved character, with `"`, `` ` ``, `$` and `\` escaped by a backslash; then the string
/// value's own escapes (`\\`, `\n`, ...) on top.
fn desktop_word(word: &str) -> String {
    const RESERVED: &str = " \t\n\"'\\><~|&;$*?#()`";
    let quoted = word.is_empty() || word.contains(|c| RESERVED.contains(c));
    let mut arg = String::new();
    for c in word.chars() {
        match c {
            '%' => arg.push_str("%%"),
            '"' | '`' | '$' | '\\' if quoted => {
                arg.push('\\');
                arg.push(c);
            }
            c => arg.push(c),
        }
    }
    if quoted {
        arg = format!("\"{arg}\"");
    }
    let mut value = String::new();
    for c in arg.chars() {
        match c {
            '\\' => value.push_str("\\\\"),
            '\n' => value.push_str("\\n"),
            '\t' => value.push_str("\\t"),
            '\r' => value.push_str("\\r"),
            c => value.push(c),
        }
    }
    value
}

/// The man page, completions and desktop entry for `exe`, each with its path inside a data
/// folder (`~/.local/share` or `/usr/share`); `system` picks zsh's folder for packages.
fn data_files(exe: &str, config: Option<&str>, system: bool) -> anyhow::Result<Vec<(PathBuf, Vec<u8>)>> {
    use super::docs::completion;
    use clap_complete::Shell;
    let zsh = if system { "zsh/vendor-completions/_postured" } else { "zsh/site-functions/_postured" };
    Ok(vec![
        (Path::new("applications").join(DESKTOP_FILE), desktop_entry_text(exe, config).into_bytes()),
        ("man/man1/postured.1".into(), super::docs::man_page()?),
        ("bash-completion/completions/postured".into(), completion(Shell::Bash)),
        (zsh.into(), completion(Shell::Zsh)),
        ("fish/vendor_completions.d/postured.fish".into(), completion(Shell::Fish)),
    ])
}

/// What `install` writes besides the unit, in the user's data folder.
fn user_data_files() -> anyhow::Result<(PathBuf, Vec<PathBuf>)> {
    let base = directories::BaseDirs::new().context("can't find a home folder")?;
    let dir = base.data_dir().to_owned();
    let files = data_files("postured", None, false)?.into_iter().map(|(p, _)| p).collect();
    Ok((dir, files))
}

/// `postured package-files DIR`: the files of the Debian package besides the binary, laid out
/// under `DIR` as they are installed (`usr/lib/systemd/user/`, `usr/share/...`), for
/// `/usr/bin/postured`.
pub fn package_files(root: &Path) -> anyhow::Result<ExitCode> {
    let exe = "/usr/bin/postured";
    let mut files = data_files(exe, None, true)?
        .into_iter()
        .map(|(p, text)| (Path::new("usr/share").join(p), text))
        .collect::<Vec<_>>();
    files.push((Path::new("usr/lib/systemd/user").join(UNIT_NAME), unit_text(Path::new(exe)).into_bytes()));
    for (path, text) in files {
        let path = root.join(path);
        write_file(&path, &text)?;
        outln!("{}", path.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn write_file(path: &Path, text: &[u8]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("can't create {}", dir.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("can't write {}", path.display()))
}

/// The unit with `ExecStart` naming `exe` (escaped for systemd).
pub fn unit_text(exe: &Path) -> String {
    unit_text_with_config(exe, None)
}

/// The unit with `ExecStart` running `exe`, with `--config CONFIG` when one is given (it should
/// be absolute: the service does not start in the user's current folder).
pub fn unit_text_with_config(exe: &Path, config: Option<&Path>) -> String {
    let mut exec = format!("ExecStart={} run", exec_word(exe.as_os_str(), Word::Program));
    if let Some(config) = config {
        exec += &format!(" --config {}", exec_word(config.as_os_str(), Word::Argument));
    }
    UNIT_TEMPLATE
        .lines()
        .map(|l| if l.starts_with("ExecStart=") { exec.clone() } else { l.to_owned() })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Why systemd would refuse to start `exe` whatever the quoting: it takes no program path with
/// quotes, backslashes or control characters (spaces, `%` and `$` are fine, escaped).
fn unstartable(exe: &Path) -> Option<&'static str> {
    let bytes = exe.as_os_str().as_encoded_bytes();
    let odd = |b: &u8| matches!(b, b'"' | b'\'' | b'\\' | 0x7f) || *b < b' ';
    if bytes.iter().any(odd) {
        return Some(
            "systemd can't start a program whose path has quotes, backslashes or control characters",
        );
    }
    // A desktop entry is UTF-8 text.
    exe.to_str().is_none().then_some("a desktop entry can't name a program whose path is not UTF-8 text")
}

/// Where a word stands on an `ExecStart=` line: systemd expands `$VARIABLES` in arguments but
/// never in the program's path.
#[derive(Clone, Copy, PartialEq)]
enum Word {
    Program,
    Argument,
}

/// One word of an `ExecStart=` line that systemd reads back as exactly `word` (see
/// systemd.syntax and systemd.service): `%` specifiers doubled, `$` doubled in arguments, and
/// in double quotes with C escapes when it has anything but plain path characters. Bytes that
/// are not UTF-8, and control characters, become `\xNN`.
fn exec_word(word: &std::ffi::OsStr, at: Word) -> String {
    let mut escaped = String::new();
    let mut plain = !word.is_empty();
    for chunk in word.as_encoded_bytes().utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '%' => escaped.push_str("%%"),
                '$' if at == Word::Argument => escaped.push_str("$$"),
                '\\' | '"' | '\'' => {
                    escaped.push('\\');
                    escaped.push(c);
                    plain = false;
                }
                c if c.is_control() => {
                    for byte in c.to_string().bytes() {
                        escaped.push_str(&format!("\\x{byte:02x}"));
                    }
                    plain = false;
                }
                c => {
                    plain &= c.is_ascii_alphanumeric() || "/._+-,:@=$".contains(c);
                    escaped.push(c);
                }
            }
        }
        for byte in chunk.invalid() {
            escaped.push_str(&format!("\\x{byte:02x}"));
            plain = false;
        }
    }
    if plain { escaped } else { format!("\"{escaped}\"") }
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

/// Writes the unit for this binary (with `--config PATH` if given), reloads systemd and, unless
/// `no_start`, enables and starts it.
pub fn install(config: Option<PathBuf>, no_start: bool) -> anyhow::Result<ExitCode> {
    let exe = std::env::current_exe().context("can't tell where this postured binary is")?;
    if let Some(why) = unstartable(&exe) {
        bail!("{why}: {}; move postured to a plainer path (e.g. ~/.local/bin)", exe.display());
    }
    let config = match config {
        Some(c) => {
            let c = std::path::absolute(&c).with_context(|| format!("can't find {}", c.display()))?;
            // A config the service can't start with would only stop it (exit status 78).
            crate::config::load(&crate::config::ConfigPath::Explicit(c.clone()))
                .map_err(|e| anyhow::anyhow!("not installed, the config has an error:\n{e}"))?;
            Some(c)
        }
        None => None,
    };
    let dir = unit_dir()?;
    std::fs::create_dir_all(&dir).with_context(|| format!("can't create {}", dir.display()))?;
    let path = dir.join(UNIT_NAME);
    let text = unit_text_with_config(&exe, config.as_deref());
    std::fs::write(&path, &text).with_context(|| format!("can't write {}", path.display()))?;
    let config_text = match &config {
        Some(c) => {
            Some(c.to_str().context("the config's path is not UTF-8 text, which a desktop entry needs")?)
        }
        None => None,
    };
    let data = directories::BaseDirs::new().context("can't find a home folder")?.data_dir().to_owned();
    let mut wrote = Vec::new();
    for (file, contents) in data_files(exe.to_str().unwrap_or_default(), config_text, false)? {
        let file = data.join(file);
        write_file(&file, &contents)?;
        wrote.push(file.display().to_string());
    }
    // Everything is done before anything is printed: a closed pipe must not stop it half-way.
    systemctl(&["daemon-reload"]).context("the unit file is written; reload systemd yourself")?;
    if !no_start {
        systemctl(&["enable", "--now", UNIT_NAME])?;
    }
    let exec = text.lines().find(|l| l.starts_with("ExecStart=")).unwrap_or_default();
    outln!("wrote {} ({exec})", path.display())?;
    outln!("wrote the desktop entry, man page and completions: {}", wrote.join(", "))?;
    if no_start {
        outln!("not started (--no-start): run `systemctl --user enable --now {UNIT_NAME}` when you want it")?;
    } else {
        outln!("enabled and started: it now starts with your graphical session. See `postured status`.")?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn uninstall() -> anyhow::Result<ExitCode> {
    let path = unit_dir()?.join(UNIT_NAME);
    let (data, files) = user_data_files()?;
    let mut removed = Vec::new();
    for file in files.into_iter().map(|f| data.join(f)) {
        match std::fs::remove_file(&file) {
            Ok(()) => removed.push(file.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("can't remove {}", file.display())),
        }
    }
    if !path.exists() {
        if !removed.is_empty() {
            outln!("removed {}", removed.join(", "))?;
        }
        outln!("{} is not installed; nothing else to do", path.display())?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Err(e) = systemctl(&["disable", "--now", UNIT_NAME]) {
        eprintln!("postured: {e:#}; removing the unit anyway");
    }
    std::fs::remove_file(&path).with_context(|| format!("can't remove {}", path.display()))?;
    systemctl(&["daemon-reload"])?;
    removed.insert(0, path.display().to_string());
    outln!("removed {}; your config and logged data are kept", removed.join(", "))?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_words_read_back_as_themselves() {
        use std::ffi::OsStr;
        use std::os::unix::ffi::OsStrExt;
        let word = |w: &str, at| exec_word(OsStr::new(w), at);
        assert_eq!(word("/usr/bin/postured", Word::Program), "/usr/bin/postured");
        assert_eq!(word("/a/100%/b", Word::Program), "/a/100%%/b");
        assert_eq!(word("/a/$HOME", Word::Program), "/a/$HOME");
        assert_eq!(word("/a/$HOME", Word::Argument), "/a/$$HOME");
        assert_eq!(word("/a b/\"c\"", Word::Argument), "\"/a b/\\\"c\\\"\"");
        assert_eq!(word("/a\\b'", Word::Argument), "\"/a\\\\b\\'\"");
        assert_eq!(word("/a\nb", Word::Argument), "\"/a\\x0ab\"");
        assert_eq!(word("", Word::Argument), "\"\"");
        assert_eq!(exec_word(OsStr::from_bytes(b"/a\xffb"), Word::Program), "\"/a\\xffb\"");
        let text = unit_text_with_config(Path::new("/bin/p"), Some(Path::new("/c/my config.toml")));
        assert!(text.contains("\nExecStart=/bin/p run --config \"/c/my config.toml\"\n"), "{text}");
    }

    #[test]
    fn exec_start_points_at_the_binary_and_the_rest_is_kept() {
        let text = unit_text(Path::new("/opt/my tools/postured"));
        assert!(text.contains("\nExecStart=\"/opt/my tools/postured\" run\n"), "{text}");
        assert!(text.contains("\nType=notify\n") && text.contains("\nWantedBy=graphical-session.target\n"));
        assert_eq!(text.matches("ExecStart=").count(), 1);
    }
}
