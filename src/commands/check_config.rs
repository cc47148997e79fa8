//! `postured check-config [PATH]`: validate, print what was read, exit 0 or 1.

use super::out::outln;
use crate::config::{self, ConfigPath};
use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(path: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let which = ConfigPath::from_arg(path);
    match config::load(&which) {
        Ok(settings) => {
            let user = settings.files.get(1).map_or("no config file; using the defaults".to_owned(), |p| {
                format!("{} is valid", p.display())
            });
            outln!("{user}")?;
            outln!(
                "{} catalogue entries; reminders: {}",
                settings.catalog.entries.len(),
                settings.rules.intervals.keys().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
            )?;
            for w in &settings.warnings {
                outln!("warning: {w}")?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{e}");
            Ok(ExitCode::FAILURE)
        }
    }
}
