//! The terminal format of `postured report`: a sparkline of each area's worst daily severity,
//! counts and trend, then notes, care advice and how reminders were answered.

use super::{
    Data, NO_FINDINGS, adherence_words, advice_answer, advice_area, capitalise, places_words, reason_words,
};
use std::fmt::Write;

const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/// Marks a day (or group of days) without reports.
pub const NO_REPORT: char = '·';
/// The widest chart; longer periods put several days in one mark.
pub const MAX_WIDTH: usize = 60;

/// How many days one mark of the chart stands for.
pub fn days_per_mark(days: usize) -> usize {
    days.div_ceil(MAX_WIDTH).max(1)
}

/// One mark per day (or per group of days, keeping the worst), severity 0 as ▁ and 10 as █.
pub fn sparkline(daily: &[Option<u8>]) -> String {
    daily
        .chunks(days_per_mark(daily.len()))
        .map(|group| match group.iter().flatten().max() {
            None => NO_REPORT,
            Some(&s) => BLOCKS[((usize::from(s.min(10)) * 7 + 5) / 10).min(7)],
        })
        .collect()
}

/// User text for the terminal: control characters (escape sequences, line breaks) become spaces.
pub fn plain(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

pub fn render(d: &Data) -> String {
    let mut o = String::new();
    let fmt = "%a %Y-%m-%d";
    let _ = writeln!(
        o,
        "Discomfort from {} to {} ({} day(s), {}){}",
        d.first.format(fmt),
        d.last.format(fmt),
        d.days,
        d.zone.words(),
        d.area.map_or(String::new(), |a| format!(", {} only", a.words()))
    );
    if d.areas.is_empty() {
        let _ = writeln!(o, "\nNo discomfort logged in this period.");
    } else {
        let per = days_per_mark(d.days as usize);
        let unit = if per == 1 { "day".to_owned() } else { format!("{per} days") };
        let _ = writeln!(
            o,
            "Chart: the worst report of each {unit}, ▁ mild to █ worst; {NO_REPORT} no report.\n"
        );
    }
    for a in &d.areas {
        let _ = writeln!(o, "  {:<11} {}", a.area.words(), sparkline(&a.daily));
        let _ = writeln!(
            o,
            "  {:<11} {} report(s) on {} day(s), average {:.1}/10, worst {}/10, {}",
            "",
            a.reports,
            a.days,
            a.average,
            a.max,
            a.trend.words()
        );
        if !a.symptoms.is_empty() {
            let signs = crate::core::symptom::list_words(&a.symptoms);
            let _ = writeln!(o, "  {:<11} signs mentioned: {signs}", "");
        }
    }
    if d.with_notes().next().is_some() {
        let _ = writeln!(o, "\nNotes");
        for r in d.with_notes() {
            let _ = writeln!(
                o,
                "  {}  {} {}/10  {}",
                d.zone.format(r.at, "%a %Y-%m-%d %H:%M"),
                r.area.words(),
                r.severity,
                plain(r.note.as_deref().unwrap_or_default())
            );
        }
    }
    let _ = writeln!(o, "\nWhat the rules say now");
    if d.findings.is_empty() {
        let _ = writeln!(o, "  {NO_FINDINGS}");
    }
    for f in &d.findings {
        let _ = writeln!(
            o,
            "  {}: {}. {} (since {}).",
            f.area.words(),
            reason_words(f.reason.as_str()),
            capitalise(&f.why),
            d.zone.format(f.since, "%a %Y-%m-%d")
        );
    }
    if !d.advice.is_empty() {
        let _ = writeln!(o, "\nCare advice given");
        for a in &d.advice {
            let _ = writeln!(
                o,
                "  {}  {}: {}. {}. Shown {}. Answer: {}.",
                d.zone.format(a.at, "%a %Y-%m-%d %H:%M"),
                advice_area(&a.area),
                reason_words(&a.reason),
                capitalise(&plain(&a.why)),
                places_words(&a.shown_in),
                advice_answer(a)
            );
        }
    }
    if !d.pops.is_empty() {
        let _ = writeln!(o, "\nPops of the upper back (self-reported)");
        for (day, n) in &d.pops {
            let _ = writeln!(o, "  {}  {n}", day.format("%a %Y-%m-%d"));
        }
    }
    let _ = writeln!(o, "\nReminders\n  {}", adherence_words(&d.adherence));
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_marks_each_day_and_groups_long_periods() {
        assert_eq!(sparkline(&[None, Some(0), Some(2), Some(5), Some(8), Some(10), None]), "·▁▂▅▇█·");
        assert_eq!(sparkline(&[]), "");
        let mut year = vec![None; 365];
        year[0] = Some(3);
        year[1] = Some(9);
        year[364] = Some(1);
        let line = sparkline(&year);
        assert_eq!(days_per_mark(365), 7);
        assert_eq!(line.chars().count(), 53);
        assert!(line.starts_with("▇·"), "the worst of the first week: {line}");
        assert!(line.ends_with("·▂"), "{line}");
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        assert_eq!(plain("a\u{1b}[31mred\nline"), "a [31mred line");
    }
}
