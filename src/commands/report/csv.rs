//! The CSV format of `postured report`: one row per discomfort report, then one per day with
//! self-reported pops of the upper back (its date as `time`, the count in `pops`), then one per
//! open finding of the care rules (`source` `rule`, `rule` its reason, `note` why, `time` since), quoted as RFC 4180 asks (with
//! Unix line ends), and text that a spreadsheet would run as a formula defused.

use super::Data;
use crate::core::symptom;

pub const HEADER: &str = "time,area,severity,symptoms,note,source,pops,rule";

/// One field: a leading `=`, `+`, `-`, `@` (or tab / carriage return) gets a `'` in front so a
/// spreadsheet shows it as text instead of running it; a field with a comma, quote or line
/// break is put in quotes, with its quotes doubled.
pub fn field(text: &str) -> String {
    let guarded =
        if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

pub fn render(d: &Data) -> String {
    let mut o = String::with_capacity(64 * (d.reports.len() + 1));
    o.push_str(HEADER);
    o.push('\n');
    for r in &d.reports {
        let row = [
            d.zone.rfc3339(r.at),
            r.area.as_str().to_owned(),
            r.severity.to_string(),
            symptom::join(&r.symptoms),
            r.note.clone().unwrap_or_default(),
            r.source.clone(),
            String::new(),
            String::new(),
        ];
        let cells: Vec<String> = row.iter().map(|c| field(c)).collect();
        o.push_str(&cells.join(","));
        o.push('\n');
    }
    for (day, n) in &d.pops {
        o.push_str(&format!("{},upper-back,,,,,{n},\n", day.format("%Y-%m-%d")));
    }
    for f in &d.findings {
        let cells = [d.zone.rfc3339(f.since), f.area.as_str().to_owned(), field(&f.why)];
        o.push_str(&format!("{},{},,,{},rule,,{}\n", cells[0], cells[1], cells[2], f.reason.as_str()));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_needed_with_quotes_doubled() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field(""), "");
        assert_eq!(field("a, b"), "\"a, b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field("tingling,night"), "\"tingling,night\"");
    }

    #[test]
    fn formulas_are_defused() {
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("+1"), "'+1");
        assert_eq!(field("-2 after lunch"), "'-2 after lunch");
        assert_eq!(field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(field("a=b"), "a=b");
    }
}
