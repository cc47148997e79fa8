//! `postured report`: reads the period's reports, reminders and care advice from the store,
//! summarises them with `core::summary` and hands them to one of the renderers below.

mod csv;
mod html;
mod json;
mod markdown;
mod text;

use crate::adapters::store::{AdviceRow, Report, Store};
use crate::adapters::{clock, paths};
use crate::cli::{ReportArgs, ReportFormat};
use crate::config::{self, ConfigPath};
use crate::core::care::{self, CareRules};
use crate::core::summary::{self, Adherence, AreaSummary};
use crate::core::zone::{Fold, next_day};
use crate::core::{Area, Finding, Zone};
use anyhow::Context;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
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
    /// Self-reported pops of the upper back per day with any, oldest first (none when the
    /// report keeps an area other than the upper back).
    pub pops: Vec<(NaiveDate, usize)>,
    /// What the care rules say now about the stored reports and pops (whatever was shown).
    pub findings: Vec<Finding>,
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
    super::output_file::check_first(args.output.as_deref())?;
    let (zone, rules) = settings_or_default(config);
    let store = open_store()?;
    let data = gather(&store, zone, &rules, clock::now(), args.days, args.area)?;
    let text = match args.format {
        ReportFormat::Text => text::render(&data),
        ReportFormat::Markdown => markdown::render(&data),
        ReportFormat::Csv => csv::render(&data),
        ReportFormat::Json => json::render(&data)?,
        ReportFormat::Html => html::render(&data),
    };
    let what =
        format!("the {} report ({} discomfort report(s))", format_name(args.format), data.reports.len());
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

/// The config's zone and care rules, or the system zone and default rules with a broken config.
fn settings_or_default(config: Option<PathBuf>) -> (Zone, CareRules) {
    match config::load(&ConfigPath::from_arg(config)) {
        Ok(s) => (s.rules.zone, s.care.rules),
        Err(e) => {
            eprintln!(
                "postured: the config has an error, using the system time zone and default care rules for now:\n{e}"
            );
            (Zone::System, CareRules::default())
        }
    }
}

pub fn open_store() -> anyhow::Result<Store> {
    let dir = paths::state_dir().context("can't find a home folder for the state directory")?;
    Store::open_to_read(&dir)
}

/// Reads and summarises the `days` days up to and including today (in `zone`).
pub fn gather(
    store: &Store,
    zone: Zone,
    rules: &CareRules,
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
    let mut pops: Vec<(NaiveDate, usize)> = Vec::new();
    if keep(Area::UpperBack) {
        for (_, at) in store.pops_since(since)? {
            let date = zone.date(at);
            match pops.last_mut() {
                _ if date > last => {}
                Some((d, n)) if *d == date => *n += 1,
                _ => pops.push((date, 1)),
            }
        }
    }
    // The rules look further back than the period.
    let history = store.logged_since(now - care::LOOKBACK)?;
    let recent_pops = store.pops_since(now - care::POP_WINDOW - chrono::Duration::days(1))?;
    let mut findings = care::assess(rules, &history, &zone, now);
    findings.extend(care::popping(&recent_pops, &zone, now));
    findings.retain(|f| {
        area.is_none_or(|want| {
            f.area == want || (f.area == Area::UpperBody && Area::UPPER_BODY.contains(&want))
        })
    });
    Ok(Data { zone, now, first, last, days, area, reports, areas, adherence, advice, pops, findings })
}

/// Writes to the named file (see `output_file` for where it may go) or to standard output.
pub fn write_output(path: Option<&Path>, bytes: &[u8], what: &str) -> anyhow::Result<()> {
    match path {
        None => super::out::bytes(bytes)?,
        Some(p) => {
            super::output_file::write(p, bytes)?;
            eprintln!("Wrote {what} to {} (readable by you only).", p.display());
        }
    }
    Ok(())
}

/// The stored reason of care advice in plain words.
pub fn reason_words(reason: &str) -> &str {
    match reason {
        "popping" => "a note on frequent popping",
        "severe" => "a severe report",
        "severe_repeat" => "severe again within a week",
        "episodes" => "it came back in separate episodes",
        "function" => "it gets in the way of sleep or everyday life",
        "numbness" => "numbness or tingling in the hands",
        "recurrence" => "it keeps coming back",
        "worsening" => "it is getting worse",
        "persistence" => "it has lasted a long time",
        "warning_today" => "a warning sign: see a doctor today",
        "warning_now" => "a warning sign: get urgent help",
        other => other,
    }
}

/// What the user did with a piece of care advice, in plain words. Advice only printed in the
/// terminal or given to another program had no buttons to answer.
pub fn advice_answer(a: &crate::adapters::store::AdviceRow) -> &str {
    if a.outcome.is_none() && !a.shown_in.split(',').any(|p| p == "notification") {
        return "none asked";
    }
    answer_words(a.outcome.as_deref())
}

fn answer_words(outcome: Option<&str>) -> &str {
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

/// Where advice was shown, from the stored `shown_in` ("terminal,notification").
pub fn places_words(shown_in: &str) -> String {
    let words: Vec<&str> = shown_in
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|p| match p {
            "notification" => "as a notification",
            "terminal" => "in the terminal",
            "dbus" => "to another program",
            other => other,
        })
        .collect();
    words.join(" and ")
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

/// The tables the document formats (Markdown, HTML) share, as plain unescaped text.
pub mod tables {
    use super::{Data, advice_answer, advice_area, capitalise, places_words, reason_words};

    pub const AREAS: [&str; 7] = [
        "Area",
        "Reports",
        "Days with reports",
        "Average (0–10)",
        "Worst (0–10)",
        "Trend",
        "Signs mentioned",
    ];
    pub const NOTES: [&str; 4] = ["When", "Area", "Strength", "Note"];
    pub const ADVICE: [&str; 5] = ["When", "Area", "Why", "Shown", "Answer"];
    pub const POPS: [&str; 2] = ["Day", "Pops"];
    pub const FINDINGS: [&str; 4] = ["Area", "Rule", "Why", "Since"];

    pub fn findings(d: &Data) -> Vec<Vec<String>> {
        d.findings
            .iter()
            .map(|f| {
                vec![
                    capitalise(f.area.words()),
                    capitalise(reason_words(f.reason.as_str())),
                    capitalise(&f.why),
                    d.zone.format(f.since, "%a %-d %b %Y"),
                ]
            })
            .collect()
    }

    pub fn pops(d: &Data) -> Vec<Vec<String>> {
        d.pops.iter().map(|(day, n)| vec![day.format("%a %-d %b %Y").to_string(), n.to_string()]).collect()
    }

    pub fn areas(d: &Data) -> Vec<Vec<String>> {
        d.areas
            .iter()
            .map(|a| {
                let signs = crate::core::symptom::list_words(&a.symptoms);
                vec![
                    capitalise(a.area.words()),
                    a.reports.to_string(),
                    a.days.to_string(),
                    format!("{:.1}", a.average),
                    a.max.to_string(),
                    a.trend.words().to_owned(),
                    if signs.is_empty() { "none".to_owned() } else { signs },
                ]
            })
            .collect()
    }

    pub fn notes(d: &Data) -> Vec<Vec<String>> {
        d.with_notes()
            .map(|r| {
                vec![
                    d.zone.format(r.at, "%a %-d %b %Y %H:%M"),
                    capitalise(r.area.words()),
                    format!("{}/10", r.severity),
                    r.note.clone().unwrap_or_default(),
                ]
            })
            .collect()
    }

    pub fn advice(d: &Data) -> Vec<Vec<String>> {
        d.advice
            .iter()
            .map(|a| {
                vec![
                    d.zone.format(a.at, "%a %-d %b %Y %H:%M"),
                    capitalise(&advice_area(&a.area)),
                    format!("{}: {}", capitalise(reason_words(&a.reason)), a.why),
                    capitalise(&places_words(&a.shown_in)),
                    capitalise(advice_answer(a)),
                ]
            })
            .collect()
    }
}

/// The period in words for documents: "3 May 2026 to 1 June 2026 (30 days)".
pub fn period_words(d: &Data) -> String {
    format!("{} to {} ({} day(s))", d.first.format("%-d %B %Y"), d.last.format("%-d %B %Y"), d.days)
}

/// When no rule holds.
pub const NO_FINDINGS: &str = "No rule points to seeing anyone now.";

/// Under the findings table of the document formats.
pub const FINDINGS_NOTE: &str = "What postured's care rules make of the reports as of the day this \
    summary was made, whether or not the advice was shown: product defaults built on general guidance, \
    not a screening test.";

/// Under the pops table of the document formats.
pub const POPS_NOTE: &str = "Times the person popped (cracked) their upper back themselves, as they logged \
    it. An occasional pop is common; a frequent urge often means stiffness that can be assessed.";

pub const NOT_ADVICE: &str = "This summary was written by the person it is about, with postured, a posture \
    reminder app. It is a personal record, not medical advice and not a diagnosis. Severity is their own \
    rating from 0 (none) to 10 (worst imaginable).";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_for_stored_names() {
        assert_eq!(reason_words("recurrence"), "it keeps coming back");
        assert_eq!(reason_words("episodes"), "it came back in separate episodes");
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
