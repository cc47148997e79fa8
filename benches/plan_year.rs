//! Planning a year with the default config: the work `postured plan --days 365` does.
//! Run with `cargo bench --bench plan_year`; prints the median and fastest of 15 runs.

use chrono::{TimeZone, Utc};
use postured::config;
use postured::core::planner::{Planner, PlannerState, simulate};
use std::time::Instant;

fn main() {
    // `cargo test --benches` runs benches once as a smoke test; keep that quick.
    let runs = if std::env::args().any(|a| a == "--bench") { 15 } else { 1 };
    let settings = config::from_sources(None, None, |_| Ok(None)).expect("default config");
    let from = Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap();
    let mut times = Vec::new();
    let mut reminders = 0;
    for _ in 0..runs {
        let mut planner =
            Planner::new(settings.rules.clone(), settings.catalog.clone(), PlannerState::default());
        let started = Instant::now();
        let events = simulate(&mut planner, from, chrono::Duration::days(365));
        times.push(started.elapsed());
        reminders = events.len();
    }
    times.sort();
    println!(
        "plan 365 days (default config, {reminders} events): median {:.2} ms, fastest {:.2} ms over {runs} runs",
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3
    );
}
