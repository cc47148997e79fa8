//! `postured forget`: deletes reports, reminders, care advice and breaks from before a date, after
//! asking (or with `--yes`), and wipes the freed space.

use super::out::outln;
use super::plan::parse_time;
use super::report::{open_store, zone_or_default};
use crate::adapters::clock;
use crate::adapters::store::Counts;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(config: Option<PathBuf>, before: &str, yes: bool) -> anyhow::Result<ExitCode> {
    let zone = zone_or_default(config);
    let at = parse_time(before, &zone, "--before")?;
    if at > clock::now() {
        anyhow::bail!("--before {before} is in the future: that would delete everything; use a past date");
    }
    let when = zone.format(at, "%Y-%m-%d %H:%M");
    let mut store = open_store()?;
    let found = store.count_before(at)?;
    if found.total() == 0 {
        outln!("Nothing is stored from before {when}; nothing deleted.")?;
        return Ok(ExitCode::SUCCESS);
    }
    if !yes {
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            eprintln!(
                "postured: not deleting anything: there is no terminal to ask on. To delete {} from before \
                 {when}, add --yes.",
                words(&found)
            );
            return Ok(ExitCode::FAILURE);
        }
        eprint!("Delete {} from before {when}? This cannot be undone. [y/N] ", words(&found));
        std::io::stderr().flush()?;
        let mut answer = String::new();
        stdin.lock().read_line(&mut answer)?;
        if !matches!(answer.trim().to_lowercase().as_str(), "y" | "yes") {
            outln!("Nothing deleted.")?;
            return Ok(ExitCode::FAILURE);
        }
    }
    let gone = store.forget_before(at)?;
    if !gone.wiped {
        eprintln!(
            "postured: deleted {}, but another program (postured run?) holds the database open, so the \
             deleted text is still in the file; it will be wiped the next time the store is opened",
            words(&gone.counts)
        );
        return Ok(ExitCode::FAILURE);
    }
    outln!("Deleted {} from before {when}.", words(&gone.counts))?;
    Ok(ExitCode::SUCCESS)
}

/// "3 reports, 1 reminder, 0 care notes and 2 breaks" (", 4 pops" before "and" when there are
/// any).
pub fn words(c: &Counts) -> String {
    let n = |count: usize, one: &str, many: &str| format!("{count} {}", if count == 1 { one } else { many });
    let pops = if c.pops > 0 { format!(", {}", n(c.pops, "pop", "pops")) } else { String::new() };
    format!(
        "{}, {}, {}{pops} and {}",
        n(c.reports, "report", "reports"),
        n(c.reminders, "reminder", "reminders"),
        n(c.advice, "care note", "care notes"),
        n(c.breaks, "break", "breaks")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_in_words() {
        let c = Counts { reports: 3, reminders: 1, advice: 0, breaks: 2, pops: 0 };
        assert_eq!(words(&c), "3 reports, 1 reminder, 0 care notes and 2 breaks");
        let c = Counts { pops: 1, ..c };
        assert_eq!(words(&c), "3 reports, 1 reminder, 0 care notes, 1 pop and 2 breaks");
    }
}
