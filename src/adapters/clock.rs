//! The one place that reads the wall clock. Everything else takes `now` as an argument.

use chrono::{DateTime, Utc};

pub fn now() -> DateTime<Utc> {
    Utc::now()
}
