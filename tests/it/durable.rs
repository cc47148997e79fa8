//! `postured log`, straight into the store or through the daemon: what was acknowledged survives
//! SIGKILL, and bad input, a damaged database or an unwritable state folder lose nothing stored.

use crate::daemon::Daemon;
use crate::desktop::Desktop;
use crate::support::{Home, stderr, stdout};
use rusqlite::Connection;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn db_path(home: &Home) -> PathBuf {
    home.dir.path().join("state/postured/postured.sqlite3")
}

/// (id, area, severity, note) of every stored report, in id order.
fn reports(home: &Home) -> Vec<(i64, String, u8, Option<String>)> {
    let db = Connection::open(db_path(home)).unwrap();
    let mut stmt = db.prepare("SELECT id, area, severity, note FROM discomfort ORDER BY id").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn integrity(home: &Home) -> String {
    let db = Connection::open(db_path(home)).unwrap();
    db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap()
}

/// A small deterministic generator (xorshift64*), so a failure can be replayed from its seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

/// One `postured log` run: what it printed, whether it exited 0, whether it was cut short (we
/// killed it, or the daemon it was talking to).
struct Writer {
    note: String,
    severity: u8,
    out: Output,
    killed: bool,
    took: Duration,
}

impl Writer {
    /// The user was told it was logged: from here on it must be in the store.
    fn acknowledged_id(&self) -> Option<i64> {
        let text = stdout(&self.out);
        // The first line; care advice may follow it.
        let first = text.split_inclusive('\n').next()?;
        let rest = first.strip_prefix("Logged neck discomfort, ")?;
        let id = rest.split("(report ").nth(1)?.strip_suffix(").\n")?;
        Some(id.parse().expect("a report id"))
    }
}

fn write(mut cmd: Command, note: String, severity: u8, kill_after: Option<Duration>) -> Writer {
    let sev = severity.to_string();
    let started = Instant::now();
    let mut child = cmd
        .args(["log", "--area", "neck", "--severity", &sev, "--note", &note])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let killed = kill_after.is_some_and(|after| {
        std::thread::sleep(after);
        // SIGKILL; harmless if it has already exited (it is not reaped until the wait below).
        child.kill().is_ok()
    });
    let out = child.wait_with_output().unwrap();
    Writer { note, severity, out, killed, took: started.elapsed() }
}

/// Rounds of writers at once, two in three SIGKILLed at a random moment.
struct Writers {
    seed: u64,
    rng: Rng,
    /// How long a writer takes here and now (a busy machine is slower), so that the kills land
    /// before, during and after its commit: the slowest that finished in the last round.
    span: Duration,
    done: Vec<Writer>,
}

impl Writers {
    fn new(seed: u64) -> Self {
        Writers { seed, rng: Rng(seed), span: Duration::from_millis(20), done: Vec::new() }
    }

    /// The kill window, in µs: a little more than a writer takes.
    fn window(&self) -> u64 {
        self.span.as_micros().max(1000) as u64 * 5 / 4
    }

    /// One round of `n` writers made by `command`; `meanwhile` runs beside them.
    fn round(&mut self, n: usize, command: &(dyn Fn() -> Command + Sync), meanwhile: impl FnOnce() + Send) {
        let window = self.window();
        let round = self.done.len();
        let batch: Vec<_> = (0..n)
            .map(|w| {
                let kill = (self.rng.below(3) != 0).then(|| Duration::from_micros(self.rng.below(window)));
                (format!("n{round}w{w}"), self.rng.below(11) as u8, kill)
            })
            .collect();
        let done = std::thread::scope(|s| {
            let runs: Vec<_> = batch
                .into_iter()
                .map(|(note, sev, kill)| s.spawn(move || write(command(), note, sev, kill)))
                .collect();
            meanwhile();
            runs.into_iter().map(|r| r.join().unwrap()).collect::<Vec<_>>()
        });
        self.span = done.iter().filter(|w| !w.killed).map(|w| w.took).max().unwrap_or(self.span);
        self.done.extend(done);
    }

    /// Everything acknowledged is stored as acknowledged, nothing else or twice, and the
    /// database is intact.
    fn check(&self, home: &Home) {
        let context = format!("seed {:#x}, last kill window {:?}", self.seed, self.span);
        let stored = reports(home);
        assert_eq!(integrity(home), "ok", "{context}");
        let mut acknowledged = 0;
        for w in &self.done {
            let err = stderr(&w.out);
            assert!(!err.contains("damaged"), "a kill must not look like damage ({context}): {err}");
            if !w.killed || w.out.status.success() {
                assert!(w.out.status.success(), "{} failed without being killed ({context}): {err}", w.note);
            }
            match w.acknowledged_id() {
                Some(id) => {
                    acknowledged += 1;
                    let row = stored.iter().find(|r| r.3.as_deref() == Some(w.note.as_str()));
                    let row = row.unwrap_or_else(|| {
                        panic!("{} was acknowledged but is not stored ({context})", w.note)
                    });
                    let want = (id, "neck".to_owned(), w.severity, Some(w.note.clone()));
                    assert_eq!(row, &want, "{} is not stored as acknowledged ({context})", w.note);
                }
                None => assert!(!w.out.status.success(), "{} exited 0 without saying Logged", w.note),
            }
        }
        // Only notes we sent, each at most once: a killed writer leaves all of its report or none.
        let mut notes: Vec<&str> = stored.iter().map(|r| r.3.as_deref().unwrap()).collect();
        notes.sort_unstable();
        let before = notes.len();
        notes.dedup();
        assert_eq!(notes.len(), before, "a report stored twice ({context})");
        assert!(notes.iter().all(|n| self.done.iter().any(|w| w.note == *n)), "{context}");
        // The run must have exercised both sides, or it proves nothing.
        let cut_short = self.done.iter().filter(|w| w.killed && !w.out.status.success()).count();
        let all = self.done.len();
        eprintln!(
            "{acknowledged} acknowledged, {cut_short} cut short, {} stored, of {all} ({context})",
            stored.len()
        );
        assert!(acknowledged >= all / 4 && cut_short >= all / 8, "too few of one kind ({context})");
        let kept_aside = std::fs::read_dir(db_path(home).parent().unwrap())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains(".corrupt-"))
            .count();
        assert_eq!(kept_aside, 0, "nothing was set aside as damaged ({context})");
    }
}

#[test]
fn acknowledged_reports_survive_concurrent_writers_killed_at_random() {
    let home = Home::new();
    let mut writers = Writers::new(0x5EED_0004);
    for _ in 0..40 {
        writers.round(5, &|| home.command(), || ());
    }
    writers.check(&home);
}

#[test]
fn acknowledged_reports_survive_a_daemon_killed_at_random_and_its_clients_too() {
    let desktop = Desktop::start();
    let home = Home::new();
    let mut daemon = Daemon::start(&desktop, &home);
    let command = || {
        let mut cmd = home.command();
        desktop.env(&mut cmd);
        cmd
    };
    let mut writers = Writers::new(0x5EED_0D43);
    // Through the daemon, then the daemon SIGKILLed in the middle of a round (its clients may
    // fail: that is no acknowledgement), then straight into the store, then a new daemon.
    for _ in 0..10 {
        writers.round(4, &command, || ());
    }
    let delay = Duration::from_micros(writers.rng.below(writers.window()));
    let start = writers.done.len();
    writers.round(4, &command, || {
        std::thread::sleep(delay);
        daemon.kill();
    });
    for w in &mut writers.done[start..] {
        w.killed = true;
    }
    for _ in 0..10 {
        writers.round(4, &command, || ());
    }
    let daemon = Daemon::start(&desktop, &home);
    for _ in 0..10 {
        writers.round(4, &command, || ());
    }
    let log = daemon.log();
    assert!(log.contains("logged neck discomfort"), "the daemon did the writing:\n{log}");
    assert!(!log.contains("damaged") && !log.contains("ERROR"), "a clean start after SIGKILL:\n{log}");
    drop(daemon);
    writers.check(&home);
}

/// Runs `postured log` with `args` after `--area neck`, feeding `input` on stdin.
fn log_with(home: &Home, args: &[&std::ffi::OsStr], input: &[u8]) -> Output {
    let mut child = home
        .command()
        .args(["log", "--area", "neck"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    // postured may stop reading early (that is the point of the size cap): ignore EPIPE.
    let feeder = std::thread::spawn(move || drop(stdin.write_all(&input)));
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    out
}

#[test]
fn bad_input_to_log_is_refused_clearly_and_loses_nothing() {
    let home = Home::new();
    let out = home.run(&["log", "--area", "neck", "--severity", "6", "--note", "first"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let first = reports(&home);
    assert_eq!(first.len(), 1);

    let os = |s: &str| std::ffi::OsString::from(s);
    let long = "a".repeat(100_000); // Linux caps one argument at 128 KiB; stdin takes the 1 MB case
    let cases: Vec<(Vec<std::ffi::OsString>, Vec<u8>, i32, &str)> = vec![
        (
            vec![os("--severity"), os("11")],
            vec![],
            2,
            "invalid value '11' for '--severity <SEVERITY>': 11 is not in 0..=10",
        ),
        (
            vec![os("--severity"), os("-1")],
            vec![],
            2,
            "invalid value '-1' for '--severity <SEVERITY>': -1 is not in 0..=10",
        ),
        (vec![os("--severity"), os("x")], vec![], 2, "invalid value 'x' for '--severity <SEVERITY>'"),
        (
            vec![os("--severity"), os("3"), os("--note"), os(&long)],
            vec![],
            1,
            "postured: the note is 100000 characters; at most 1000 are kept\n",
        ),
        (
            vec![
                os("--severity"),
                os("3"),
                os("--note"),
                std::ffi::OsStr::from_bytes(b"stiff \xff\xfe").to_owned(),
            ],
            vec![],
            2,
            "invalid UTF-8 was detected",
        ),
        (
            vec![os("--severity"), os("3"), os("--note"), os("-")],
            vec![b'a'; 1 << 20],
            1,
            "postured: the note on standard input is over 4000 bytes; at most 1000 characters are kept\n",
        ),
        (
            vec![os("--severity"), os("3"), os("--note"), os("-")],
            b"stiff \xff\xfe".to_vec(),
            1,
            "postured: the note on standard input is not UTF-8 text\n",
        ),
    ];
    for (args, input, code, says) in &cases {
        let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        let out = log_with(&home, &args, input);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(*code), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(stdout(&out).is_empty(), "{args:?}");
    }
    // An unknown area (without a second --area).
    let out = home.run(&["log", "--area", "elbow", "--severity", "3"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("invalid value 'elbow' for '--area <AREA>'"), "{}", stderr(&out));
    assert_eq!(reports(&home), first, "nothing stored, nothing lost");

    let out = log_with(
        &home,
        &[&os("--severity"), &os("2"), &os("--note"), &os("-")],
        "  from a script\n".as_bytes(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let all = reports(&home);
    assert_eq!((all.len(), all[1].3.as_deref()), (2, Some("from a script")));
}

#[test]
fn a_damaged_database_is_kept_aside_and_log_says_so() {
    let home = Home::new();
    let dir = db_path(&home).parent().unwrap().to_owned();
    std::fs::create_dir_all(&dir).unwrap();
    let junk = b"not a database, but maybe something the user wants back\n".repeat(100);
    std::fs::write(db_path(&home), &junk).unwrap();
    // Commands that only read say so and leave it be: a running daemon may have it open.
    for args in [&["report"][..], &["export"], &["plan"]] {
        let out = home.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&out).contains("looks damaged; the daemon or `postured log` will keep it aside"),
            "{}",
            stderr(&out)
        );
        assert_eq!(std::fs::read(db_path(&home)).unwrap(), junk, "{args:?} left it alone");
    }
    let out = home.run(&["log", "--area", "neck", "--severity", "5"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    let kept = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("postured.sqlite3.corrupt-"))
        .expect("the damaged file is kept");
    assert_eq!(
        err,
        format!(
            "postured: the database {} was damaged (file is not a database); it was kept as {} and a new one was started\n",
            db_path(&home).display(),
            kept.display()
        )
    );
    assert_eq!(std::fs::read(&kept).unwrap(), junk, "kept as it was");
    assert_eq!(reports(&home).len(), 1, "the new report went into a fresh database");
}

#[test]
fn the_daemon_reports_a_damaged_database_at_error_level_and_carries_on() {
    let desktop = Desktop::start();
    let home = Home::new();
    std::fs::create_dir_all(db_path(&home).parent().unwrap()).unwrap();
    std::fs::write(db_path(&home), b"garbage ".repeat(1000)).unwrap();
    let daemon = Daemon::start(&desktop, &home);
    let log = daemon.log();
    let line =
        log.lines().find(|l| l.contains("was damaged")).unwrap_or_else(|| panic!("no warning:\n{log}"));
    assert!(line.contains("ERROR") && line.contains("(file is not a database); it was kept as "), "{line}");
    let mut cmd = home.command();
    desktop.env(&mut cmd);
    let out = cmd.args(["log", "--area", "neck", "--severity", "3"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(reports(&home).len(), 1);
}

#[test]
fn a_state_folder_that_cannot_be_made_fails_log_clearly() {
    // Made impossible by the file system's shape rather than by permissions, which root (as in
    // CI containers) ignores: a file where the folder should be, and a file above it.
    let home = Home::new();
    let state = home.dir.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::write(state.join("postured"), "a file in the way").unwrap();
    let out = home.run(&["log", "--area", "neck", "--severity", "5"]);
    assert_eq!(out.status.code(), Some(1));
    let want = format!(
        "postured: the report was not logged: can't create the state folder {}: ",
        state.join("postured").display()
    );
    assert!(stderr(&out).starts_with(&want), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(state.join("postured")).unwrap(), "a file in the way");

    let out = home
        .command()
        .env("XDG_STATE_HOME", state.join("postured/below"))
        .args(["log", "--area", "neck", "--severity", "5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("Not a directory"), "{}", stderr(&out));
}

/// `postured log --area neck` plus `args`, from `home`, as a user whom permission bits bind. As
/// root (CI runs as root), that is user 65534 (nobody) through `setpriv`, after `home` is handed
/// to it.
fn log_as_user(home: &Home, args: &[&str]) -> Output {
    if !rustix::process::geteuid().is_root() {
        return home.command().args(["log", "--area", "neck"]).args(args).output().unwrap();
    }
    // 65534 is nobody (and nogroup) on Debian and most other systems.
    chown_all(home.dir.path(), 65534, 65534);
    let cmd = home.command();
    let mut c = Command::new("setpriv");
    c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(cmd.get_program())
        .args(["log", "--area", "neck"])
        .args(args)
        .env_clear();
    for (key, value) in cmd.get_envs() {
        if let Some(value) = value {
            c.env(key, value);
        }
    }
    let out = c.output().expect("run setpriv (util-linux)");
    assert!(!stderr(&out).starts_with("setpriv:"), "{}", stderr(&out));
    out
}

fn chown_all(path: &std::path::Path, uid: u32, gid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            chown_all(&entry.unwrap().path(), uid, gid);
        }
    }
}

#[test]
fn a_read_only_state_folder_fails_log_clearly_and_keeps_what_was_stored() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::new();
    let out = log_as_user(&home, &["--severity", "6", "--note", "kept"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = db_path(&home).parent().unwrap().to_owned();
    let set_mode = |mode| std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(mode)).unwrap();
    set_mode(0o500);
    let out = log_as_user(&home, &["--severity", "5"]);
    set_mode(0o700);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let want = format!(
        "postured: the report was not logged: can't open the database {}: ",
        db_path(&home).display()
    );
    assert!(stderr(&out).starts_with(&want), "{}", stderr(&out));
    assert_eq!(reports(&home).len(), 1);
    assert_eq!(integrity(&home), "ok");
}

#[test]
fn loose_modes_are_tightened_and_another_programs_database_is_refused_untouched() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().mode() & 0o777;
    let set_mode =
        |p: &std::path::Path, m| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    let home = Home::new();
    let dir = db_path(&home).parent().unwrap().to_owned();
    std::fs::create_dir_all(&dir).unwrap();
    set_mode(&dir, 0o755);
    let out = home.run(&["log", "--area", "neck", "--severity", "4"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!((mode(&dir), mode(&db_path(&home))), (0o700, 0o600));
    set_mode(&dir, 0o755);
    set_mode(&db_path(&home), 0o644);
    let out = home.run(&["report"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!((mode(&dir), mode(&db_path(&home))), (0o700, 0o600), "reading tightens too");

    let home = Home::new();
    std::fs::create_dir_all(db_path(&home).parent().unwrap()).unwrap();
    let theirs = Connection::open(db_path(&home)).unwrap();
    theirs
        .execute_batch("CREATE TABLE places (url TEXT); INSERT INTO places VALUES ('https://example.org');")
        .unwrap();
    drop(theirs);
    let before = std::fs::read(db_path(&home)).unwrap();
    for args in [&["log", "--area", "neck", "--severity", "4"][..], &["report"]] {
        let out = home.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let want = format!(
            "{} is not a postured database (it has tables postured never made: places); postured leaves it alone",
            db_path(&home).display()
        );
        assert!(stderr(&out).contains(&want), "{}", stderr(&out));
    }
    assert_eq!(std::fs::read(db_path(&home)).unwrap(), before, "byte for byte");
    let names: Vec<_> = std::fs::read_dir(db_path(&home).parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["postured.sqlite3"], "not set aside as damaged, nothing added");
}
