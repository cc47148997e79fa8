//! `plan`, `check-config`, completions and the man page, through the real binary.

use crate::support::{Home, stderr, stdout};
use serde_json::Value;

fn json_lines(text: &str) -> Vec<Value> {
    text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

#[test]
fn plan_without_any_config_lists_a_working_day_in_the_system_zone() {
    let home = Home::new();
    let out = home.run(&["plan", "--from", "2026-06-01T08:00", "--days", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("Plan for 1 day(s) from Mon 2026-06-01 08:00 (system)\n"), "{text}");
    assert!(text.contains("\nMonday 2026-06-01\n  09:30  posture   Posture check · "), "{text}");
    assert!(text.ends_with("\n13 reminder(s), 0 held back.\n"), "{text}");
}

#[test]
fn plan_json_has_stable_fields_and_reports_holds() {
    let home = Home::new();
    home.write_config("timezone = \"America/New_York\"\n[limits]\nmax_per_day = 2\n");
    let out = home.run(&["plan", "--from", "2026-06-01T08:00", "--days", "1", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = json_lines(&stdout(&out));
    let first = &lines[0];
    assert_eq!(first["type"], "reminder");
    assert_eq!(first["at"], "2026-06-01T09:30:00-04:00");
    assert_eq!(first["kind"], "posture");
    assert!(first["entry"].is_string() && first["title"].is_string() && first["body"].is_string());
    let keys: Vec<&str> = first.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 6, "{keys:?}");
    let held = lines.iter().find(|l| l["type"] == "held").expect("a held line");
    assert_eq!(held["reason"], "daily_cap");
    assert_eq!(held["until"], "2026-06-02T04:00:00-04:00");
    assert_eq!(held["dropped"], true);
    assert_eq!(lines.iter().filter(|l| l["type"] == "reminder").count(), 2);
}

#[test]
fn plan_refuses_absurd_spans_and_bad_times_clearly() {
    let home = Home::new();
    let out = home.run(&["plan", "--days", "100000"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("100000 is not in 1..=366"), "{}", stderr(&out));
    let out = home.run(&["plan", "--from", "tomorrow"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "postured: --from \"tomorrow\" is not a time: write a date and time like 2026-03-29T08:00, a date like \
         2026-03-29, or a time with its offset like 2026-03-29T08:00:00+02:00\n"
    );
}

#[test]
fn plan_with_a_broken_config_fails_with_the_place_of_the_error() {
    let home = Home::new();
    let path = home.write_config("[limits]\nmin_gap = \"0s\"\n");
    let out = home.run(&["plan"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!(
            "postured: {}:2:11: `limits.min_gap`: must be from 1s to 4h, got 0s\n",
            path.display()
        )),
        "{err}"
    );
}

#[test]
fn check_config_exits_0_for_a_good_file_and_1_for_a_bad_one() {
    let home = Home::new();
    let good = home.write("good.toml", "[hours]\nsat = [\"10:00-12:00\"]\n");
    let out = home.run(&["check-config", good.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with(&format!("{} is valid\n", good.display())));

    let bad = home.write("bad.toml", "[hours]\nmon = [\"09:00-17:00\", \"16:00-18:00\"]\n");
    let out = home.run(&["check-config", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "{}:2:7: `hours.mon`: ranges 09:00-17:00 and 16:00-18:00 overlap\n  |\n2 | mon = [\"09:00-17:00\", \"16:00-18:00\"]\n  |       ^\n",
            bad.display()
        )
    );

    let out = home.run(&["check-config"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).starts_with("no config file; using the defaults\n"));
}

#[test]
fn a_user_catalogue_beside_the_config_is_used_and_checked() {
    let home = Home::new();
    home.write_config("[reminders.stretch]\nenabled = false\n[reminders.movement]\nenabled = false\n");
    let catalog = home.config_dir().join("catalog.toml");
    std::fs::write(&catalog, "[[entry]]\nid = \"x\"\ntitle = \"X\"\nkinds = [\"posture\"]\nareas = [\"elbows\"]\nduration = \"30s\"\nsteps = [\"Do.\"]\nsource = \"me\"\n").unwrap();
    let out = home.run(&["check-config"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with(&format!("{}:5:10: entry \"x\": unknown area `elbows`", catalog.display())),
        "{}",
        stderr(&out)
    );
}

#[test]
fn completions_and_man_page_are_generated() {
    let home = Home::new();
    let out = home.run(&["completions", "bash"]);
    assert!(out.status.success());
    assert!(stdout(&out).contains("check-config"));
    let out = home.run(&["man"]);
    assert!(out.status.success());
    assert!(stdout(&out).starts_with(".ie \\n(.g .ds Aq \\(aq"), "{}", &stdout(&out)[..80]);
}

#[test]
fn plan_shows_the_care_advice_stored_reports_would_bring_and_log_checks_its_input() {
    let home = Home::new();
    // Relative to today, so the year-long backdating limit never bites.
    let start = chrono::Utc::now().date_naive().and_hms_opt(7, 0, 0).unwrap().and_utc();
    let from = start.to_rfc3339();
    let from = from.as_str();
    // Logged under a stricter rule, so `log` prints (and so gives) no advice for them.
    home.write_config("[care]\nrecurrence_days = 6\n");
    for d in 1..=5 {
        let at = (start - chrono::Duration::days(d) + chrono::Duration::hours(2)).to_rfc3339();
        let out = home.run(&["log", "--area", "neck", "--severity", "3", "--at", &at]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(!stdout(&out).contains("Worth seeing someone"), "{}", stdout(&out));
    }
    home.write_config("");
    let out = home.run(&["plan", "--from", from, "--days", "2", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let care: Vec<Value> = json_lines(&stdout(&out)).into_iter().filter(|l| l["type"] == "care").collect();
    assert_eq!(care.len(), 1, "once, not every day: {care:?}");
    let care_at = chrono::DateTime::parse_from_rfc3339(care[0]["at"].as_str().unwrap()).unwrap();
    assert_eq!(care_at, start, "at the start of the plan");
    assert_eq!(care[0]["reason"], "recurrence");
    assert_eq!(care[0]["area"], "neck");
    assert_eq!(care[0]["why"], "neck discomfort logged on 5 of the last 14 days");
    assert_eq!(care[0]["title"], "Worth seeing someone about it");
    let text = stdout(&home.run(&["plan", "--from", from, "--days", "1"]));
    assert!(
        text.contains(
            "  care      Worth seeing someone about it (neck discomfort logged on 5 of the last 14 days)"
        ),
        "{text}"
    );

    // Bad input is refused with a clear message, and the five reports stay.
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let refused = [
        (vec!["--at", tomorrow.as_str()], "--at is in the future"),
        (vec!["--at", "2020-01-01"], "--at is more than a year ago"),
        (vec!["--at", "yesterday"], "--at \"yesterday\" is not a time"),
        (vec!["--symptom", "elbow"], "invalid value 'elbow' for '--symptom <SYMPTOM>'"),
    ];
    for (extra, message) in refused {
        let mut args = vec!["log", "--area", "neck", "--severity", "3"];
        args.extend(extra);
        let out = home.run(&args);
        assert!(!out.status.success(), "{args:?} was accepted");
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
    }
    let out = home.run(&["plan", "--from", from, "--days", "1", "--json"]);
    assert_eq!(stdout(&out).matches("\"type\":\"care\"").count(), 1);
}

#[test]
fn every_command_s_help_has_an_example_line() {
    use clap::CommandFactory;
    let home = Home::new();
    let cli = postured::cli::Cli::command();
    let mut commands: Vec<String> =
        cli.get_subcommands().filter(|c| !c.is_hide_set()).map(|c| c.get_name().to_owned()).collect();
    assert!(commands.len() >= 17, "{commands:?}");
    commands.push(String::new());
    for command in commands {
        let args: Vec<&str> = [command.as_str(), "--help"].into_iter().filter(|a| !a.is_empty()).collect();
        let out = home.run(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        let help = stdout(&out);
        let (_, examples) =
            help.split_once("\nExample").unwrap_or_else(|| panic!("no example in {args:?}:\n{help}"));
        let first = examples.lines().nth(1).unwrap_or_default();
        assert!(first.starts_with("  postured "), "`postured {command}` example: {first:?}");
        // An example runs a command that exists (its own, or `--config ... install`).
        assert!(first.contains(&format!(" {command}")), "`postured {command}` example: {first:?}");
    }
}

#[test]
fn setup_asks_the_exclusion_questions_and_writes_the_answers_keeping_the_rest_of_the_file() {
    use std::io::Write;
    let home = Home::new();
    let original = "# my settings\n[limits]\nmax_per_day = 10 # fewer\n\n[care]\n# my clinic\nlink = \"https://clinic.example/book\"\n";
    home.write_config(original);
    let setup = |answers: &str| {
        let mut child = home
            .command()
            .arg("setup")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(answers.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    // Osteoporosis: yes; hypermobility: no; spinal injury: skipped; arthritis: rather not say.
    let out = setup("y\nno\n\nr\n");
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(said.contains("osteoporosis") && said.contains("I'd rather not say"), "{said}");
    let path = home.dir.path().join("config/postured/config.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("# my settings\n[limits]\nmax_per_day = 10 # fewer\n"), "{text}");
    assert!(text.contains("# my clinic\nlink = \"https://clinic.example/book\"\n"), "{text}");
    assert!(text.contains("exclusions = [\"osteoporosis\"]"), "{text}");
    assert!(home.run(&["check-config"]).status.success());
    // Again: the answers replace the line, nothing else changes.
    let out = setup("n\nyes\nn\nn\n");
    assert!(out.status.success(), "{}", stderr(&out));
    let again = std::fs::read_to_string(&path).unwrap();
    assert_eq!(again, text.replace("[\"osteoporosis\"]", "[\"hypermobility\"]"));
    // Skipping everything changes nothing.
    let out = setup("\n\n\n\n");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), again);
}
