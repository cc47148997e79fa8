//! The HTML format of `postured report`: one self-contained page (inline CSS and SVG, no
//! scripts, nothing fetched) with a chart of each area's worst daily severity and the tables.

use super::{Data, FINDINGS_NOTE, NO_FINDINGS, NOT_ADVICE, POPS_NOTE, adherence_words, period_words, tables};
use crate::core::Area;
use std::fmt::Write;

/// User text for HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One colour per area, in the order of `Area::ALL`, readable on white.
const COLOURS: [&str; 8] =
    ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#555555"];

fn colour(area: Area) -> &'static str {
    COLOURS[Area::ALL.iter().position(|a| *a == area).unwrap_or(0)]
}

const STYLE: &str = "body{font-family:sans-serif;max-width:52em;margin:2em auto;padding:0 1em;color:#222;\
line-height:1.4}table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #bbb;\
padding:.3em .6em;text-align:left;vertical-align:top}th{background:#eee}.note{font-style:italic;\
color:#444}svg{max-width:100%;height:auto}.legend span{display:inline-block;margin-right:1.2em}\
.swatch{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:middle}\
@media print{body{margin:0;max-width:none}}";

const W: f64 = 760.0;
const H: f64 = 280.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 40.0;

/// Room a date label ("2026-12-31", 11 px sans-serif) takes, with a margin.
const LABEL_W: f64 = 70.0;

/// Which of `n` days get a date under the x axis: (day, x, text-anchor). About six, always the
/// first and the last; the last ends at the plot's right edge (a centred one would be cut off by
/// the page's edge), and a label too close to it is left out so none overlap.
pub fn x_labels(n: usize) -> Vec<(usize, f64, &'static str)> {
    let pw = W - LEFT - RIGHT;
    if n <= 1 {
        return vec![(0, LEFT + pw / 2.0, "middle")];
    }
    let x = |i: usize| LEFT + pw * i as f64 / (n - 1) as f64;
    let step = (n - 1).div_ceil(5).max(1);
    let last = n - 1;
    let mut out: Vec<(usize, f64, &'static str)> = (0..last)
        .step_by(step)
        .filter(|&i| x(last) - x(i) >= LABEL_W * 1.5)
        .map(|i| (i, x(i), "middle"))
        .collect();
    out.push((last, x(last), "end"));
    out
}

/// Severity over time: per area a line through the worst severity of each day with reports.
pub fn chart(d: &Data) -> String {
    let n = d.areas.first().map_or(d.days as usize, |a| a.daily.len()).max(1);
    let (pw, ph) = (W - LEFT - RIGHT, H - TOP - BOTTOM);
    let x = |i: usize| if n == 1 { LEFT + pw / 2.0 } else { LEFT + pw * i as f64 / (n - 1) as f64 };
    let y = |s: u8| TOP + ph * (10.0 - f64::from(s)) / 10.0;
    let mut o = String::new();
    let _ = write!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" \
         role=\"img\" aria-label=\"Worst severity of each day, per body area, 0 to 10\">"
    );
    for s in (0..=10).step_by(2) {
        let _ = write!(
            o,
            "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#ddd\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{s}</text>",
            W - RIGHT,
            LEFT - 6.0,
            y(s) + 4.0,
            yy = y(s)
        );
    }
    let dates: Vec<_> = d.dates().collect();
    for (i, at, anchor) in x_labels(n) {
        if let Some(date) = dates.get(i) {
            let _ = write!(
                o,
                "<text x=\"{at:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"{anchor}\">{}</text>",
                H - BOTTOM + 18.0,
                date.format("%Y-%m-%d")
            );
        }
    }
    let _ = write!(
        o,
        "<line x1=\"{LEFT}\" x2=\"{LEFT}\" y1=\"{TOP}\" y2=\"{:.1}\" stroke=\"#888\"/>\
         <line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{b:.1}\" y2=\"{b:.1}\" stroke=\"#888\"/>",
        H - BOTTOM,
        W - RIGHT,
        b = H - BOTTOM
    );
    for a in &d.areas {
        let c = colour(a.area);
        let points: Vec<(usize, u8)> =
            a.daily.iter().enumerate().filter_map(|(i, m)| m.map(|m| (i, m))).collect();
        if points.len() > 1 {
            let line: Vec<String> = points.iter().map(|&(i, s)| format!("{:.1},{:.1}", x(i), y(s))).collect();
            let _ = write!(
                o,
                "<polyline fill=\"none\" stroke=\"{c}\" stroke-width=\"2\" points=\"{}\"/>",
                line.join(" ")
            );
        }
        for &(i, s) in &points {
            let when = dates.get(i).map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
            let _ = write!(
                o,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{c}\"><title>{} {when}: {s}/10</title></circle>",
                x(i),
                y(s),
                a.area.words()
            );
        }
    }
    o.push_str("</svg>");
    o
}

fn table(o: &mut String, headers: &[&str], rows: &[Vec<String>]) {
    o.push_str("<table><thead><tr>");
    for h in headers {
        let _ = write!(o, "<th>{}</th>", escape(h));
    }
    o.push_str("</tr></thead><tbody>\n");
    for row in rows {
        o.push_str("<tr>");
        for cell in row {
            let _ = write!(o, "<td>{}</td>", escape(cell));
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</tbody></table>\n");
}

pub fn render(d: &Data) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Discomfort summary</title>\n<style>{STYLE}</style></head>\n<body>\n\
         <h1>Discomfort summary</h1>\n<p><b>Period:</b> {}, {}",
        escape(&period_words(d)),
        escape(&d.zone.words())
    );
    if let Some(a) = d.area {
        let _ = write!(o, "<br><b>Body area:</b> {} only", escape(a.words()));
    }
    let _ = writeln!(o, "<br><b>Made:</b> {}</p>", escape(&d.zone.format(d.now, "%-d %B %Y")));
    let _ = writeln!(o, "<p class=\"note\">{}</p>", escape(NOT_ADVICE));

    o.push_str("<h2>By body area</h2>\n");
    if d.areas.is_empty() {
        o.push_str("<p>No discomfort was logged in this period.</p>\n");
    } else {
        o.push_str(
            "<p>The worst rating of each day with reports, from 0 (none) to 10 (worst imaginable).</p>\n",
        );
        o.push_str(&chart(d));
        o.push_str("\n<p class=\"legend\">");
        for a in &d.areas {
            let _ = write!(
                o,
                "<span><span class=\"swatch\" style=\"background:{}\"></span>{}</span>",
                colour(a.area),
                escape(a.area.words())
            );
        }
        o.push_str("</p>\n");
        table(&mut o, &tables::AREAS, &tables::areas(d));
        o.push_str(
            "<p>Trend compares the earlier half of an area's reports with the later half: a change of one \
             point or more on average is called easing or worsening.</p>\n",
        );
    }
    let notes = tables::notes(d);
    if !notes.is_empty() {
        o.push_str("<h2>Notes</h2>\n");
        table(&mut o, &tables::NOTES, &notes);
    }
    o.push_str("<h2>What the rules say now</h2>\n");
    if d.findings.is_empty() {
        let _ = writeln!(o, "<p>{}</p>", escape(NO_FINDINGS));
    } else {
        table(&mut o, &tables::FINDINGS, &tables::findings(d));
        let _ = writeln!(o, "<p>{}</p>", escape(FINDINGS_NOTE));
    }
    o.push_str("<h2>Advice to see someone</h2>\n");
    let advice = tables::advice(d);
    if advice.is_empty() {
        o.push_str("<p>postured did not suggest seeing anyone in this period.</p>\n");
    } else {
        table(&mut o, &tables::ADVICE, &advice);
    }
    if !d.pops.is_empty() {
        o.push_str("<h2>Pops of the upper back</h2>\n");
        table(&mut o, &tables::POPS, &tables::pops(d));
        let _ = writeln!(o, "<p>{}</p>", escape(POPS_NOTE));
    }
    let _ = writeln!(
        o,
        "<h2>Stretch and posture reminders</h2>\n<p>{}</p>\n</body></html>",
        escape(&adherence_words(&d.adherence))
    );
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_labels_fit_the_chart_and_do_not_overlap_at_any_period() {
        // Issue 10: the last label was cut off ("2026-12-") at some periods.
        for n in 1..=3660 {
            let labels = x_labels(n);
            assert_eq!(labels.first().unwrap().0, 0, "{n}");
            assert_eq!(labels.last().unwrap().0, n - 1, "{n}");
            let spans: Vec<(f64, f64)> = labels
                .iter()
                .map(|&(_, x, anchor)| match anchor {
                    "end" => (x - LABEL_W, x),
                    "start" => (x, x + LABEL_W),
                    _ => (x - LABEL_W / 2.0, x + LABEL_W / 2.0),
                })
                .collect();
            for (from, to) in &spans {
                assert!(*from >= 0.0 && *to <= W, "{n} days: a label from {from} to {to} leaves the chart");
            }
            for pair in spans.windows(2) {
                assert!(pair[0].1 <= pair[1].0, "{n} days: labels overlap: {pair:?}");
            }
            assert!(labels.len() >= n.min(2) && labels.len() <= 7, "{n}: {labels:?}");
        }
    }

    #[test]
    fn every_special_character_is_escaped() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(escape("plain 5/10"), "plain 5/10");
    }
}
