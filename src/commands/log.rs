//! `postured log`: a discomfort report, through the daemon when it runs (one writer), straight
//! into the store when it does not. Either way it is committed before we say "logged", and any
//! care advice it calls for is printed.

use super::ctl::{connect, run_async, said};
use super::out::outln;
use super::plan::parse_time;
use crate::adapters::store::{Given, NewReport, Store};
use crate::adapters::{clock, paths};
use crate::config::{self, ConfigPath};
use crate::core::care::{self, CareRules};
use crate::core::{Area, Finding, ShownIn, Symptom, Zone, advice};
use anyhow::{Context, anyhow, bail};
use chrono::{DateTime, Duration, Utc};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

const MAX_NOTE: usize = 1000;
/// How far back a report may be dated: enough for "I forgot yesterday", and for last week.
const MAX_BACKDATE: Duration = Duration::days(366);
/// Clocks of two processes may differ a little; a report "now" is never refused as future.
const CLOCK_SLACK: Duration = Duration::seconds(60);

/// The one check every note goes through, from the command line and from D-Bus alike. An
/// empty note is no note; a very long one is a mistake (or a paste gone wrong). Tabs and line
/// breaks are kept (Windows line ends become `\n`); any other control character is refused,
/// since notes end up in terminals, CSV and HTML, where ESC, BEL or NUL do harm or hide text.
pub fn check_note(note: &str) -> Result<Option<String>, String> {
    let note = note.replace("\r\n", "\n");
    if let Some((at, c)) = note.chars().enumerate().find(|(_, c)| c.is_control() && !matches!(c, '\t' | '\n'))
    {
        return Err(format!(
            "the note has a control character, {} at character {}; only tabs and line breaks are allowed",
            control_name(c),
            at + 1
        ));
    }
    let note = note.trim();
    match note.chars().count() {
        0 => Ok(None),
        n if n > MAX_NOTE => Err(format!("the note is {n} characters; at most {MAX_NOTE} are kept")),
        _ => Ok(Some(note.to_owned())),
    }
}

/// "ESC (U+001B)" for the control characters people meet, "U+0085" for the rest.
fn control_name(c: char) -> String {
    let name = match c {
        '\0' => "NUL",
        '\x07' => "BEL",
        '\x08' => "BS",
        '\r' => "CR",
        '\x1b' => "ESC",
        '\x7f' => "DEL",
        _ => return format!("U+{:04X}", u32::from(c)),
    };
    format!("{name} (U+{:04X})", u32::from(c))
}

const NOT_LOGGED: &str = "the report was not logged";

/// `--note -` reads the note from standard input; past this many bytes it is refused unread.
const MAX_NOTE_BYTES: usize = 4 * MAX_NOTE;

fn read_note(input: impl Read) -> anyhow::Result<String> {
    let mut bytes = Vec::new();
    input
        .take(MAX_NOTE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .context("can't read the note from standard input")?;
    if bytes.len() > MAX_NOTE_BYTES {
        bail!(
            "the note on standard input is over {MAX_NOTE_BYTES} bytes; at most {MAX_NOTE} characters are kept"
        );
    }
    String::from_utf8(bytes).map_err(|_| anyhow!("the note on standard input is not UTF-8 text"))
}

/// A backdated report's time: not in the future, not more than a year back.
pub fn check_at(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let at = at.ok_or("that time is out of range")?;
    if at > now + CLOCK_SLACK {
        return Err("--at is in the future; a report can only be dated now or earlier".into());
    }
    if now - at > MAX_BACKDATE {
        return Err("--at is more than a year ago; reports can be backdated by up to a year".into());
    }
    // Within the slack it is "now": a report from the future would be invisible until then.
    Ok(at.min(now))
}

/// What `postured log` was asked to store.
pub struct LogArgs {
    pub area: Area,
    pub severity: u8,
    pub symptoms: Vec<Symptom>,
    pub note: Option<String>,
    pub at: Option<String>,
}

/// The care rules and zone from the config; a broken one must not lose a report.
fn rules_and_zone(config: Option<PathBuf>) -> (CareRules, Zone) {
    match config::load(&ConfigPath::from_arg(config)) {
        Ok(s) => (s.care.rules, s.rules.zone),
        Err(e) => {
            eprintln!("postured: the config has an error, using default care rules for now:\n{e}");
            (CareRules::default(), Zone::System)
        }
    }
}

/// `postured log --popped [--at TIME]`: a self-reported pop of the upper back, through the
/// daemon when it runs, straight into the store when not; the popping note if it is due.
pub fn run_pop(config: Option<PathBuf>, at: Option<String>) -> anyhow::Result<ExitCode> {
    let (rules, zone) = rules_and_zone(config);
    let now = clock::now();
    let at = read_at(at.as_deref(), &zone, now)?;
    let via_daemon = run_async(async {
        match connect().await {
            Ok(Some(d)) => match d.log_pop("cli", at.timestamp()).await {
                // A daemon from before `LogPop`: the store takes the pop directly.
                Err(e) if unknown_method(&e) => Ok(None),
                other => other.map(Some).map_err(said),
            },
            Ok(None) | Err(_) => Ok(None),
        }
    })?;
    let (id, advice) = match via_daemon {
        Some(answer) => answer,
        None => {
            let store = open_store()?;
            let id = store.log_pop(at, now, "cli").with_context(|| {
                format!("the pop was not logged: can't store it in {}", store.path().display())
            })?;
            let pops = store.pops_since(now - care::POP_WINDOW - Duration::days(1))?;
            let mine: Vec<Finding> = care::popping(&pops, &zone, now).into_iter().collect();
            (id, give(&store, &rules, &mine, now)?)
        }
    };
    said_logged(&format!("a pop of the upper back{} (pop {id})", when(at, now, &zone)), &advice)
}

/// `--at`, read in the config's zone and checked (not in the future, not too far back).
fn read_at(text: Option<&str>, zone: &Zone, now: DateTime<Utc>) -> anyhow::Result<DateTime<Utc>> {
    match text {
        Some(text) => check_at(Some(parse_time(text, zone, "--at")?), now).map_err(anyhow::Error::msg),
        None => Ok(now),
    }
}

/// " at Mon 2026-06-01 09:30" for a backdated entry, nothing for one logged now.
fn when(at: DateTime<Utc>, now: DateTime<Utc>, zone: &Zone) -> String {
    if at == now { String::new() } else { format!(" at {}", zone.format(at, "%a %Y-%m-%d %H:%M")) }
}

/// "Logged ..." and then the care advice it brings, each as the terminal shows it.
fn said_logged(what: &str, advice: &[(String, String)]) -> anyhow::Result<ExitCode> {
    outln!("Logged {what}.")?;
    for (summary, body) in advice {
        outln!("\n{summary}\n{body}")?;
    }
    Ok(ExitCode::SUCCESS)
}

fn open_store() -> anyhow::Result<Store> {
    let dir = paths::state_dir().context("can't find a home folder for the state directory")?;
    let opened = Store::open(&dir).context(NOT_LOGGED)?;
    if let Some(w) = opened.warning() {
        eprintln!("postured: {w}");
    }
    Ok(opened.store)
}

pub fn run(config: Option<PathBuf>, args: LogArgs) -> anyhow::Result<ExitCode> {
    let (rules, zone) = rules_and_zone(config);
    let note_text = match args.note.as_deref() {
        Some("-") => read_note(std::io::stdin().lock())?,
        other => other.unwrap_or_default().to_owned(),
    };
    let note = check_note(&note_text).map_err(anyhow::Error::msg)?;
    let now = clock::now();
    let at = read_at(args.at.as_deref(), &zone, now)?;
    let mut symptoms = args.symptoms.clone();
    symptoms.sort();
    symptoms.dedup();
    let names: Vec<&str> = symptoms.iter().map(|s| s.as_str()).collect();
    let via_daemon = run_async(async {
        match connect().await {
            Ok(Some(d)) => {
                let (area, severity, note) = (args.area.as_str(), u32::from(args.severity), note.as_deref());
                let note = note.unwrap_or("");
                match d.log_from("cli", area, severity, &names, note, at.timestamp()).await {
                    // A daemon from before `LogFrom`.
                    Err(e) if unknown_method(&e) => d.log(area, severity, &names, note, at.timestamp()).await,
                    other => other,
                }
                .map(Some)
                .map_err(said)
            }
            // No daemon, or no bus at all: write the store ourselves.
            Ok(None) | Err(_) => Ok(None),
        }
    })?;
    let (id, advice) = match via_daemon {
        Some(answer) => answer,
        None => {
            let store = open_store()?;
            let report = NewReport {
                at,
                area: args.area,
                severity: args.severity,
                symptoms: &symptoms,
                note: note.as_deref(),
                source: "cli",
            };
            let id = store
                .log_discomfort(&report, now)
                .with_context(|| format!("{NOT_LOGGED}: can't store it in {}", store.path().display()))?;
            (id, give_advice(&store, &rules, &zone, id, now)?)
        }
    };
    let what = format!("{} discomfort, {}/10", args.area.modifier(), args.severity);
    said_logged(&format!("{what}{} (report {id})", when(at, now, &zone)), &advice)
}

fn unknown_method(e: &zbus::Error) -> bool {
    match e {
        zbus::Error::MethodError(name, ..) => name.as_str() == "org.freedesktop.DBus.Error.UnknownMethod",
        zbus::Error::FDO(fdo) => matches!(**fdo, zbus::fdo::Error::UnknownMethod(_)),
        _ => false,
    }
}

/// The advice report `id` calls for, printed here since no daemon runs: under the same limits
/// as the daemon's (routine advice not again within `repeat_after` unless stronger, quiet
/// while booked or "later"), stored as shown in the terminal, and remembered in the saved care
/// state so that the daemon neither shows it again nor repeats it too soon. A report that
/// can't be stored with its advice is still logged; the advice is then printed anyway.
fn give_advice(
    store: &Store,
    rules: &CareRules,
    zone: &Zone,
    id: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<(String, String)>> {
    let reports = store.logged_since(now - care::LOOKBACK)?;
    let findings = care::assess(rules, &reports, zone, now);
    let Some(report) = reports.iter().find(|r| r.id == id) else { return Ok(Vec::new()) };
    give(store, rules, &care::for_report(&findings, report), now)
}

/// Gives the findings that are due under the limits: stored as shown in the terminal, and
/// remembered in the saved care state.
fn give(
    store: &Store,
    rules: &CareRules,
    mine: &[Finding],
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<(String, String)>> {
    let mut due = Vec::new();
    let texts: Vec<(Finding, (String, String))> = {
        let state = store.load_planner_state()?.unwrap_or_default();
        let mut care = state.care;
        care.prune(now);
        due.extend(care.due(rules, mine, now));
        due.iter().map(|f| (f.clone(), advice::text(f))).collect()
    };
    if texts.is_empty() {
        return Ok(Vec::new());
    }
    let given: Vec<Given<'_>> = texts
        .iter()
        .map(|(finding, (summary, body))| Given { finding, summary, body, shown_in: ShownIn::Terminal })
        .collect();
    let stored = store.give_advice(now, &given, |state| {
        state.care.prune(now);
        for f in &due {
            state.care.gave(f, now);
        }
    });
    if let Err(e) = stored {
        eprintln!("postured: can't store the care advice below, so it may be given again: {e:#}");
    }
    Ok(texts.into_iter().map(|(_, text)| text).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_keep_tabs_and_newlines_and_refuse_other_control_characters() {
        assert_eq!(check_note("  after a call\n\tand lunch  "), Ok(Some("after a call\n\tand lunch".into())));
        assert_eq!(check_note("line one\r\nline two"), Ok(Some("line one\nline two".into())));
        assert_eq!(check_note(" \n "), Ok(None));
        let refused = [
            ("a\0b", "NUL (U+0000) at character 2"),
            ("red \x1b[31m", "ESC (U+001B) at character 5"),
            ("\x07ding", "BEL (U+0007) at character 1"),
            ("over\rwrite", "CR (U+000D) at character 5"),
            ("x\x7f", "DEL (U+007F) at character 2"),
            ("é\u{85}", "U+0085 at character 2"),
            ("\u{9b}31m", "U+009B at character 1"),
            ("form\x0cfeed", "U+000C at character 5"),
        ];
        for (note, said) in refused {
            let e = check_note(note).unwrap_err();
            assert!(e.starts_with("the note has a control character, "), "{note:?}: {e}");
            assert!(e.contains(said), "{note:?}: {e} should say {said}");
        }
        assert!(check_note(&"x".repeat(1001)).unwrap_err().contains("1001 characters"));
    }
}
