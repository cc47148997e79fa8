//! `postured plan`: a dry run of the planner over simulated days, as text or JSON lines, with
//! the care advice the stored discomfort reports would bring.

use crate::adapters::store::{self, Store};
use crate::adapters::{clock, paths};
use crate::cli::PlanArgs;
use crate::config::{self, ConfigPath};
use crate::core::care::{self, Logged};
use crate::core::engine::{Engine, Planned, simulate};
use crate::core::zone::Fold;
use crate::core::{PlannerState, Zone};
use anyhow::anyhow;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// One line of `plan --json`. Field names are part of the interface: see the README.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PlanLine<'a> {
    Reminder { at: String, kind: &'a str, entry: Option<&'a str>, title: &'a RawValue, body: &'a RawValue },
    Held { at: String, kind: &'a str, reason: &'a str, until: String, dropped: bool },
    Care { at: String, area: &'a str, reason: &'a str, why: &'a str, title: &'a str, body: &'a str },
}

pub fn run(config: Option<PathBuf>, args: &PlanArgs) -> anyhow::Result<ExitCode> {
    let settings = config::load(&ConfigPath::from_arg(config)).map_err(|e| anyhow!("{e}"))?;
    let zone = settings.rules.zone;
    let from = match &args.from {
        Some(text) => parse_time(text, &zone, "--from")?,
        None => clock::now(),
    };
    let span = chrono::Duration::days(i64::from(args.days));
    // The daemon's own engine, from the stored state and reports if there are any (today's
    // counts, a pause, quieted advice): plan never creates the store.
    let (mut state, reports, pops) = stored(from)?;
    // What a running daemon has on screen is not the plan's to close.
    state.on_screen.clear();
    let mut engine = Engine::new(crate::daemon::engine_settings(&settings), state, reports, (0, 0))
        .with_pops(pops)
        .dry_run();
    let items = simulate(&mut engine, from, span);

    let mut out = BufWriter::new(super::out::Stdout);
    if args.json {
        let texts = Escaped::of(&items);
        for item in &items {
            serde_json::to_writer(&mut out, &line(item, &zone, &texts))?;
            out.write_all(b"\n")?;
        }
    } else {
        write_text(&mut out, &items, &zone, from, args.days)?;
        for w in &settings.warnings {
            writeln!(out, "warning: {w}")?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

type Stored = (PlannerState, Vec<Logged>, Vec<(i64, DateTime<Utc>)>);

fn stored(from: DateTime<Utc>) -> anyhow::Result<Stored> {
    let Some(dir) = paths::state_dir().filter(|d| d.join(store::FILE_NAME).exists()) else {
        return Ok((PlannerState::default(), Vec::new(), Vec::new()));
    };
    let store = Store::open_to_read(&dir)?;
    let state = store.load_planner_state()?.unwrap_or_default();
    let since = from - care::LOOKBACK;
    Ok((state, store.logged_since(since)?, store.pops_since(since)?))
}

/// The reminders' titles and bodies as JSON strings, each distinct text escaped once: a year's
/// plan repeats the same few catalogue texts thousands of times, and escaping them again for
/// every line was a good part of writing it.
pub struct Escaped<'a>(BTreeMap<&'a str, Box<RawValue>>);

impl<'a> Escaped<'a> {
    pub fn of(items: &'a [Planned]) -> Escaped<'a> {
        let mut texts = BTreeMap::new();
        for item in items {
            if let Planned::Reminder(r) = item {
                for text in [&r.title, &r.body] {
                    texts.entry(text.as_str()).or_insert_with(|| {
                        serde_json::value::to_raw_value(text).expect("a string always serializes")
                    });
                }
            }
        }
        Escaped(texts)
    }

    fn get(&self, text: &str) -> &RawValue {
        &self.0[text]
    }
}

/// The line for `item`; `texts` must come from the items `item` is one of.
pub fn line<'a>(item: &'a Planned, zone: &Zone, texts: &'a Escaped) -> PlanLine<'a> {
    match item {
        Planned::Reminder(r) => PlanLine::Reminder {
            at: zone.rfc3339(r.at),
            kind: r.kind.as_str(),
            entry: r.entry.as_deref(),
            title: texts.get(&r.title),
            body: texts.get(&r.body),
        },
        Planned::Held { at, kind, reason, until, dropped } => PlanLine::Held {
            at: zone.rfc3339(*at),
            kind: kind.as_str(),
            reason: reason.as_str(),
            until: zone.rfc3339(*until),
            dropped: *dropped,
        },
        Planned::Care { at, finding, title, body } => PlanLine::Care {
            at: zone.rfc3339(*at),
            area: finding.area.as_str(),
            reason: finding.reason.as_str(),
            why: &finding.why,
            title,
            body,
        },
    }
}

fn write_text(
    out: &mut impl Write,
    items: &[Planned],
    zone: &Zone,
    from: DateTime<Utc>,
    days: u32,
) -> std::io::Result<()> {
    writeln!(
        out,
        "Plan for {days} day(s) from {} ({})",
        zone.format(from, "%a %Y-%m-%d %H:%M"),
        zone.name()
    )?;
    let mut day = None;
    let (mut fired, mut held, mut cared) = (0, 0, 0);
    for item in items {
        let at = item.at();
        let date = zone.date(at);
        if day != Some(date) {
            writeln!(out, "\n{}", zone.format(at, "%A %Y-%m-%d"))?;
            day = Some(date);
        }
        let time = zone.format(at, "%H:%M");
        match item {
            Planned::Care { title, finding, .. } => {
                cared += 1;
                writeln!(out, "  {time}  {:<9} {} ({})", "care", title, finding.why)?;
            }
            Planned::Reminder(r) => {
                fired += 1;
                writeln!(out, "  {time}  {:<9} {}", r.kind.as_str(), r.title)?;
                for l in r.body.lines() {
                    writeln!(out, "                   {l}")?;
                }
            }
            Planned::Held { kind, reason, until, dropped, .. } => {
                held += 1;
                let until_text = if zone.date(*until) == date {
                    zone.format(*until, "%H:%M")
                } else {
                    zone.format(*until, "%a %H:%M")
                };
                let then =
                    if *dropped { "skipped for the rest of this working period" } else { "then tried again" };
                writeln!(
                    out,
                    "  {time}  {:<9} held: {} ({reason}) until {until_text}; {then}",
                    kind.as_str(),
                    reason.words()
                )?;
            }
        }
    }
    let care = if cared > 0 { format!(", {cared} care advice") } else { String::new() };
    writeln!(out, "\n{fired} reminder(s), {held} held back{care}.")
}

/// Something the user typed, for an error message: escaped (so control characters don't act on
/// the terminal) and cut short, so the message stays one readable line.
pub fn quoted(text: &str) -> String {
    const SHOWN: usize = 40;
    let mut shown: String = text.chars().take(SHOWN).flat_map(char::escape_debug).collect();
    if text.chars().nth(SHOWN).is_some() {
        shown.push('…');
    }
    shown
}

/// A time option (`--from`, `--at`, `--before`): an RFC 3339 instant, or a local date-time or
/// date read in the config's zone.
pub fn parse_time(text: &str, zone: &Zone, option: &str) -> anyhow::Result<DateTime<Utc>> {
    let t = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(d.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(t, fmt) {
            return Ok(zone.instant(n, Fold::Earlier));
        }
    }
    // chrono's reason ("input contains invalid characters") helps no one: say what fits.
    let date = NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| {
        anyhow::anyhow!(
            "{option} \"{}\" is not a time: write a date and time like 2026-03-29T08:00, a date like \
             2026-03-29, or a time with its offset like 2026-03-29T08:00:00+02:00",
            quoted(text)
        )
    })?;
    Ok(zone.instant(date.and_time(chrono::NaiveTime::MIN), Fold::Earlier))
}
