use super::*;
use crate::core::Kind;

const USER: &str = "/home/u/.config/postured/config.toml";

fn load_with(user: &str, catalog: Option<&str>) -> Result<Settings, ConfigError> {
    let source = Source { path: PathBuf::from(USER), text: user.to_owned() };
    let catalog = catalog.map(str::to_owned);
    from_sources(Some(source), Some(Path::new("/home/u/.config/postured")), move |p| {
        Ok(catalog.clone().map(|text| Source { path: p.to_owned(), text }))
    })
}

fn settings(user: &str) -> Settings {
    load_with(user, None).unwrap_or_else(|e| panic!("{e}"))
}

fn error(user: &str) -> String {
    load_with(user, None).map(|_| ()).unwrap_err().headline()
}

#[test]
fn the_default_config_and_catalogue_load_and_are_sensible() {
    let s = from_sources(None, None, |_| Ok(None)).unwrap();
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    assert_eq!(s.rules.zone, Zone::System);
    assert_eq!(
        s.rules.intervals.keys().copied().collect::<Vec<_>>(),
        [Kind::Posture, Kind::Stretch, Kind::Movement]
    );
    assert_eq!(s.rules.limits.max_per_day, 16);
    assert_eq!(s.rules.limits.min_gap, chrono::Duration::minutes(15));
    assert_eq!(s.rules.limits.self_mobilisation.per_day, 2);
    assert_eq!(s.rules.limits.self_mobilisation.min_gap, chrono::Duration::hours(3));
    assert!(s.catalog.entries.len() >= 20, "only {} catalogue entries", s.catalog.entries.len());
    assert_eq!(
        s.notifications,
        Notifications {
            snooze: Duration::from_secs(900),
            expire: Duration::from_secs(120),
            pause: Duration::from_secs(3600)
        }
    );
}

#[test]
fn a_user_file_overrides_key_by_key() {
    let s = settings(
        "timezone = \"Europe/Berlin\"\n[hours]\nsat = [\"10:00-12:00\"]\n[reminders.eyes]\nenabled = true\n[limits]\nmin_gap = \"20m\"\n",
    );
    assert_eq!(s.rules.zone, Zone::Named(crate::adapters::zoneinfo::load("Europe/Berlin").unwrap()));
    assert_eq!(s.rules.hours.day(5), ["10:00-12:00".parse::<TimeRange>().unwrap()]);
    assert_eq!(s.rules.hours.day(0).len(), 2, "monday keeps the default");
    assert_eq!(
        s.rules.intervals.get(&Kind::Eyes),
        Some(&chrono::Duration::minutes(20)),
        "the default interval stays"
    );
    assert_eq!(s.rules.limits.min_gap, chrono::Duration::minutes(20));
    assert_eq!(s.rules.limits.max_per_day, 16);
    assert_eq!(s.files, [PathBuf::from("<built-in default.toml>"), PathBuf::from(USER)]);
}

#[test]
fn unknown_keys_are_errors_with_their_place() {
    assert_eq!(
        error("[limits]\nmax_per_hour = 3\nmax_per_week = 9\n"),
        format!(
            "{USER}:3:1: unknown field `max_per_week`, expected one of `max_per_hour`, `max_per_day`, `min_gap`, `quiet_hours`, `day_starts`, `no_repeat_within`, `back_off_after`, `self_mobilisation`"
        )
    );
    assert_eq!(
        error("[reminders.lunch]\nenabled = true\n"),
        format!(
            "{USER}:1:12: unknown field `lunch`, expected one of `posture`, `eyes`, `stretch`, `movement`"
        )
    );
}

#[test]
fn wrong_types_are_errors_with_their_place() {
    assert_eq!(
        error("[limits]\nmax_per_day = \"ten\"\n"),
        format!("{USER}:2:15: invalid type: string \"ten\", expected i64")
    );
    assert_eq!(
        error("[hours]\nmon = \"09:00-17:00\"\n"),
        format!("{USER}:2:7: invalid type: string \"09:00-17:00\", expected a sequence")
    );
}

#[test]
fn broken_toml_is_an_error_with_its_place() {
    let e = error("[limits\nmax_per_day = 3\n");
    assert!(e.starts_with(&format!("{USER}:1:")), "{e}");
}

#[test]
fn out_of_range_values_say_what_is_allowed() {
    assert_eq!(
        error("[limits]\nmax_per_day = 0\n"),
        format!("{USER}:2:15: `limits.max_per_day` must be a whole number from 1 to 200, got 0")
    );
    assert_eq!(
        error("[limits]\nmax_per_hour = 99999999999999\n"),
        format!("{USER}:2:16: `limits.max_per_hour` must be a whole number from 1 to 60, got 99999999999999")
    );
    assert_eq!(
        error("[limits]\nback_off_after = -1\n"),
        format!("{USER}:2:18: `limits.back_off_after` must be a whole number from 0 to 20, got -1")
    );
    assert_eq!(
        error("[reminders.posture]\ninterval = \"0m\"\n"),
        format!("{USER}:2:12: `reminders.posture.interval`: must be from 1s to 1day, got 0s")
    );
    assert_eq!(
        error("[reminders.stretch]\ninterval = \"-5m\"\n"),
        format!("{USER}:2:12: `reminders.stretch.interval`: durations can't be negative, got \"-5m\"")
    );
    assert_eq!(
        error("[limits]\nmin_gap = \"45\"\n"),
        format!(
            "{USER}:2:11: `limits.min_gap`: \"45\" needs a unit: write e.g. \"45m\", \"1h30m\" or \"20s\""
        )
    );
    assert!(
        error("[limits]\nmin_gap = \"100000000000000000000h\"\n")
            .starts_with(&format!("{USER}:2:11: `limits.min_gap`: "))
    );
}

#[test]
fn the_self_mobilisation_cap_cannot_be_loosened() {
    assert_eq!(
        error("[limits.self_mobilisation]\nper_day = 5\n"),
        format!("{USER}:2:11: `limits.self_mobilisation.per_day` must be a whole number from 0 to 2, got 5")
    );
    assert_eq!(
        error("[limits.self_mobilisation]\nmin_gap = \"30m\"\n"),
        format!("{USER}:2:11: `limits.self_mobilisation.min_gap`: must be from 3h to 7days, got 30m")
    );
    assert_eq!(
        settings("[limits.self_mobilisation]\nper_day = 0\n").rules.limits.self_mobilisation.per_day,
        0
    );
}

#[test]
fn hours_must_be_ranges_that_do_not_overlap() {
    assert_eq!(
        error("[hours]\nmon = [\"09:00-17:00\", \"12:00-13:00\"]\n"),
        format!("{USER}:2:7: `hours.mon`: ranges 09:00-17:00 and 12:00-13:00 overlap")
    );
    assert_eq!(
        error("[hours]\nmon = [\"22:00-10:00\"]\n"),
        format!(
            "{USER}:2:7: `hours.mon` 22:00-10:00 runs into `hours.tue` 09:00-12:30; working ranges must not overlap"
        )
    );
    // An end at the start is a whole 24 hours, so Tuesday from 10:00 runs into Wednesday.
    assert_eq!(
        error("[hours]\ntue = [\"10:00-10:00\"]\n"),
        format!(
            "{USER}:2:7: `hours.tue` 10:00-10:00 runs into `hours.wed` 09:00-12:30; working ranges must not overlap"
        )
    );
    assert_eq!(
        error("[hours]\nwed = [\"9 to 5\"]\n"),
        format!(
            "{USER}:2:8: `hours.wed`: `9 to 5` is not a time range; write it as \"HH:MM-HH:MM\", e.g. \"09:00-17:30\", or \"all day\""
        )
    );
    assert_eq!(
        error("[limits]\nquiet_hours = [\"25:00-07:00\"]\n"),
        format!(
            "{USER}:2:16: `limits.quiet_hours`: `25:00-07:00` is not a time range; write it as \"HH:MM-HH:MM\", e.g. \"09:00-17:30\", or \"all day\""
        )
    );
    // Night shifts are fine, and so is a whole day, however it is written.
    let s = settings("[hours]\nmon = [\"22:00-06:00\"]\ntue = []\n");
    assert!(s.rules.hours.day(0)[0].crosses_midnight());
    let s = settings("[hours]\nsat = [\"00:00-00:00\"]\nsun = [\"all day\"]\n");
    assert_eq!((s.rules.hours.day(5)[0].minutes(), s.rules.hours.day(6)[0].minutes()), (1440, 1440));
}

#[test]
fn a_bad_time_zone_or_day_start_is_named() {
    assert_eq!(
        error("timezone = \"Mars/Olympus\"\n"),
        format!(
            "{USER}:1:12: unknown time zone \"Mars/Olympus\"; use an IANA name such as \"Europe/Berlin\" or \"America/New_York\""
        )
    );
    assert_eq!(
        error("[limits]\nday_starts = \"4am\"\n"),
        format!("{USER}:2:14: `limits.day_starts` must be a time of day \"HH:MM\", got \"4am\"")
    );
}

#[test]
fn settings_that_silence_everything_are_allowed_but_warned_about() {
    let none = "[hours]\nmon = []\ntue = []\nwed = []\nthu = []\nfri = []\n";
    assert_eq!(
        settings(none).warnings,
        ["no working hours are set in [hours], so no reminder will ever fire"]
    );
    let quiet = "[limits]\nquiet_hours = [\"00:00-24:00\"]\n";
    assert_eq!(
        settings(quiet).warnings,
        ["quiet hours cover all working hours, so no reminder will ever fire"]
    );
}

#[test]
fn the_error_display_shows_the_line_with_a_caret() {
    let e = load_with("[limits]\nmax_per_day = 0\n", None).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{USER}:2:15: `limits.max_per_day` must be a whole number from 1 to 200, got 0\n  |\n2 | max_per_day = 0\n  |               ^"
        )
    );
}

const ENTRY: &str = "[[entry]]\nid = \"desk-push\"\ntitle = \"Desk push-up\"\nkinds = [\"movement\"]\nareas = [\"chest\"]\nduration = \"30s\"\nsteps = [\"Hands on the desk edge.\", \"Ten slow push-ups.\"]\nsource = \"My physio\"\n";

#[test]
fn a_user_catalogue_adds_replaces_and_hides_entries() {
    let base = from_sources(None, None, |_| Ok(None)).unwrap().catalog;
    let first = base.entries[0].id.clone();
    let replace = ENTRY.replace("desk-push", &first);
    let hide = "[[entry]]\nid = \"seated-upper-back-extension\"\ndisabled = true\n";
    let text = format!("{ENTRY}\n{replace}\n{hide}");
    let s = load_with("", Some(&text)).unwrap();
    assert_eq!(s.catalog.entries.len(), base.entries.len());
    assert_eq!(s.catalog.get("desk-push").unwrap().steps, ["Hands on the desk edge.", "Ten slow push-ups."]);
    assert_eq!(s.catalog.get(&first).unwrap().title, "Desk push-up");
    assert!(s.catalog.get("seated-upper-back-extension").is_none());
}

#[test]
fn catalogue_errors_name_the_entry_and_what_is_allowed() {
    let cat = |text: &str| load_with("", Some(text)).map(|_| ()).unwrap_err().headline();
    let path = "/home/u/.config/postured/catalog.toml";
    assert_eq!(
        cat(&ENTRY.replace("[\"chest\"]", "[\"elbow\"]")),
        format!(
            "{path}:5:10: entry \"desk-push\": unknown area `elbow`; expected one of neck, upper-back, shoulders, chest, lower-back, wrists, eyes, whole-body"
        )
    );
    assert_eq!(
        cat(&ENTRY.replace("[\"movement\"]", "[\"nap\"]")),
        format!(
            "{path}:4:10: entry \"desk-push\": unknown reminder kind `nap`; expected one of posture, eyes, stretch, movement"
        )
    );
    assert_eq!(
        cat(&ENTRY.replace("\"30s\"", "\"2h\"")),
        format!("{path}:6:12: `duration` of \"desk-push\": must be from 5s to 30m, got \"2h\"")
    );
    assert_eq!(
        cat(&ENTRY.replace("desk-push", "Desk Push")),
        format!("{path}:2:6: entry id \"Desk Push\" must be 1 to 48 lowercase letters, digits and dashes")
    );
    let long = "x".repeat(400);
    assert_eq!(
        cat(&ENTRY.replace("Ten slow push-ups.", &long)),
        format!(
            "{path}:7:9: `steps` of \"desk-push\" (joined) is 424 characters; at most 300 fit in a notification"
        )
    );
    assert_eq!(
        cat("[[entry]]\nid = \"nope\"\ndisabled = true\n"),
        format!("{path}:2:6: `disabled = true` names no built-in entry: there is no entry \"nope\"")
    );
    assert_eq!(
        cat(&format!("{ENTRY}self_mobilisation = true\n").replace("[\"chest\"]", "[\"neck\"]")),
        format!(
            "{path}:2:6: entry \"desk-push\": self-mobilisation is never suggested for the neck; remove \"neck\" from its areas"
        )
    );
    assert_eq!(
        cat(&ENTRY.replace("title = \"Desk push-up\"\n", "")),
        format!("{path}:1:1: entry \"desk-push\" has no `title`")
    );
}

#[test]
fn an_enabled_kind_needs_a_catalogue_entry() {
    let mut hide = String::new();
    let base = from_sources(None, None, |_| Ok(None)).unwrap().catalog;
    for e in base.entries.iter().filter(|e| e.kinds.contains(&Kind::Eyes)) {
        hide.push_str(&format!("[[entry]]\nid = \"{}\"\ndisabled = true\n", e.id));
    }
    let e = load_with("[reminders.eyes]\nenabled = true\n", Some(&hide)).map(|_| ()).unwrap_err();
    assert_eq!(
        e.headline(),
        format!(
            "{USER}:2:11: no catalogue entry is meant for `eyes` reminders; add one with kinds = [\"eyes\"] or set reminders.eyes.enabled = false"
        )
    );
}

#[test]
fn huge_and_binary_files_are_refused_before_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.toml");
    std::fs::write(&big, vec![b'#'; 10 << 20]).unwrap();
    let e = load(&ConfigPath::Explicit(big.clone())).unwrap_err();
    assert_eq!(
        e.headline(),
        format!("{}: is 10485760 bytes; config and catalogue files are at most 1 MiB", big.display())
    );
    let bin = dir.path().join("bin.toml");
    std::fs::write(&bin, b"a = \"\xff\xfe\"").unwrap();
    let e = load(&ConfigPath::Explicit(bin.clone())).unwrap_err();
    assert_eq!(
        e.headline(),
        format!("{}:1:6: not valid UTF-8 (byte 0xff); save the file as UTF-8 text", bin.display())
    );
    let missing = dir.path().join("nope.toml");
    let e = load(&ConfigPath::Explicit(missing.clone())).unwrap_err();
    assert!(e.headline().starts_with(&format!("{}: can't read it: ", missing.display())), "{e}");
}

#[test]
fn care_defaults_match_the_core_and_user_values_are_checked() {
    let s = settings("");
    assert_eq!(s.care.rules, crate::core::CareRules::default(), "default.toml and CareRules agree");
    assert_eq!(s.care.link, None);
    let s = settings("[care]\nrecurrence_days = 3\nlink = \"https://physio.example/book\"\n");
    assert_eq!(s.care.rules.recurrence_days, 3);
    assert_eq!(s.care.rules.severe, 7, "the rest stays default");
    assert_eq!(s.care.link.as_deref(), Some("https://physio.example/book"));
    assert_eq!(
        error("[care]\nsevere = 11\n"),
        format!("{USER}:2:10: `care.severe` must be a whole number from 5 to 10, got 11")
    );
    assert!(
        error("[care]\nlink = \"javascript:alert(1)\"\n")
            .contains("`care.link` must be an http:// or https:// address")
    );
    assert!(error("[care]\nrepeat_after = \"-1d\"\n").contains("durations can't be negative"));
    assert!(error("[care]\nseverity = 7\n").contains("unknown field `severity`"));
}

#[test]
fn the_session_section_has_defaults_overrides_and_range_checks() {
    let s = settings("");
    let session = Session {
        idle_threshold: Duration::from_secs(120),
        lock_counts_as_break: true,
        after_busy: Duration::from_secs(120),
        after_unlock: Duration::from_secs(600),
        busy_when: crate::core::Busy::ALL.into_iter().collect(),
    };
    assert_eq!(s.session, session);
    assert_eq!(s.rules.breaks[&Kind::Movement], chrono::Duration::minutes(5));
    assert_eq!(s.rules.breaks[&Kind::Eyes], chrono::Duration::seconds(20));
    let s = settings("[session]\nlock_counts_as_break = false\n[session.break_length]\nposture = \"3m\"\n");
    assert!(!s.session.lock_counts_as_break);
    assert_eq!(s.rules.breaks[&Kind::Posture], chrono::Duration::minutes(3));
    assert_eq!(s.rules.breaks[&Kind::Stretch], chrono::Duration::minutes(2), "the default stays");
    assert_eq!(
        error("[session]\nidle_threshold = \"0s\"\n"),
        format!("{USER}:2:18: `session.idle_threshold`: must be from 1s to 1h, got 0s")
    );
    assert_eq!(
        error("[session.break_length]\neyes = \"9h\"\n"),
        format!("{USER}:2:8: `session.break_length.eyes`: must be from 1s to 8h, got 9h")
    );
    assert!(error("[session]\nidle = \"2m\"\n").contains("unknown field `idle`"));
}

#[test]
fn special_files_are_refused_by_name_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.toml");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let cases = [
        (PathBuf::from("/dev/zero"), "is a device, not a regular file"),
        (fifo, "is a named pipe (FIFO), not a regular file"),
        (dir.path().to_owned(), "is a folder, not a file"),
    ];
    for (path, why) in cases {
        let e = load(&ConfigPath::Explicit(path.clone())).unwrap_err();
        assert_eq!(e.headline(), format!("{}: {why}", path.display()));
        // The catalogue goes through the same reader.
        let config = dir.path().join("with-catalog.toml");
        std::fs::write(&config, format!("catalog = \"{}\"\n", path.display())).unwrap();
        let e = load(&ConfigPath::Explicit(config)).unwrap_err();
        assert_eq!(e.headline(), format!("{}: {why}", path.display()));
    }
}

#[test]
fn invalid_utf8_is_located_by_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin.toml");
    std::fs::write(&bin, b"[limits]\nmin_gap = \"\xc3\xa9\xff\"\n").unwrap();
    let e = load(&ConfigPath::Explicit(bin.clone())).unwrap_err();
    assert_eq!(
        e.headline(),
        format!("{}:2:13: not valid UTF-8 (byte 0xff); save the file as UTF-8 text", bin.display())
    );
}

#[test]
fn deep_nesting_is_an_error_with_a_place_not_a_crash() {
    let headers = format!("[{}]\n", vec!["a"; 199].join("."));
    let arrays = format!("x = {}1{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let tables = format!("x = {}1{}\n", "{a = ".repeat(10_000), "}".repeat(10_000));
    let unclosed = format!("\n\nx = {}\n", "[".repeat(100_000));
    for text in [headers, arrays, tables, unclosed] {
        let e = error(&text);
        assert!(e.starts_with(&format!("{USER}:")), "{e}");
        let place = e[USER.len() + 1..].split(':').take(2).collect::<Vec<_>>();
        assert!(place.iter().all(|n| n.parse::<usize>().is_ok()), "no line:col in {e}");
        assert!(!e.contains("recursion limit") || e.contains("nested"), "{e}");
    }
}

/// The ranges `config/default.toml`'s comments give ("(1 to 60)", "(1-5)"), each as
/// (key, lowest, highest, is a duration).
fn commented_ranges() -> Vec<(String, String, String, bool)> {
    let mut section = String::new();
    let mut found = Vec::new();
    for line in include_str!("../../config/default.toml").lines() {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_owned();
            continue;
        }
        let Some((setting, comment)) = line.split_once('#') else { continue };
        let Some((key, value)) = setting.split_once('=') else { continue };
        let Some(range) = comment.rsplit_once('(').and_then(|(_, r)| r.split_once(')')).map(|(r, _)| r)
        else {
            continue;
        };
        let Some((low, high)) = range.split_once(" to ").or_else(|| range.split_once('-')) else { continue };
        let duration = value.trim().starts_with('"');
        found.push((format!("{section}.{}", key.trim()), low.to_owned(), high.to_owned(), duration));
    }
    found
}

#[test]
fn the_ranges_in_default_toml_and_the_readme_are_the_ones_the_code_allows() {
    let ranges = commented_ranges();
    assert!(ranges.len() >= 10, "{ranges:?}");
    let readme = include_str!("../../README.md");
    for (key, low, high, duration) in ranges {
        let (section, name) = key.rsplit_once('.').unwrap();
        let with = |value: &str| load_with(&format!("[{section}]\n{name} = {value}\n"), None);
        let (below, above, low_v, high_v): (Option<String>, String, String, String) = if duration {
            let (l, h) = (
                super::fields::parse_duration(&low).unwrap().as_secs(),
                super::fields::parse_duration(&high).unwrap().as_secs(),
            );
            let secs = |n: u64| format!("\"{n}s\"");
            (l.checked_sub(1).map(secs), secs(h + 1), secs(l), secs(h))
        } else {
            let (l, h): (u64, u64) = (low.parse().unwrap(), high.parse().unwrap());
            (l.checked_sub(1).map(|n| n.to_string()), (h + 1).to_string(), l.to_string(), h.to_string())
        };
        assert!(with(&low_v).is_ok(), "`{key}` = {low_v}, the lowest default.toml gives, is refused");
        assert!(with(&high_v).is_ok(), "`{key}` = {high_v}, the highest default.toml gives, is refused");
        assert!(with(&above).is_err(), "`{key}` = {above} is allowed, above default.toml's {high}");
        if let Some(below) = below {
            assert!(with(&below).is_err(), "`{key}` = {below} is allowed, below default.toml's {low}");
        }
        let row = readme
            .lines()
            .find(|l| l.starts_with("| `") && l.contains(&format!("`{key}`")))
            .unwrap_or_else(|| panic!("no README row for `{key}`"));
        let allowed = row.split('|').nth(3).unwrap_or_default();
        assert!(
            allowed.contains(&format!("{low}–{high}")),
            "README says {allowed:?} for `{key}`, default.toml {low} to {high}"
        );
    }
}
