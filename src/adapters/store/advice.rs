//! Care advice in the store: every piece given, with its reason, and what the user answered.

use super::{Store, parse_ts, ts};
use crate::core::Finding;
use chrono::{DateTime, Utc};
use rusqlite::params;

/// Care advice as given, for `report`.
#[derive(Debug, Clone, PartialEq)]
pub struct AdviceRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub area: String,
    pub reason: String,
    pub why: String,
    pub outcome: Option<String>,
}

impl Store {
    /// Records advice given as row `row` (numbered by the daemon's engine).
    pub fn record_advice(
        &self,
        row: i64,
        at: DateTime<Utc>,
        f: &Finding,
        summary: &str,
        body: &str,
    ) -> anyhow::Result<()> {
        self.conn.execute(
            "INSERT INTO care_advice (id, at, area, reason, report, why, summary, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![row, ts(at), f.area.as_str(), f.reason.as_str(), f.report, f.why, summary, body],
        )?;
        Ok(())
    }

    /// Sets what the user said to a piece of advice; the first answer stands.
    pub fn record_advice_outcome(&self, id: i64, outcome: &str, at: DateTime<Utc>) -> anyhow::Result<bool> {
        let n = self.conn.execute(
            "UPDATE care_advice SET outcome = ?1, outcome_at = ?2 WHERE id = ?3 AND outcome IS NULL",
            params![outcome, ts(at), id],
        )?;
        Ok(n == 1)
    }

    pub fn advice_since(&self, since: DateTime<Utc>) -> anyhow::Result<Vec<AdviceRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, at, area, reason, why, outcome FROM care_advice WHERE at >= ?1 ORDER BY at, id",
        )?;
        let rows = stmt.query_map(params![ts(since)], |r| {
            Ok(AdviceRow {
                id: r.get(0)?,
                at: parse_ts(&r.get::<_, String>(1)?)?,
                area: r.get(2)?,
                reason: r.get(3)?,
                why: r.get(4)?,
                outcome: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
