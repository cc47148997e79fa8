//! Discomfort reports in the store: written durably, read back for the care rules and reports.

use super::{Store, parse_ts, ts};
use crate::core::{Area, Logged, Symptom, symptom};
use chrono::{DateTime, Utc};
use rusqlite::params;

/// A discomfort report as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// What the care rules see: id, times, area, severity, symptoms.
    pub logged: Logged,
    pub note: Option<String>,
    pub source: String,
}

/// A report reads as its `Logged` part too (`report.area`), so the two never drift apart.
impl std::ops::Deref for Report {
    type Target = Logged;
    fn deref(&self) -> &Logged {
        &self.logged
    }
}

impl Report {
    pub fn logged(&self) -> Logged {
        self.logged.clone()
    }
}

/// A report to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReport<'a> {
    pub at: DateTime<Utc>,
    pub area: Area,
    pub severity: u8,
    pub symptoms: &'a [Symptom],
    pub note: Option<&'a str>,
    /// Where it came from: "cli" or "notification".
    pub source: &'a str,
}

impl Store {
    /// Stores a report and commits it (durably, with `synchronous = FULL`) before returning.
    pub fn log_discomfort(&self, r: &NewReport, now: DateTime<Utc>) -> anyhow::Result<i64> {
        self.conn.execute(
            "INSERT INTO discomfort (at, logged_at, area, severity, symptoms, note, source)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                ts(r.at),
                ts(now),
                r.area.as_str(),
                r.severity,
                symptom::join(r.symptoms),
                r.note,
                r.source
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn reports_since(&self, since: DateTime<Utc>) -> anyhow::Result<Vec<Report>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, at, area, severity, symptoms, note, source, logged_at FROM discomfort
             WHERE at >= ?1 ORDER BY at, id",
        )?;
        let rows = stmt.query_map(params![ts(since)], |r| {
            let area: String = r.get(2)?;
            Ok(Report {
                logged: Logged {
                    id: r.get(0)?,
                    at: parse_ts(&r.get::<_, String>(1)?)?,
                    logged_at: parse_ts(&r.get::<_, String>(7)?)?,
                    area: area.parse().unwrap_or(Area::WholeBody),
                    severity: r.get(3)?,
                    symptoms: symptom::split(&r.get::<_, String>(4)?),
                },
                note: r.get(5)?,
                source: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Stores a self-reported pop of the upper back, committed before returning.
    pub fn log_pop(&self, at: DateTime<Utc>, now: DateTime<Utc>, source: &str) -> anyhow::Result<i64> {
        self.conn.execute(
            "INSERT INTO pops (at, logged_at, source) VALUES (?1, ?2, ?3)",
            params![ts(at), ts(now), source],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Pops (id, when) from `since` on, oldest first.
    pub fn pops_since(&self, since: DateTime<Utc>) -> anyhow::Result<Vec<(i64, DateTime<Utc>)>> {
        let mut stmt = self.conn.prepare("SELECT id, at FROM pops WHERE at >= ?1 ORDER BY at, id")?;
        let rows =
            stmt.query_map(params![ts(since)], |r| Ok((r.get(0)?, parse_ts(&r.get::<_, String>(1)?)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Reports as the care rules see them, as far back as the rules look.
    pub fn logged_since(&self, since: DateTime<Utc>) -> anyhow::Result<Vec<Logged>> {
        Ok(self.reports_since(since)?.iter().map(Report::logged).collect())
    }
}
