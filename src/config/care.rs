//! The `[care]` section: thresholds of the care rules, their limits, and an optional care link
//! (a clinic's site or booking page) for the "Open" button.

use super::error::ConfigError;
use super::fields::{At, Doc};
use super::raw::{Int, List, Str};
use crate::core::{CareRules, Exclusion};
use serde::Deserialize;
use std::path::Path;
use std::time::Duration;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCare {
    pub counts_from: Option<Int>,
    pub recurrence_days: Option<Int>,
    pub recurrence_window: Option<Str>,
    pub persistence: Option<Str>,
    pub worsening_step: Option<Int>,
    pub worsening_window: Option<Str>,
    pub severe: Option<Int>,
    pub repeat_after: Option<Str>,
    pub booked_quiet: Option<Str>,
    pub remind_later: Option<Str>,
    pub warning_pause: Option<Str>,
    pub episodes: Option<Int>,
    pub link: Option<Str>,
    pub exclusions: Option<List>,
}

/// The care rules with the optional link, as the program runs with them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Care {
    pub rules: CareRules,
    pub link: Option<String>,
}

/// One file's `[care]` values with their places; the user's laid over the default's.
#[derive(Default)]
pub struct CarePart {
    counts_from: Option<At<u32>>,
    recurrence_days: Option<At<u32>>,
    recurrence_window: Option<At<Duration>>,
    persistence: Option<At<Duration>>,
    worsening_step: Option<At<u32>>,
    worsening_window: Option<At<Duration>>,
    severe: Option<At<u32>>,
    repeat_after: Option<At<Duration>>,
    booked_quiet: Option<At<Duration>>,
    remind_later: Option<At<Duration>>,
    warning_pause: Option<At<Duration>>,
    episodes: Option<At<u32>>,
    link: Option<At<String>>,
    exclusions: Option<At<Vec<Exclusion>>>,
}

const SEC: Duration = Duration::from_secs(1);
const fn days(d: u64) -> Duration {
    Duration::from_secs(d * 86_400)
}

/// `care.exclusions`: names from the naming table, each once.
fn read_exclusions(doc: &Doc, raw: &Option<List>) -> Result<Option<At<Vec<Exclusion>>>, ConfigError> {
    let Some(list) = raw else { return Ok(None) };
    let mut out = Vec::new();
    for item in list.get_ref() {
        let x: Exclusion = item
            .get_ref()
            .parse()
            .map_err(|why: String| doc.error(item.span(), format!("`care.exclusions`: {why}")))?;
        if !out.contains(&x) {
            out.push(x);
        }
    }
    Ok(Some(doc.at(out, list.span())))
}

impl CarePart {
    pub fn read(doc: &Doc, raw: &RawCare) -> Result<CarePart, ConfigError> {
        let link = match &raw.link {
            Some(l) if l.get_ref().trim().is_empty() => None,
            Some(l) => {
                let text = l.get_ref().trim();
                let scheme_ok = ["https://", "http://"].iter().any(|s| text.starts_with(s));
                if !scheme_ok || text.len() > 2000 || text.chars().any(char::is_whitespace) {
                    return Err(doc.error(
                        l.span(),
                        "`care.link` must be an http:// or https:// address without spaces, e.g. \"https://clinic.example/book\"",
                    ));
                }
                doc.string(&Some(l.clone()))
            }
            None => None,
        };
        Ok(CarePart {
            counts_from: doc.int(&raw.counts_from, "care.counts_from", 1, 5)?,
            recurrence_days: doc.int(&raw.recurrence_days, "care.recurrence_days", 2, 30)?,
            recurrence_window: doc.duration(
                &raw.recurrence_window,
                "care.recurrence_window",
                SEC,
                days(90),
            )?,
            persistence: doc.duration(&raw.persistence, "care.persistence", SEC, days(180))?,
            worsening_step: doc.int(&raw.worsening_step, "care.worsening_step", 1, 5)?,
            worsening_window: doc.duration(&raw.worsening_window, "care.worsening_window", SEC, days(90))?,
            severe: doc.int(&raw.severe, "care.severe", 5, 10)?,
            repeat_after: doc.duration(&raw.repeat_after, "care.repeat_after", SEC, days(90))?,
            booked_quiet: doc.duration(&raw.booked_quiet, "care.booked_quiet", SEC, days(180))?,
            remind_later: doc.duration(&raw.remind_later, "care.remind_later", SEC, days(30))?,
            warning_pause: doc.duration(&raw.warning_pause, "care.warning_pause", SEC, days(30))?,
            episodes: doc.int(&raw.episodes, "care.episodes", 2, 10)?,
            link,
            exclusions: read_exclusions(doc, &raw.exclusions)?,
        })
    }

    pub fn overlay(&mut self, top: CarePart) {
        super::fields::overlay_keys!(
            self, top;
            counts_from,
            recurrence_days,
            recurrence_window,
            persistence,
            worsening_step,
            worsening_window,
            severe,
            repeat_after,
            booked_quiet,
            remind_later,
            warning_pause,
            episodes,
            link,
            exclusions
        );
    }

    pub fn finish(self, user: &Path) -> Result<Care, ConfigError> {
        fn get<T: Clone>(v: &Option<At<T>>, user: &Path, key: &str) -> Result<T, ConfigError> {
            v.as_ref()
                .map(|a| a.value.clone())
                .ok_or_else(|| ConfigError::file(user, format!("`{key}` is missing")))
        }
        let span = |d: Duration| chrono::Duration::from_std(d).unwrap_or_default();
        let small = |v: u32| u8::try_from(v).unwrap_or(u8::MAX);
        let rules = CareRules {
            counts_from: small(get(&self.counts_from, user, "care.counts_from")?),
            recurrence_days: get(&self.recurrence_days, user, "care.recurrence_days")?,
            recurrence_window: span(get(&self.recurrence_window, user, "care.recurrence_window")?),
            persistence: span(get(&self.persistence, user, "care.persistence")?),
            worsening_step: small(get(&self.worsening_step, user, "care.worsening_step")?),
            worsening_window: span(get(&self.worsening_window, user, "care.worsening_window")?),
            severe: small(get(&self.severe, user, "care.severe")?),
            repeat_after: span(get(&self.repeat_after, user, "care.repeat_after")?),
            booked_quiet: span(get(&self.booked_quiet, user, "care.booked_quiet")?),
            remind_later: span(get(&self.remind_later, user, "care.remind_later")?),
            warning_pause: span(get(&self.warning_pause, user, "care.warning_pause")?),
            episodes: get(&self.episodes, user, "care.episodes")?,
            exclusions: self.exclusions.map(|x| x.value).unwrap_or_default(),
        };
        Ok(Care { rules, link: self.link.map(|l| l.value.trim().to_owned()) })
    }
}
