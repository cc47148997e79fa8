//! `postured setup`: asks, once, about the conditions that rule out some moves
//! (`care.exclusions`) and writes the answers into the config file, keeping its comments and
//! other keys: only the `exclusions` line of `[care]` is written (added if missing).

use super::out::outln;
use crate::config::{self, ConfigPath, Source};
use crate::core::Exclusion;
use anyhow::{Context, bail};
use std::io::BufRead;
use std::path::Path;
use std::process::ExitCode;

pub fn run(path: Option<std::path::PathBuf>) -> anyhow::Result<ExitCode> {
    let which = ConfigPath::from_arg(path);
    let Some(file) = which.path().map(Path::to_owned) else {
        bail!("no config location: set --config PATH, or HOME or XDG_CONFIG_HOME");
    };
    outln!("A few questions, so postured never suggests a move that is not for you.")?;
    outln!("Answer y (yes) or n (no); press Enter to skip one, or r for \"I'd rather not say\".")?;
    outln!("The answers stay in {} and nowhere else.", file.display())?;
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let (mut have, mut answered) = (Vec::new(), false);
    for x in Exclusion::ALL {
        outln!("\n{} [y/n/Enter/r]", x.question())?;
        let answer = lines.next().transpose()?.unwrap_or_default().trim().to_lowercase();
        match answer.as_str() {
            "y" | "yes" => {
                have.push(x);
                answered = true;
            }
            "n" | "no" => answered = true,
            "r" => outln!("  I'd rather not say: skipped.")?,
            _ => outln!("  Skipped.")?,
        }
    }
    if !answered {
        outln!("\nNothing answered; {} is unchanged.", file.display())?;
        return Ok(ExitCode::SUCCESS);
    }
    let old = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("reading {}", file.display())),
    };
    let new = with_exclusions(&old, &have).map_err(|why| anyhow::anyhow!("{}: {why}", file.display()))?;
    // Check the whole file before writing it.
    let source = Source { path: file.clone(), text: new.clone() };
    config::from_sources(Some(source), file.parent(), |_| Ok(None)).map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let tmp = file.with_extension("toml.setup");
    std::fs::write(&tmp, &new).with_context(|| format!("writing {}", tmp.display()))?;
    if let Ok(meta) = std::fs::metadata(&file) {
        std::fs::set_permissions(&tmp, meta.permissions())?;
    }
    std::fs::rename(&tmp, &file).with_context(|| format!("replacing {}", file.display()))?;
    let said = if have.is_empty() {
        "none of these".to_owned()
    } else {
        have.iter().map(|x| x.words()).collect::<Vec<_>>().join(", ")
    };
    outln!("\nSaved ({said}) in {}.", file.display())?;
    outln!("Run `postured reload` if the daemon is running.")?;
    Ok(ExitCode::SUCCESS)
}

/// `text` with `care.exclusions` set to `have`: the key's line replaced (its comment kept), or
/// added right under `[care]`, or a `[care]` table added at the end.
pub fn with_exclusions(text: &str, have: &[Exclusion]) -> Result<String, String> {
    let names: Vec<String> = have.iter().map(|x| format!("\"{}\"", x.as_str())).collect();
    let value = format!("[{}]", names.join(", "));
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let is_table = |l: &str| l.trim_start().starts_with('[');
    let Some(care) = lines.iter().position(|l| l.trim().trim_end_matches(|c| c != ']').trim() == "[care]")
    else {
        let mut out = text.to_owned();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&format!("[care]\nexclusions = {value}\n"));
        return Ok(out);
    };
    let end = lines[care + 1..].iter().position(|l| is_table(l)).map_or(lines.len(), |i| care + 1 + i);
    let key = lines[care + 1..end].iter().position(|l| {
        l.trim_start().strip_prefix("exclusions").is_some_and(|rest| rest.trim_start().starts_with('='))
    });
    match key {
        Some(i) => {
            let line = &lines[care + 1 + i];
            let after = line.split_once('=').map(|(_, v)| v).unwrap_or_default();
            let Some(close) = after.find(']') else {
                return Err("`care.exclusions` spans several lines; edit it by hand".into());
            };
            let indent = &line[..line.len() - line.trim_start().len()];
            let rest = &after[close + 1..];
            lines[care + 1 + i] = format!("{indent}exclusions = {value}{rest}");
        }
        None => lines.insert(care + 1, format!("exclusions = {value}")),
    }
    let mut out = lines.join("\n");
    if text.ends_with('\n') || text.is_empty() {
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exclusions_line_changes() {
        let x = [Exclusion::Osteoporosis];
        assert_eq!(with_exclusions("", &x).unwrap(), "[care]\nexclusions = [\"osteoporosis\"]\n");
        assert_eq!(
            with_exclusions("a = 1 # one", &x).unwrap(),
            "a = 1 # one\n\n[care]\nexclusions = [\"osteoporosis\"]\n"
        );
        let text = "[care] # mine\nlink = \"\"\n  exclusions = [] # set by setup\n[limits]\nexclusions = 1\n";
        assert_eq!(
            with_exclusions(text, &x).unwrap(),
            "[care] # mine\nlink = \"\"\n  exclusions = [\"osteoporosis\"] # set by setup\n[limits]\nexclusions = 1\n"
        );
        assert_eq!(
            with_exclusions("[care]\nlink = \"\"\n", &[]).unwrap(),
            "[care]\nexclusions = []\nlink = \"\"\n"
        );
        assert!(with_exclusions("[care]\nexclusions = [\n\"eds\"]\n", &x).is_err());
    }
}
