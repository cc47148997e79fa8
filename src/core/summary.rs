//! Statistics for `postured report`: per-area counts, averages, daily worst and a trend in plain
//! words, and how reminders were answered. Pure: the caller passes the rows and the period.

use super::area::Area;
use super::care::Logged;
use super::symptom::Symptom;
use super::zone::Zone;
use chrono::NaiveDate;
use serde::Serialize;

/// Which way an area's discomfort went over the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    Easing,
    Steady,
    Worsening,
    /// Fewer than two reports: nothing to compare.
    TooFewReports,
}

/// The later half of the reports must average at least this much lower (or higher) than the
/// earlier half to count as easing (or worsening).
pub const TREND_STEP: f64 = 1.0;

impl Trend {
    pub fn as_str(self) -> &'static str {
        match self {
            Trend::Easing => "easing",
            Trend::Steady => "steady",
            Trend::Worsening => "worsening",
            Trend::TooFewReports => "too_few_reports",
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            Trend::TooFewReports => "too few reports to tell",
            other => other.as_str(),
        }
    }
}

/// Compares the average severity of the earlier half of the reports (in time order) with the
/// later half; with an odd count the middle report belongs to neither.
pub fn trend(severities: &[u8]) -> Trend {
    if severities.len() < 2 {
        return Trend::TooFewReports;
    }
    let half = severities.len() / 2;
    let earlier = mean(&severities[..half]);
    let later = mean(&severities[severities.len() - half..]);
    let change = later - earlier;
    if change >= TREND_STEP {
        Trend::Worsening
    } else if change <= -TREND_STEP {
        Trend::Easing
    } else {
        Trend::Steady
    }
}

fn mean(values: &[u8]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.iter().map(|&v| f64::from(v)).sum::<f64>() / values.len() as f64
}

/// One body area over the period.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaSummary {
    pub area: Area,
    pub reports: usize,
    /// Days with at least one report.
    pub days: usize,
    /// Mean severity, rounded to one decimal.
    pub average: f64,
    pub max: u8,
    pub trend: Trend,
    /// Every warning sign mentioned with this area, each once.
    pub symptoms: Vec<Symptom>,
    /// The worst severity of each day from the first to the last day, `None` without reports.
    pub daily: Vec<Option<u8>>,
}

/// A summary per area that has reports, in the order of `Area::ALL`. Reports outside
/// `first..=last` (local dates in `zone`) are left out; `reports` need not be sorted.
pub fn summarise(reports: &[Logged], zone: &Zone, first: NaiveDate, last: NaiveDate) -> Vec<AreaSummary> {
    let span = (last - first).num_days().max(0) as usize + 1;
    let mut sorted: Vec<&Logged> = reports
        .iter()
        .filter(|r| {
            let d = zone.date(r.at);
            d >= first && d <= last
        })
        .collect();
    sorted.sort_by_key(|r| (r.at, r.id));
    let mut out = Vec::new();
    for area in Area::ALL {
        let mine: Vec<&Logged> = sorted.iter().copied().filter(|r| r.area == area).collect();
        if mine.is_empty() {
            continue;
        }
        let mut daily = vec![None; span];
        for r in &mine {
            let i = (zone.date(r.at) - first).num_days() as usize;
            daily[i] = Some(daily[i].map_or(r.severity, |m: u8| m.max(r.severity)));
        }
        let severities: Vec<u8> = mine.iter().map(|r| r.severity).collect();
        let mut symptoms: Vec<Symptom> = mine.iter().flat_map(|r| r.symptoms.iter().copied()).collect();
        symptoms.sort();
        symptoms.dedup();
        out.push(AreaSummary {
            area,
            reports: mine.len(),
            days: daily.iter().filter(|d| d.is_some()).count(),
            average: (mean(&severities) * 10.0).round() / 10.0,
            max: severities.iter().copied().max().unwrap_or(0),
            trend: trend(&severities),
            symptoms,
            daily,
        });
    }
    out
}

/// How the reminders shown in the period were answered. Engaged: done, or a discomfort log
/// from the reminder. Ignored: dismissed or left to expire. Skipped: closed on purpose.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Adherence {
    pub shown: usize,
    pub done: usize,
    pub logged: usize,
    pub snoozed: usize,
    pub skipped: usize,
    pub ignored: usize,
    /// Still open, or an outcome this version does not know.
    pub unanswered: usize,
}

impl Adherence {
    pub fn engaged(&self) -> usize {
        self.done + self.logged
    }

    /// Engaged as a whole percentage of the answered reminders, if any were answered.
    pub fn engaged_percent(&self) -> Option<u32> {
        let answered = self.shown - self.unanswered;
        (answered > 0).then(|| ((self.engaged() * 100) as f64 / answered as f64).round() as u32)
    }
}

/// Counts the stored outcomes (`None` for a reminder without one yet).
pub fn adherence<'a>(outcomes: impl IntoIterator<Item = Option<&'a str>>) -> Adherence {
    let mut a = Adherence::default();
    for outcome in outcomes {
        a.shown += 1;
        match outcome {
            Some("done") => a.done += 1,
            Some("logged") => a.logged += 1,
            Some("snoozed") => a.snoozed += 1,
            Some("skipped") => a.skipped += 1,
            Some("dismissed" | "expired") => a.ignored += 1,
            _ => a.unanswered += 1,
        }
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn berlin() -> Zone {
        Zone::Named(crate::adapters::zoneinfo::load("Europe/Berlin").unwrap())
    }

    fn report(id: i64, day: u32, hour: u32, area: Area, severity: u8, symptoms: &[Symptom]) -> Logged {
        let at = Utc.with_ymd_and_hms(2026, 6, day, hour, 0, 0).unwrap();
        Logged { id, at, logged_at: at, area, severity, symptoms: symptoms.to_vec() }
    }

    fn date(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, day).unwrap()
    }

    #[test]
    fn trend_compares_the_earlier_half_with_the_later_half() {
        assert_eq!(trend(&[]), Trend::TooFewReports);
        assert_eq!(trend(&[5]), Trend::TooFewReports);
        assert_eq!(trend(&[3, 4]), Trend::Worsening);
        assert_eq!(trend(&[6, 5, 5, 5]), Trend::Steady, "half a point is not a change");
        assert_eq!(trend(&[7, 6, 2, 4, 3]), Trend::Easing, "the middle report counts for neither half");
        assert_eq!(trend(&[3, 9, 3]), Trend::Steady);
        assert_eq!(trend(&[2, 3, 4, 4, 5]), Trend::Worsening);
        assert_eq!(Trend::TooFewReports.words(), "too few reports to tell");
    }

    #[test]
    fn summary_per_area_counts_days_and_keeps_the_worst_of_each_local_day() {
        let reports = [
            // 23:30 UTC on the 1st is 01:30 on the 2nd in Berlin.
            report(1, 1, 23, Area::Neck, 3, &[]),
            report(2, 2, 9, Area::Neck, 6, &[Symptom::Tingling]),
            report(3, 4, 9, Area::Neck, 7, &[Symptom::Night, Symptom::Tingling]),
            report(4, 3, 9, Area::Wrists, 2, &[]),
            report(5, 9, 9, Area::Wrists, 9, &[]),
        ];
        let got = summarise(&reports, &berlin(), date(1), date(5));
        assert_eq!(got.len(), 2, "wrists on the 9th is out of the period, neck comes first");
        let neck = &got[0];
        assert_eq!((neck.area, neck.reports, neck.days, neck.max), (Area::Neck, 3, 2, 7));
        assert_eq!(neck.average, 5.3);
        assert_eq!(neck.daily, [None, Some(6), None, Some(7), None]);
        assert_eq!(neck.symptoms, [Symptom::Tingling, Symptom::Night]);
        assert_eq!(neck.trend, Trend::Worsening);
        let wrists = &got[1];
        assert_eq!((wrists.reports, wrists.trend), (1, Trend::TooFewReports));
        assert_eq!(wrists.daily, [None, None, Some(2), None, None]);
        assert!(summarise(&[], &berlin(), date(1), date(5)).is_empty());
    }

    #[test]
    fn adherence_counts_engaged_ignored_and_unanswered() {
        let outcomes = [
            Some("done"),
            Some("done"),
            Some("logged"),
            Some("snoozed"),
            Some("skipped"),
            Some("dismissed"),
            Some("expired"),
            None,
        ];
        let a = adherence(outcomes);
        assert_eq!(
            a,
            Adherence { shown: 8, done: 2, logged: 1, snoozed: 1, skipped: 1, ignored: 2, unanswered: 1 }
        );
        assert_eq!(a.engaged(), 3);
        assert_eq!(a.engaged_percent(), Some(43));
        assert_eq!(adherence([None]).engaged_percent(), None);
        assert_eq!(adherence([]).engaged_percent(), None);
    }
}
