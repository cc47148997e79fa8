//! `report`, `export` and `forget` through the real binary: reports logged straight into the
//! store (no daemon), then each format's content, private output files and deletion.

use crate::daemon::db;
use crate::support::{Home, stderr, stdout};
use chrono::{Duration, NaiveDate, SecondsFormat, Utc};
use serde_json::Value;
use std::os::unix::fs::{MetadataExt, PermissionsExt};

/// The date `n` days before today in the tests' zone (Europe/Berlin).
fn day(n: i64) -> NaiveDate {
    let berlin = postured::adapters::zoneinfo::load("Europe/Berlin").expect("tzdata is installed by .ci/run");
    postured::core::Zone::Named(berlin).date(Utc::now()) - Duration::days(n)
}

/// 10:00 on the day `n` days back, as `--at` takes it.
fn at(n: i64) -> String {
    format!("{}T10:00", day(n))
}

fn log(home: &Home, args: &[&str]) {
    let mut all = vec!["log"];
    all.extend_from_slice(args);
    let out = home.run(&all);
    assert!(out.status.success(), "log {args:?}: {}", stderr(&out));
}

fn ok(home: &Home, args: &[&str]) -> String {
    let out = home.run(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

/// Neck 2/10 three days ago and 8/10 yesterday; wrists 5/10 with tingling two days ago.
fn three_reports(home: &Home) {
    log(home, &["--area", "neck", "--severity", "2", "--at", &at(3), "--note", "after a call, \"long\" one"]);
    log(home, &["--area", "neck", "--severity", "8", "--at", &at(1), "--note", "=SUM(A1)"]);
    log(home, &["--area", "wrists", "--severity", "5", "--at", &at(2), "--symptom", "tingling"]);
}

/// A reminder of each kind of answer and one piece of care advice, as the daemon stores them.
fn daemon_rows(home: &Home) {
    let when = (Utc::now() - Duration::days(1)).to_rfc3339_opts(SecondsFormat::Millis, true);
    let db = db(home);
    for outcome in [Some("done"), Some("logged"), Some("snoozed"), Some("dismissed"), Some("expired"), None] {
        db.execute(
            "INSERT INTO reminders (shown_at, kind, title, body, outcome) VALUES (?1, 'stretch', 'T', 'B', ?2)",
            rusqlite::params![when, outcome],
        )
        .unwrap();
    }
    db.execute(
        "INSERT INTO care_advice (at, area, reason, why, summary, body, outcome)
         VALUES (?1, 'neck', 'worsening', 'neck discomfort rose from 2 to 8 in 2 days', 'S', 'B', 'booked')",
        [&when],
    )
    .unwrap();
}

#[test]
fn text_report_draws_a_sparkline_per_area_with_counts_and_trend() {
    let home = Home::new();
    three_reports(&home);
    daemon_rows(&home);
    let text = ok(&home, &["report", "--days", "5"]);
    assert!(
        text.starts_with(&format!(
            "Discomfort from {} to {}",
            day(4).format("%a %Y-%m-%d"),
            day(0).format("%a %Y-%m-%d")
        )),
        "{text}"
    );
    assert!(text.contains("\n  neck        ·▂·▇·\n"), "{text}");
    assert!(
        text.contains("\n              2 report(s) on 2 day(s), average 5.0/10, worst 8/10, worsening\n"),
        "{text}"
    );
    assert!(text.contains("\n  wrists      ··▅··\n"), "{text}");
    assert!(text.contains("signs mentioned: numbness or tingling"), "{text}");
    assert!(text.contains("neck 2/10  after a call, \"long\" one"), "{text}");
    assert!(
        text.contains(
            "neck: it is getting worse. Neck discomfort rose from 2 to 8 in 2 days. Shown as a notification. Answer: booked or saw someone."
        ),
        "{text}"
    );
    // `log` printed advice for yesterday's 8/10 and the tingling: stored as shown there.
    assert!(
        text.contains("neck: a severe report. Neck discomfort logged at 8/10. Shown in the terminal. Answer: none asked."),
        "{text}"
    );
    assert!(
        text.contains("6 reminder(s) shown: 2 done or answered with a discomfort log (40% of those answered), 1 snoozed, 0 skipped, 2 ignored"),
        "{text}"
    );

    let only = ok(&home, &["report", "--days", "5", "--area", "wrists"]);
    assert!(only.contains("wrists only") && only.contains("  wrists      ··▅··"), "{only}");
    assert!(!only.contains("neck"), "{only}");
}

#[test]
fn markdown_report_is_a_page_for_a_therapist_with_a_row_per_area() {
    let home = Home::new();
    three_reports(&home);
    daemon_rows(&home);
    let md = ok(&home, &["report", "--format", "markdown", "--days", "7"]);
    assert!(md.starts_with("# Discomfort summary\n"), "{md}");
    assert!(md.contains("not medical advice"), "{md}");
    assert!(md.contains(
        "| Area | Reports | Days with reports | Average (0–10) | Worst (0–10) | Trend | Signs mentioned |"
    ));
    assert!(md.contains("\n| Neck | 2 | 2 | 5.0 | 8 | worsening | none |\n"), "{md}");
    assert!(
        md.contains("\n| Wrists | 1 | 1 | 5.0 | 5 | too few reports to tell | numbness or tingling |\n"),
        "{md}"
    );
    assert!(md.contains("| Neck | 2/10 | after a call, \"long\" one |"), "{md}");
    assert!(md.contains("| Neck | It is getting worse: neck discomfort rose from 2 to 8 in 2 days | As a notification | Booked or saw someone |"), "{md}");
    assert!(
        md.contains(
            "| Neck | A severe report: neck discomfort logged at 8/10 | In the terminal | None asked |"
        ),
        "{md}"
    );
}

#[test]
fn csv_report_quotes_notes_and_defuses_formulas() {
    let home = Home::new();
    three_reports(&home);
    let csv = ok(&home, &["report", "--format", "csv"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "time,area,severity,symptoms,note,source,pops,rule");
    assert_eq!(lines.len(), 5, "{csv}");
    assert!(lines[1].starts_with(&format!("{}T10:00:00+0", day(3))), "{csv}");
    assert!(lines[1].ends_with(",neck,2,,\"after a call, \"\"long\"\" one\",cli,,"), "{csv}");
    assert!(lines[2].ends_with(",wrists,5,tingling,,cli,,"), "{csv}");
    assert!(lines[3].ends_with(",neck,8,,'=SUM(A1),cli,,"), "{csv}");
    assert!(lines[4].ends_with(",neck,,,neck discomfort logged at 8/10,rule,,severe"), "{csv}");
}

#[test]
fn html_report_is_self_contained_with_a_chart_and_escaped_notes() {
    let home = Home::new();
    log(
        &home,
        &["--area", "neck", "--severity", "6", "--at", &at(2), "--note", "<script>alert(1)</script> & co"],
    );
    log(&home, &["--area", "neck", "--severity", "3", "--at", &at(1)]);
    let html = ok(&home, &["report", "--format", "html"]);
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("<svg") && html.contains("<polyline"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"), "{html}");
    assert!(!html.to_lowercase().contains("<script"), "no scripts at all");
    for external in ["<link", "src=", "href=", "url(", "@import"] {
        assert!(!html.contains(external), "nothing fetched: {external}");
    }
    assert!(html.contains(&format!(">{}</text>", day(29))), "the first date on the axis: {html}");
    assert!(
        html.contains("<td>Neck</td><td>2</td><td>2</td><td>4.5</td><td>6</td><td>easing</td>"),
        "{html}"
    );
}

#[test]
fn json_report_has_the_documented_fields() {
    let home = Home::new();
    three_reports(&home);
    daemon_rows(&home);
    let doc: Value =
        serde_json::from_str(&ok(&home, &["report", "--format", "json", "--days", "4"])).unwrap();
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&doc), ["adherence", "advice", "areas", "findings", "period", "pops", "reports"]);
    assert_eq!(doc["period"]["from"], day(3).to_string());
    assert_eq!(doc["period"]["to"], day(0).to_string());
    assert_eq!(doc["period"]["days"], 4);
    let neck = &doc["areas"][0];
    assert_eq!(keys(neck), ["area", "average", "daily", "days", "max", "reports", "symptoms", "trend"]);
    assert_eq!(
        (neck["area"].as_str(), neck["reports"].as_u64(), neck["max"].as_u64()),
        (Some("neck"), Some(2), Some(8))
    );
    assert_eq!(neck["average"], 5.0);
    assert_eq!(neck["trend"], "worsening");
    let daily: Vec<Value> = neck["daily"].as_array().unwrap().iter().map(|d| d["max"].clone()).collect();
    assert_eq!(daily, [Value::from(2), Value::Null, Value::from(8), Value::Null]);
    assert_eq!(neck["daily"][0]["date"], day(3).to_string());
    assert_eq!(doc["areas"][1]["symptoms"], serde_json::json!(["tingling"]));
    let a = &doc["adherence"];
    assert_eq!((a["shown"].as_u64(), a["done"].as_u64(), a["logged"].as_u64()), (Some(6), Some(1), Some(1)));
    assert_eq!(
        (a["ignored"].as_u64(), a["unanswered"].as_u64(), a["engaged"].as_u64()),
        (Some(2), Some(1), Some(2))
    );
    assert_eq!(doc["advice"][0]["reason"], "worsening");
    assert_eq!(doc["advice"][0]["outcome"], "booked");
    let r = &doc["reports"][0];
    assert_eq!(keys(r), ["area", "at", "note", "severity", "source", "symptoms"]);
    assert_eq!(r["note"], "after a call, \"long\" one");
}

#[test]
fn output_goes_to_a_file_only_you_can_read() {
    let home = Home::new();
    three_reports(&home);
    let file = home.dir.path().join("for-my-physio.md");
    std::fs::write(&file, "old").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = home.run(&["report", "--format", "markdown", "--output", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        format!(
            "Wrote the Markdown report (3 discomfort report(s)) to {} (readable by you only).\n",
            file.display()
        )
    );
    assert_eq!(std::fs::metadata(&file).unwrap().mode() & 0o777, 0o600);
    assert!(std::fs::read_to_string(&file).unwrap().starts_with("# Discomfort summary\n"));

    let fresh = home.dir.path().join("export.json");
    let out = home.run(&["export", "-o", fresh.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::metadata(&fresh).unwrap().mode() & 0o777, 0o600);
}

#[test]
fn export_has_every_report_reminder_and_advice_with_notes_and_answers() {
    let home = Home::new();
    three_reports(&home);
    daemon_rows(&home);
    let doc: Value = serde_json::from_str(&ok(&home, &["export"])).unwrap();
    assert_eq!(doc["format"], "postured-export");
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["schema_version"], 7);
    assert_eq!(doc["pops"], serde_json::json!([]));
    assert_eq!(doc["natural_breaks"], serde_json::json!([]));
    assert!(doc["exported_at"].as_str().unwrap().starts_with(&day(0).to_string()));
    let reports = doc["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 3);
    assert_eq!(reports[0]["note"], "after a call, \"long\" one");
    assert_eq!(reports[1]["symptoms"], serde_json::json!(["tingling"]));
    assert_eq!(reports[2]["severity"], 8);
    assert_eq!(doc["reminders"].as_array().unwrap().len(), 6);
    assert_eq!(doc["reminders"][0]["outcome"], "done");
    assert_eq!(doc["care_advice"][0]["why"], "neck discomfort rose from 2 to 8 in 2 days");
    assert_eq!(doc["care_advice"][0]["outcome"], "booked");
    assert_eq!(doc["care_advice"][0]["shown_in"], "notification");
    assert_eq!(doc["care_advice"][1]["shown_in"], "terminal", "printed by `log` for the 8/10");
}

#[test]
fn forget_asks_refuses_without_a_terminal_and_with_yes_deletes_only_older_rows() {
    let home = Home::new();
    three_reports(&home);
    daemon_rows(&home);
    let before = day(2).to_string();
    let count = |table: &str| -> i64 {
        db(&home).query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap()
    };

    // The test's stdin is not a terminal: nothing is deleted.
    let out = home.run(&["forget", "--before", &before]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "postured: not deleting anything: there is no terminal to ask on. To delete 1 report, 0 reminders, 0 care notes and 0 breaks from before {before} 00:00, add --yes.\n"
        )
    );
    assert_eq!(count("discomfort"), 3);

    let out = home.run(&["forget", "--before", &(day(0) + Duration::days(2)).to_string(), "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("is in the future: that would delete everything; use a past date"));
    assert_eq!(count("discomfort"), 3);

    let out = home.run(&["forget", "--before", &before, "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!("Deleted 1 report, 0 reminders, 0 care notes and 0 breaks from before {before} 00:00.\n")
    );
    assert_eq!(count("discomfort"), 2);
    // The daemon's advice from yesterday, and what `log` printed today (for the 8/10; tingling
    // in the wrists alone is not a same-day warning sign).
    assert_eq!((count("reminders"), count("care_advice")), (6, 2));

    let out = home.run(&["forget", "--before", &day(0).to_string(), "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        (count("discomfort"), count("reminders"), count("care_advice")),
        (0, 0, 1),
        "today's advice stays"
    );
    let out = home.run(&["forget", "--before", &day(0).to_string()]);
    assert_eq!(stdout(&out), format!("Nothing is stored from before {} 00:00; nothing deleted.\n", day(0)));
}

#[test]
fn a_broken_config_still_allows_a_report_and_bad_days_are_refused() {
    let home = Home::new();
    three_reports(&home);
    home.write_config("[limits]\nmin_gap = \"0s\"\n");
    let out = home.run(&["report"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with(
            "postured: the config has an error, using the system time zone and default care rules for now:\n"
        ),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("  neck  "));
    for days in ["0", "3661"] {
        let out = home.run(&["report", "--days", days]);
        assert_eq!(out.status.code(), Some(2), "--days {days}");
    }
    assert!(home.run(&["report", "--days", "3660"]).status.success());
}

#[test]
fn forget_while_another_program_reads_says_the_text_is_still_there_and_the_next_open_wipes_it() {
    let home = Home::new();
    let secret = "zebra-striped secret about my neck";
    log(&home, &["--area", "neck", "--severity", "3", "--at", &at(3), "--note", secret]);
    let db_file = home.dir.path().join("state/postured/postured.sqlite3");
    let holding_the_secret = || -> Vec<String> {
        ["", "-wal", "-shm"]
            .iter()
            .filter(|suffix| {
                let bytes = std::fs::read(format!("{}{suffix}", db_file.display())).unwrap_or_default();
                bytes.windows(secret.len()).any(|w| w == secret.as_bytes())
            })
            .map(|suffix| format!("postured.sqlite3{suffix}"))
            .collect()
    };
    assert!(!holding_the_secret().is_empty(), "the note is on disk to begin with");

    // Another program (the daemon, a second `report`) in the middle of a read.
    let reader = db(&home);
    reader.execute_batch("BEGIN; SELECT count(*) FROM discomfort;").unwrap();
    let out = home.run(&["forget", "--before", &day(2).to_string(), "--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(
        stderr(&out),
        "postured: deleted 1 report, 0 reminders, 0 care notes and 0 breaks, but another program (postured \
         run?) holds the database open, so the deleted text is still in the file; it will be wiped the next \
         time the store is opened\n"
    );
    assert!(!holding_the_secret().is_empty(), "as the message says");
    let left: i64 = db(&home).query_row("SELECT count(*) FROM discomfort", [], |r| r.get(0)).unwrap();
    assert_eq!(left, 0, "deleted all the same");

    // The reader finishes but stays connected, as a running daemon does; the next open wipes.
    reader.execute_batch("COMMIT").unwrap();
    log(&home, &["--area", "wrists", "--severity", "2"]);
    assert_eq!(holding_the_secret(), Vec::<String>::new());
    let pending: i64 = reader.query_row("SELECT count(*) FROM wipe_pending", [], |r| r.get(0)).unwrap();
    assert_eq!(pending, 0, "done, so not again");
}

#[test]
fn pops_are_counted_per_day_in_every_format_and_in_export_and_forget() {
    // Issue 10: the popping habit, `postured log --popped [--at TIME]`.
    let home = Home::new();
    for _ in 0..4 {
        let said = ok(&home, &["log", "--popped", "--at", &at(2)]);
        assert!(said.starts_with("Logged a pop of the upper back at "), "{said}");
    }
    let said = ok(&home, &["log", "--popped"]);
    assert!(said.starts_with("Logged a pop of the upper back (pop 5)."), "{said}");
    let out = home.run(&["log", "--popped", "--area", "neck"]);
    assert_eq!(out.status.code(), Some(2), "--popped is a log of its own");

    let json: Value = serde_json::from_str(&ok(&home, &["report", "--format", "json"])).unwrap();
    let pops: Vec<(String, u64)> = json["pops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["date"].as_str().unwrap().to_owned(), p["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(pops, [(day(2).to_string(), 4), (day(0).to_string(), 1)]);
    let text = ok(&home, &["report"]);
    assert!(text.contains("Pops of the upper back (self-reported)"), "{text}");
    assert!(text.contains(&format!("{}  4", day(2).format("%a %Y-%m-%d"))), "{text}");
    let md = ok(&home, &["report", "--format", "markdown"]);
    assert!(md.contains("## Pops of the upper back"), "{md}");
    assert!(md.contains(&format!("| {} | 4 |", day(2).format("%a %-d %b %Y"))), "{md}");
    let html = ok(&home, &["report", "--format", "html"]);
    assert!(html.contains(&format!("<td>{}</td><td>4</td>", day(2).format("%a %-d %b %Y"))), "{html}");
    let csv = ok(&home, &["report", "--format", "csv"]);
    assert!(csv.contains(&format!("\n{},upper-back,,,,,4,\n", day(2))), "{csv}");
    // Only with the upper back.
    let neck: Value =
        serde_json::from_str(&ok(&home, &["report", "--format", "json", "--area", "neck"])).unwrap();
    assert_eq!(neck["pops"], serde_json::json!([]));

    let export: Value = serde_json::from_str(&ok(&home, &["export"])).unwrap();
    assert_eq!(export["pops"].as_array().unwrap().len(), 5);
    assert_eq!(export["pops"][0]["source"], "cli");
    let out = home.run(&["forget", "--before", &day(1).to_string(), "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("4 pops"), "{}", stdout(&out));
    let export: Value = serde_json::from_str(&ok(&home, &["export"])).unwrap();
    assert_eq!(export["pops"].as_array().unwrap().len(), 1);
}

#[test]
fn what_the_rules_say_now_in_every_format() {
    // Issue 10: every open finding per area with its rule, in plain words.
    let home = Home::new();
    three_reports(&home);
    let json: Value = serde_json::from_str(&ok(&home, &["report", "--format", "json"])).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["area"], "neck");
    assert_eq!(findings[0]["reason"], "severe");
    assert_eq!(findings[0]["why"], "neck discomfort logged at 8/10");
    assert!(
        findings[0]["since"].as_str().unwrap().starts_with(&format!("{}T10:00:00+0", day(1))),
        "{findings:?}"
    );
    let keys: Vec<&String> = findings[0].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["area", "reason", "since", "why"]);
    let text = ok(&home, &["report"]);
    assert!(
        text.contains(
            "What the rules say now\n  neck: a severe report. Neck discomfort logged at 8/10 (since "
        ),
        "{text}"
    );
    let md = ok(&home, &["report", "--format", "markdown"]);
    assert!(md.contains("## What the rules say now"), "{md}");
    assert!(md.contains("| Neck | A severe report | Neck discomfort logged at 8/10 |"), "{md}");
    let html = ok(&home, &["report", "--format", "html"]);
    assert!(html.contains("<h2>What the rules say now</h2>"), "{html}");
    assert!(
        html.contains("<td>Neck</td><td>A severe report</td><td>Neck discomfort logged at 8/10</td>"),
        "{html}"
    );
    let csv = ok(&home, &["report", "--format", "csv"]);
    let rule = csv.lines().find(|l| l.ends_with(",rule,,severe")).unwrap_or_else(|| panic!("{csv}"));
    assert!(rule.contains(",neck,,,neck discomfort logged at 8/10,rule,,severe"), "{rule}");
    // Another area only: not its findings.
    let wrists: Value =
        serde_json::from_str(&ok(&home, &["report", "--format", "json", "--area", "wrists"])).unwrap();
    assert_eq!(wrists["findings"], serde_json::json!([]));
    let text = ok(&home, &["report", "--area", "wrists"]);
    assert!(text.contains("What the rules say now\n  No rule points to seeing anyone now."), "{text}");
}
