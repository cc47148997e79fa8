//! The Markdown format of `postured report`: a one-page summary, in plain words, to bring to a
//! physical therapist or doctor.

use super::{Data, FINDINGS_NOTE, NO_FINDINGS, NOT_ADVICE, POPS_NOTE, adherence_words, period_words, tables};
use std::fmt::Write;

/// User text for Markdown: characters with a meaning in Markdown (or HTML inside it) are
/// escaped, line breaks and other control characters become spaces, so a note stays one cell.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '&' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn table(o: &mut String, headers: &[&str], rows: &[Vec<String>]) {
    let _ = writeln!(o, "| {} |", headers.join(" | "));
    let _ = writeln!(o, "|{}", "---|".repeat(headers.len()));
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| escape(c)).collect();
        let _ = writeln!(o, "| {} |", cells.join(" | "));
    }
}

pub fn render(d: &Data) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Discomfort summary\n");
    let _ = writeln!(o, "**Period:** {}, {}  ", period_words(d), d.zone.words());
    if let Some(a) = d.area {
        let _ = writeln!(o, "**Body area:** {} only  ", a.words());
    }
    let _ = writeln!(o, "**Made:** {}\n", d.zone.format(d.now, "%-d %B %Y"));
    let _ = writeln!(o, "_{NOT_ADVICE}_\n");

    let _ = writeln!(o, "## By body area\n");
    if d.areas.is_empty() {
        let _ = writeln!(o, "No discomfort was logged in this period.\n");
    } else {
        table(&mut o, &tables::AREAS, &tables::areas(d));
        let _ = writeln!(
            o,
            "\nTrend compares the earlier half of an area's reports with the later half: a change of \
             one point or more on average is called easing or worsening.\n"
        );
    }

    let notes = tables::notes(d);
    if !notes.is_empty() {
        let _ = writeln!(o, "## Notes\n");
        table(&mut o, &tables::NOTES, &notes);
        o.push('\n');
    }

    let _ = writeln!(o, "## What the rules say now\n");
    if d.findings.is_empty() {
        let _ = writeln!(o, "{NO_FINDINGS}\n");
    } else {
        table(&mut o, &tables::FINDINGS, &tables::findings(d));
        let _ = writeln!(o, "\n{FINDINGS_NOTE}\n");
    }

    let _ = writeln!(o, "## Advice to see someone\n");
    let advice = tables::advice(d);
    if advice.is_empty() {
        let _ = writeln!(o, "postured did not suggest seeing anyone in this period.\n");
    } else {
        table(&mut o, &tables::ADVICE, &advice);
        o.push('\n');
    }

    if !d.pops.is_empty() {
        let _ = writeln!(o, "## Pops of the upper back\n");
        table(&mut o, &tables::POPS, &tables::pops(d));
        let _ = writeln!(o, "\n{POPS_NOTE}\n");
    }

    let _ = writeln!(o, "## Stretch and posture reminders\n");
    let _ = writeln!(o, "{}", adherence_words(&d.adherence));
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_cannot_break_a_table_or_add_markup() {
        assert_eq!(escape("after a long call"), "after a long call");
        assert_eq!(escape("a | b"), "a \\| b");
        assert_eq!(escape("<img src=x> *bold* [link](y)"), "\\<img src=x\\> \\*bold\\* \\[link\\](y)");
        assert_eq!(escape("two\nlines"), "two lines");
        assert_eq!(escape("4/10, ok."), "4/10, ok.");
    }
}
