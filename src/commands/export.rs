//! `postured export`: everything postured stored about you, as one JSON document.

use super::report::{open_store, write_output, zone_or_default};
use crate::adapters::clock;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Names this document's shape; raised when a field changes meaning or goes away.
pub const FORMAT_VERSION: u32 = 1;

pub fn run(config: Option<PathBuf>, output: Option<&Path>) -> anyhow::Result<ExitCode> {
    super::output_file::check_first(output)?;
    let zone = zone_or_default(config);
    let store = open_store()?;
    let mut reports = store.export_table("discomfort")?;
    // Symptoms are stored as "tingling,night"; in the export they are a list.
    for r in &mut reports {
        if let Some(Value::String(s)) = r.get("symptoms") {
            let list: Vec<Value> =
                s.split(',').map(str::trim).filter(|x| !x.is_empty()).map(|x| x.to_owned().into()).collect();
            r.insert("symptoms".to_owned(), Value::Array(list));
        }
    }
    let reminders = store.export_table("reminders")?;
    let advice = store.export_table("care_advice")?;
    let breaks = store.export_table("natural_breaks")?;
    let pops = store.export_table("pops")?;
    let counts = format!(
        "all your data ({} report(s), {} reminder(s), {} piece(s) of care advice)",
        reports.len(),
        reminders.len(),
        advice.len()
    );
    let doc = json!({
        "format": "postured-export",
        "format_version": FORMAT_VERSION,
        "schema_version": store.schema_version()?,
        "exported_at": zone.rfc3339(clock::now()),
        "zone": zone.name(),
        "reports": reports,
        "reminders": reminders,
        "care_advice": advice,
        "natural_breaks": breaks,
        "pops": pops,
    });
    let mut text = serde_json::to_string_pretty(&doc)?;
    text.push('\n');
    write_output(output, text.as_bytes(), &counts)?;
    Ok(ExitCode::SUCCESS)
}
