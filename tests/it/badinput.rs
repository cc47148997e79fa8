//! Bad input for every subcommand and option: out of range, garbage, huge, control characters,
//! special files. Each must end with a clear error on standard error, a non-zero exit, no
//! panic, and nothing stored. Runs without a daemon, so it stays fast.

use crate::support::{Home, path_str, stderr, stdout};
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

/// Exit 78 is EX_CONFIG from sysexits.h; the unit's RestartPreventExitStatus names it.
const EX_CONFIG: i32 = 78;

fn no_panic(args: &[&str], out: &Output) {
    let code = out.status.code();
    assert!(!matches!(code, Some(101 | 134) | None), "{args:?} crashed ({:?}): {}", out.status, stderr(out));
    assert!(!stderr(out).contains("panicked"), "{args:?} panicked: {}", stderr(out));
}

#[test]
fn run_with_a_broken_config_exits_with_ex_config_and_the_place() {
    let home = Home::new();
    let path = home.write_config("[limits]\nmax_per_day = 0\n");
    let out = home.run(&["run"]);
    no_panic(&["run"], &out);
    assert_eq!(out.status.code(), Some(EX_CONFIG), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{}:2:15: `limits.max_per_day` must be a whole number from 1 to 200",
            path.display()
        )),
        "{err}"
    );
    // The same for a missing --config file and a config that is a FIFO.
    let out = home.run(&["--config", path_str(&home.dir.path().join("nope.toml")), "run"]);
    assert_eq!(out.status.code(), Some(EX_CONFIG), "{}", stderr(&out));
    assert!(!home.dir.path().join("state/postured/postured.sqlite3").exists(), "nothing stored");
}

/// Runs `postured args` with `stdin`, killed if it takes longer than a bound: a hang is a bug.
/// Output goes to files, so a long error message can't fill a pipe and stall it.
fn run_bounded(home: &Home, args: &[OsString], stdin: Stdio) -> Output {
    let (out_path, err_path) = (home.dir.path().join("out.txt"), home.dir.path().join("err.txt"));
    let mut child = home
        .command()
        .args(args)
        .stdin(stdin)
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("start postured");
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    Output { status, stdout: std::fs::read(&out_path).unwrap(), stderr: std::fs::read(&err_path).unwrap() }
}

/// Every stored report, as text, to tell "nothing stored" from "something stored".
fn stored(home: &Home) -> Vec<String> {
    let db = crate::daemon::db(home);
    let mut stmt =
        db.prepare("SELECT id, at, area, severity, symptoms, note FROM discomfort ORDER BY id").unwrap();
    stmt.query_map([], |r| {
        Ok(format!(
            "{:?} {:?} {:?} {:?} {:?} {:?}",
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, Option<String>>(5)?
        ))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// The files and folders bad input is made of; kept alive as long as the home.
struct Specials {
    fifo: String,
    dir: String,
    huge: String,
    binary: String,
    deep: String,
    store: String,
}

fn specials(home: &Home) -> Specials {
    let p = home.dir.path();
    let fifo = p.join("fifo");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    std::fs::create_dir_all(p.join("folder")).unwrap();
    std::fs::write(p.join("huge.toml"), vec![b'#'; 3 << 20]).unwrap();
    std::fs::write(p.join("binary.toml"), b"timezone = \"\xff\xfe\"\n").unwrap();
    std::fs::write(p.join("deep.toml"), format!("x = {}", "[".repeat(50_000))).unwrap();
    let s = |name: &str| path_str(&p.join(name)).to_owned();
    Specials {
        fifo: s("fifo"),
        dir: s("folder"),
        huge: s("huge.toml"),
        binary: s("binary.toml"),
        deep: s("deep.toml"),
        store: s("state/postured/postured.sqlite3"),
    }
}

/// Text that no option takes: control characters, huge, empty, not UTF-8 (as an OsString).
fn garbage() -> Vec<OsString> {
    let mut g: Vec<OsString> = [
        "",
        " ",
        "-1",
        "1e9",
        "99999999999999999999999",
        "0x10",
        "NaN",
        "\u{1b}[31m",
        "\u{7}",
        "a\u{85}b",
        "é",
        "\u{202e}",
    ]
    .iter()
    .map(OsString::from)
    .collect();
    g.push(OsString::from("9".repeat(100_000)));
    g.push(OsString::from_vec(b"\xff\xfe".to_vec()));
    g
}

#[test]
fn every_subcommand_refuses_bad_input_clearly_and_stores_nothing() {
    let home = Home::new();
    let first = home.run(&["log", "--area", "neck", "--severity", "4", "--note", "the one good report"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let before = stored(&home);
    let sp = specials(&home);
    // `install` must never reach the machine's systemd, even if a case were let through.
    home.fake_program("systemctl", "#!/bin/sh\necho 'stand-in systemctl: not for this test' >&2\nexit 1\n");
    let files = [
        sp.fifo.as_str(),
        sp.dir.as_str(),
        sp.huge.as_str(),
        sp.binary.as_str(),
        sp.deep.as_str(),
        "/dev/zero",
        "/dev/null",
        "/nonexistent/x.toml",
    ];

    let mut cases: Vec<Vec<OsString>> = Vec::new();
    let mut add = |args: &[&str], value: &OsString| {
        let mut v: Vec<OsString> = args.iter().map(OsString::from).collect();
        v.push(value.clone());
        cases.push(v);
    };
    for g in &garbage() {
        for prefix in [
            &["log", "--severity", "3", "--area"][..],
            &["log", "--area", "neck", "--severity"],
            &["log", "--area", "neck", "--severity", "3", "--symptom"],
            &["log", "--area", "neck", "--severity", "3", "--at"],
            &["pause"],
            &["snooze"],
            &["plan", "--days"],
            &["plan", "--from"],
            &["report", "--days"],
            &["report", "--area"],
            &["report", "--format"],
            &["forget", "--yes", "--before"],
            &["completions"],
            &["status", "--json"],
            &["resume"],
            &["reload"],
            &["man"],
            &["no-such-command"],
            &["plan", "--no-such-option"],
        ] {
            add(prefix, g);
        }
    }
    // Notes with control characters, or too long, are refused before anything is stored.
    for note in [
        "\u{1b}]0;pwned\u{7}",
        "bell\u{7}",
        "a\u{85}b",
        "x\u{9b}2J",
        "del\u{7f}",
        &"n".repeat(1001),
        &"é".repeat(60_000),
    ] {
        add(&["log", "--area", "neck", "--severity", "3", "--note"], &OsString::from(note));
    }
    // Special files wherever a file is named.
    for f in files {
        add(&["check-config"], &OsString::from(f));
    }
    // (Not the regular files: replacing one of those is what --output is for.)
    for f in [
        sp.fifo.as_str(),
        sp.dir.as_str(),
        "/dev/zero",
        "/dev/null",
        "/nonexistent/x.toml",
        sp.store.as_str(),
    ] {
        add(&["report", "--output"], &OsString::from(f));
        add(&["export", "--output"], &OsString::from(f));
    }
    for f in files {
        let f = OsString::from(f);
        for command in [&["plan"][..], &["run"], &["install", "--no-start"]] {
            let mut v = vec![OsString::from("--config"), f.clone()];
            v.extend(command.iter().map(OsString::from));
            cases.push(v);
        }
    }
    // Out of range, though well formed.
    for args in [
        &["log", "--area", "neck", "--severity", "11"][..],
        &["log", "--area", "neck", "--severity", "3", "--at", "2999-01-01"],
        &["log", "--area", "neck", "--severity", "3", "--at", "1970-01-01T00:00:00Z"],
        &["log", "--area", "neck", "--severity", "3", "--at", "+275760-09-13T00:00:00Z"],
        &["log", "--area", "neck", "--severity", "3", "--at", "2026-02-30"],
        &["pause", "0s"],
        &["pause", "-5m"],
        &["pause", "9999999999999999999h"],
        &["pause", "1h", "--until-tomorrow"],
        &["snooze", "0m"],
        &["plan", "--days", "0"],
        &["plan", "--days", "367"],
        &["plan", "--from", "-99999-01-01"],
        &["report", "--days", "0"],
        &["report", "--days", "3661"],
        &["forget", "--before", "2999-01-01", "--yes"],
        &["log", "--area", "neck"],
        &["log", "--severity", "3"],
    ] {
        cases.push(args.iter().map(OsString::from).collect());
    }

    let started = Instant::now();
    let mut wrong = Vec::new();
    for args in &cases {
        let out = run_bounded(&home, args, Stdio::null());
        wrong.extend(refused_clearly(args, &out).err());
    }
    // `--note -` reads standard input with a bound, and only text.
    type OpenStdin = fn(&Home) -> Stdio;
    let stdin_cases: [(&str, OpenStdin); 3] = [
        ("/dev/zero", |_| Stdio::from(std::fs::File::open("/dev/zero").unwrap())),
        ("a folder", |h| Stdio::from(std::fs::File::open(h.dir.path().join("folder")).unwrap())),
        ("not UTF-8", |h| Stdio::from(std::fs::File::open(h.dir.path().join("binary.toml")).unwrap())),
    ];
    for (what, stdin) in stdin_cases {
        let args: Vec<OsString> =
            ["log", "--area", "neck", "--severity", "3", "--note", "-"].iter().map(OsString::from).collect();
        let out = run_bounded(&home, &args, stdin(&home));
        wrong.extend(refused_clearly(&[OsString::from(format!("--note - < {what}"))], &out).err());
    }
    assert!(
        wrong.is_empty(),
        "{} of {} bad inputs were not refused clearly:\n{}",
        wrong.len(),
        cases.len() + 3,
        wrong.join("\n")
    );
    assert_eq!(stored(&home), before, "bad input stored something");
    eprintln!("{} bad inputs refused in {:?}", cases.len() + 3, started.elapsed());
}

/// Non-zero exit, no panic, and a first line on stderr that says what is wrong.
fn refused_clearly(args: &[OsString], out: &Output) -> Result<(), String> {
    let shown: Vec<String> = args.iter().map(|a| a.to_string_lossy().chars().take(40).collect()).collect();
    let err = stderr(out);
    let first = err.lines().next().unwrap_or_default();
    let code = out.status.code();
    if matches!(code, Some(101 | 134) | None) || err.contains("panicked") {
        return Err(format!("{shown:?} crashed ({:?}): {err}", out.status));
    }
    if out.status.success() {
        return Err(format!("{shown:?} was accepted: {}", stdout(out).lines().next().unwrap_or_default()));
    }
    if !(first.starts_with("error: ") || first.starts_with("postured: ") || first.starts_with('/')) {
        return Err(format!("{shown:?}: unclear first line: {first}"));
    }
    if first.len() > 400 && !first.starts_with("error: ") {
        return Err(format!("{shown:?}: first line too long: {}", &first[..200]));
    }
    Ok(())
}
