//! The JSON format of `postured report`: one document with stable field names (see the README).

use super::Data;
use serde::Serialize;

#[derive(Serialize)]
struct Document<'a> {
    period: Period,
    areas: Vec<AreaOut>,
    adherence: AdherenceOut<'a>,
    advice: Vec<AdviceOut<'a>>,
    reports: Vec<ReportOut<'a>>,
    pops: Vec<PopsOut>,
    findings: Vec<FindingOut>,
}

#[derive(Serialize)]
struct FindingOut {
    area: &'static str,
    reason: &'static str,
    why: String,
    since: String,
}

#[derive(Serialize)]
struct PopsOut {
    date: String,
    count: usize,
}

#[derive(Serialize)]
struct Period {
    from: String,
    to: String,
    days: u32,
    zone: String,
    area: Option<&'static str>,
    generated_at: String,
}

#[derive(Serialize)]
struct AreaOut {
    area: &'static str,
    reports: usize,
    days: usize,
    average: f64,
    max: u8,
    trend: &'static str,
    symptoms: Vec<&'static str>,
    daily: Vec<Day>,
}

#[derive(Serialize)]
struct Day {
    date: String,
    max: Option<u8>,
}

#[derive(Serialize)]
struct AdherenceOut<'a> {
    #[serde(flatten)]
    counts: &'a crate::core::summary::Adherence,
    engaged: usize,
    engaged_percent: Option<u32>,
}

#[derive(Serialize)]
struct AdviceOut<'a> {
    at: String,
    area: &'a str,
    reason: &'a str,
    why: &'a str,
    outcome: Option<&'a str>,
    shown_in: Vec<&'a str>,
}

#[derive(Serialize)]
struct ReportOut<'a> {
    at: String,
    area: &'static str,
    severity: u8,
    symptoms: Vec<&'static str>,
    note: Option<&'a str>,
    source: &'a str,
}

pub fn render(d: &Data) -> anyhow::Result<String> {
    let date = |n: chrono::NaiveDate| n.format("%Y-%m-%d").to_string();
    let doc = Document {
        period: Period {
            from: date(d.first),
            to: date(d.last),
            days: d.days,
            zone: d.zone.name(),
            area: d.area.map(|a| a.as_str()),
            generated_at: d.zone.rfc3339(d.now),
        },
        areas: d
            .areas
            .iter()
            .map(|a| AreaOut {
                area: a.area.as_str(),
                reports: a.reports,
                days: a.days,
                average: a.average,
                max: a.max,
                trend: a.trend.as_str(),
                symptoms: a.symptoms.iter().map(|s| s.as_str()).collect(),
                daily: d.dates().zip(&a.daily).map(|(day, max)| Day { date: date(day), max: *max }).collect(),
            })
            .collect(),
        adherence: AdherenceOut {
            counts: &d.adherence,
            engaged: d.adherence.engaged(),
            engaged_percent: d.adherence.engaged_percent(),
        },
        advice: d
            .advice
            .iter()
            .map(|a| AdviceOut {
                at: d.zone.rfc3339(a.at),
                area: &a.area,
                reason: &a.reason,
                why: &a.why,
                outcome: a.outcome.as_deref(),
                shown_in: a.shown_in.split(',').filter(|s| !s.is_empty()).collect(),
            })
            .collect(),
        reports: d
            .reports
            .iter()
            .map(|r| ReportOut {
                at: d.zone.rfc3339(r.at),
                area: r.area.as_str(),
                severity: r.severity,
                symptoms: r.symptoms.iter().map(|s| s.as_str()).collect(),
                note: r.note.as_deref(),
                source: &r.source,
            })
            .collect(),
        pops: d.pops.iter().map(|(day, n)| PopsOut { date: date(*day), count: *n }).collect(),
        findings: d
            .findings
            .iter()
            .map(|f| FindingOut {
                area: f.area.as_str(),
                reason: f.reason.as_str(),
                why: f.why.clone(),
                since: d.zone.rfc3339(f.since),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&doc)?;
    text.push('\n');
    Ok(text)
}
