//! `postured report`: reads the period's reports, reminders and care advice from the store,
//! summarises them with `core::summary` and hands them to one of the renderers below.

mod text;

use crate::adapters::store::{AdviceRow, Report, Store};
use crate::adapters::{clock, paths};
use crate::cli::{ReportArgs, ReportFormat};
use crate::config::{self, ConfigPath};
use crate::core::summary::{self, Adherence, AreaSummary};
use crate::core::zone::{Fold, next_day};
use crate::core::{Area, Zone};
use anyhow::Context;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Everything a renderer shows, already filtered to the period (and area, if one was asked for).
pub struct Data {
    pub zone: Zone,
    pub now: DateTime<Utc>,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub days: u32,
    pub area: Option<Area>,
    pub reports: Vec<Report>,
    pub areas: Vec<AreaSummary>,
    pub adherence: Adherence,
    pub advice: Vec<AdviceRow>,
}

impl Data {
    /// The dates from `first` to `last`, one per entry of `AreaSummary::daily`.
    pub fn dates(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        std::iter::successors(Some(self.first), |d| Some(next_day(*d)).filter(|n| *n > *d))
            .take_while(|d| *d <= self.last)
    }

    pub fn with_notes(&self) -> impl Iterator<Item = &Report> {
        self.reports.iter().filter(|r| r.note.is_some())
    }
}

pub fn run(config: Option<PathBuf>, args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let zone = zone_or_default(config);
    let store = open_store()?;
    let data = gather(&store, zone, clock::now(), args.days, args.area)?;
    let text = match args.format {
        ReportFormat::Text => text::render(&data),
        other => anyhow::bail!("the {} format is not available yet", format_name(other)),
    };
    let what =
        format!("a {} report of {} discomfort report(s)", format_name(args.format), data.reports.len());
    write_output(args.output.as_deref(), text.as_bytes(), &what)?;
    Ok(ExitCode::SUCCESS)
}

fn format_name(f: ReportFormat) -> &'static str {
    match f {
        ReportFormat::Text => "text",
        ReportFormat::Markdown => "Markdown",
        ReportFormat::Csv => "CSV",
        ReportFormat::Json => "JSON",
        ReportFormat::Html => "HTML",
    }
}

/// The config's zone; a broken config must not stop anyone from seeing or managing their data.
pub fn zone_or_default(config: Option<PathBuf>) -> Zone {
    match config::load(&ConfigPath::from_arg(config)) {
        Ok(s) => s.rules.zone,
        Err(e) => {
            eprintln!("postured: the config has an error, using the system time zone for now:\n{e}");
            Zone::System
        }
    }
}

pub fn open_store() -> anyhow::Result<Store> {
    let dir = paths::state_dir().context("can't find a home folder for the state directory")?;
    Store::open(&dir)
}

/// Reads and summarises the `days` days up to and including today (in `zone`).
pub fn gather(
    store: &Store,
    zone: Zone,
    now: DateTime<Utc>,
    days: u32,
    area: Option<Area>,
) -> anyhow::Result<Data> {
    let last = zone.date(now);
    let first = last - chrono::Duration::days(i64::from(days.max(1)) - 1);
    let since = zone.instant_at(first, NaiveTime::MIN, Fold::Earlier);
    let keep = |a: Area| area.is_none_or(|want| want == a);
    let reports: Vec<Report> =
        store.reports_since(since)?.into_iter().filter(|r| keep(r.area) && zone.date(r.at) <= last).collect();
    let logged: Vec<_> = reports.iter().map(Report::logged).collect();
    let areas = summary::summarise(&logged, &zone, first, last);
    let shown = store.shown_since(since)?;
    let adherence = summary::adherence(shown.iter().map(|s| s.outcome.as_deref()));
    let advice = store
        .advice_since(since)?
        .into_iter()
        .filter(|a| a.area.parse::<Area>().map_or(area.is_none(), keep))
        .collect();
    Ok(Data { zone, now, first, last, days, area, reports, areas, adherence, advice })
}

/// Writes to the named file (created 0600: this is health data) or to standard output.
pub fn write_output(path: Option<&Path>, bytes: &[u8], what: &str) -> anyhow::Result<()> {
    match path {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)?;
            out.flush()?;
        }
        Some(p) => {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(p)
                .with_context(|| format!("can't write {}", p.display()))?;
            // An existing file keeps its mode on open: make it private too.
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
            file.write_all(bytes)?;
            file.sync_all()?;
            eprintln!("Wrote {what} to {} (readable by you only).", p.display());
        }
    }
    Ok(())
}

/// The stored reason of care advice in plain words.
pub fn reason_words(reason: &str) -> &str {
    match reason {
        "severe" => "a severe report",
        "recurrence" => "it keeps coming back",
        "worsening" => "it is getting worse",
        "persistence" => "it has lasted a long time",
        "warning_today" => "a warning sign: see a doctor today",
        "warning_now" => "a warning sign: get urgent help",
        other => other,
    }
}

/// What the user did with a piece of care advice, in plain words.
pub fn answer_words(outcome: Option<&str>) -> &str {
    match outcome {
        None => "no answer yet",
        Some("booked") => "booked or saw someone",
        Some("later") => "asked to be reminded later",
        Some("opened") => "opened the care link",
        Some("seen") => "seen",
        Some("closed") => "closed it",
        Some("expired") => "no answer",
        Some(other) => other,
    }
}

/// "neck discomfort logged…" → "Neck discomfort logged…".
pub fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The area of stored care advice in plain words ("upper back"), or as stored if unknown.
pub fn advice_area(area: &str) -> String {
    area.parse::<Area>().map_or_else(|_| area.to_owned(), |a| a.words().to_owned())
}

/// Reminder answers in one sentence, shared by the text and document formats.
pub fn adherence_words(a: &Adherence) -> String {
    if a.shown == 0 {
        return "No reminders were shown in this period.".to_owned();
    }
    let share = a.engaged_percent().map_or(String::new(), |p| format!(" ({p}% of those answered)"));
    format!(
        "{} reminder(s) shown: {} done or answered with a discomfort log{share}, {} snoozed, {} skipped, \
         {} ignored (dismissed or left to close by themselves), {} without an answer.",
        a.shown,
        a.engaged(),
        a.snoozed,
        a.skipped,
        a.ignored,
        a.unanswered
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_for_stored_names() {
        assert_eq!(reason_words("recurrence"), "it keeps coming back");
        assert_eq!(reason_words("from-the-future"), "from-the-future");
        assert_eq!(answer_words(Some("booked")), "booked or saw someone");
        assert_eq!(answer_words(None), "no answer yet");
        assert_eq!(capitalise("upper back discomfort"), "Upper back discomfort");
        assert_eq!(capitalise(""), "");
        assert_eq!(advice_area("upper-back"), "upper back");
        let a = summary::adherence([Some("done"), Some("expired"), None]);
        assert_eq!(
            adherence_words(&a),
            "3 reminder(s) shown: 1 done or answered with a discomfort log (50% of those answered), \
             0 snoozed, 0 skipped, 1 ignored (dismissed or left to close by themselves), 1 without an answer."
        );
    }
}
