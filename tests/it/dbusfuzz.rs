//! Seeded random and edge arguments for every method of `io.github.Postured1`, against a real
//! daemon on a private bus: it answers each call with a reply or a clear error, stays up, and
//! stores exactly the Log calls it accepted. Also: the CLI's daemon commands on a closed pipe.

use crate::daemon::{cli, db, fast_config, setup};
use crate::pipes::{assert_quiet, with_stdout_closed};
use crate::support::{Home, stderr};
use postured::adapters::control::ClientProxy;

/// SplitMix64: a fixed seed gives the same calls on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

impl Rng {
    /// Mostly something valid (three times in four), otherwise an edge case: so that calls
    /// with several arguments are accepted often enough to exercise storing too.
    fn either<T: Copy>(&mut self, valid: &[T], edge: &[T]) -> T {
        if self.below(4) > 0 { self.pick(valid) } else { self.pick(edge) }
    }
}

fn area(rng: &mut Rng) -> &'static str {
    rng.either(
        &["neck", "upper-back", "wrists", "eyes"],
        &["", "elbow", "NECK", "néck", "upper back", "neck "],
    )
}

fn symptoms(rng: &mut Rng) -> Vec<&'static str> {
    (0..rng.below(3))
        .map(|_| rng.either(&["tingling", "fever", "night"], &["", "hiccups", "Tingling", "\u{1b}"]))
        .collect()
}

fn severity(rng: &mut Rng) -> u32 {
    let any = rng.next() as u32;
    rng.either(&[0, 3, 5, 10], &[11, 255, 256, u32::MAX, any])
}

fn seconds(rng: &mut Rng) -> u64 {
    let any = rng.next();
    rng.either(
        &[1, 59, 3600, 86_400],
        &[0, 366 * 86_400, u64::from(u32::MAX), i64::MAX as u64, u64::MAX, any],
    )
}

fn note(rng: &mut Rng) -> String {
    match rng.below(10) {
        0..=2 => String::new(),
        3 => "after a long call".into(),
        4 => "x".repeat(rng.pick(&[999, 1000, 1001, 5000, 100_000])),
        5 | 6 => format!(
            "bad {} here",
            rng.pick(&["\u{1b}[31m", "\u{7}", "\u{7f}", "\u{85}", "\u{9b}", "\r", "\u{1}"])
        ),
        7 => "line one\n\tline two".into(),
        // Any Unicode scalar but NUL: D-Bus strings can't hold it (the bus would drop us).
        8 => (0..rng.below(200)).filter_map(|_| char::from_u32(1 + rng.next() as u32 % 0x10_ffff)).collect(),
        _ => "é😀 <b>&amp;</b> =SUM(A1)".into(),
    }
}

fn at(rng: &mut Rng, now: i64) -> i64 {
    let any = rng.next() as i64;
    rng.either(
        &[0, now - 3600, now - 30 * 86_400],
        &[now - 400 * 86_400, now + 86_400, 1, -1, i64::MIN, i64::MAX, any],
    )
}

/// What a refusal must look like: a sentence, not an empty or internal error.
fn clear(method: &str, e: &zbus::Error) -> Result<(), String> {
    let text = e.to_string();
    let plain = !text.trim().is_empty() && !text.contains("unexpected reply") && !text.contains("panicked");
    if plain { Ok(()) } else { Err(format!("{method}: unclear error {text:?}")) }
}

#[test]
fn every_d_bus_method_answers_random_and_edge_arguments_and_the_daemon_stays_up() {
    let (desktop, home, daemon) = setup(&fast_config("1h", "15m"));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let now = chrono::Utc::now().timestamp();
    let (accepted_logs, problems, control_refused) = rt.block_on(async {
        let conn = zbus::connection::Builder::address(desktop.bus_address()).build().await.unwrap();
        let proxy = ClientProxy::new(&conn).await.unwrap();
        let mut rng = Rng(0xdb05_f022);
        let (mut logs, mut problems, mut control_refused) = (0usize, Vec::new(), 0usize);
        for n in 0..400 {
            let outcome: Result<(), zbus::Error> = match rng.below(10) {
                0 => proxy.pause(seconds(&mut rng)).await.map(drop),
                1 => proxy.pause_until_tomorrow().await.map(drop),
                2 => proxy.resume().await.map(drop),
                3 => proxy.snooze(seconds(&mut rng)).await.map(drop),
                4 => proxy.reload().await.map(drop),
                5 => proxy.status().await.map(drop),
                _ => {
                    let (area, severity, symptoms, note) =
                        (area(&mut rng), severity(&mut rng), symptoms(&mut rng), note(&mut rng));
                    let at = at(&mut rng, now);
                    let result = if rng.below(2) == 0 {
                        proxy.log(area, severity, &symptoms, &note, at).await
                    } else {
                        let source =
                            ["cli", "waybar", "", "notification", "Bad Name", "x\u{1b}", &"a".repeat(40)];
                        let source = source[rng.below(source.len())];
                        proxy.log_from(source, area, severity, &symptoms, &note, at).await
                    };
                    match &result {
                        Ok(_) => logs += 1,
                        Err(e) if e.to_string().contains("control character") => control_refused += 1,
                        Err(_) => {}
                    }
                    result.map(drop)
                }
            };
            if let Err(e) = &outcome {
                problems.extend(clear(&format!("call {n}"), e).err());
            }
        }
        // Wrong argument types and an unknown method are D-Bus errors, not crashes.
        let path = "/io/github/Postured";
        let (name, iface) = (Some("io.github.Postured"), Some("io.github.Postured1"));
        let odd = [
            ("Pause(s)", conn.call_method(name, path, iface, "Pause", &"1h").await.is_ok()),
            ("Snooze(i)", conn.call_method(name, path, iface, "Snooze", &-5i32).await.is_ok()),
            ("Log(u)", conn.call_method(name, path, iface, "Log", &3u32).await.is_ok()),
            ("NoSuchMethod()", conn.call_method(name, path, iface, "NoSuchMethod", &()).await.is_ok()),
        ];
        problems.extend(
            odd.iter().filter(|(_, accepted)| *accepted).map(|(call, _)| format!("{call} was accepted")),
        );
        // Still up and answering.
        if let Err(e) = proxy.status().await {
            problems.push(format!("Status after the run: {e}"));
        }
        (logs, problems, control_refused)
    });
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(accepted_logs > 5, "the run should store some reports, stored {accepted_logs}");
    assert!(control_refused > 3, "the run should try control characters in notes ({control_refused})");
    let rows: i64 = db(&home).query_row("SELECT count(*) FROM discomfort", [], |r| r.get(0)).unwrap();
    assert_eq!(rows as usize, accepted_logs, "exactly the accepted reports are stored");
    let db = db(&home);
    let mut notes = db.prepare("SELECT note FROM discomfort WHERE note IS NOT NULL").unwrap();
    let notes: Vec<String> = notes.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    let raw = notes.iter().filter(|n| n.chars().any(|c| c.is_control() && c != '\n' && c != '\t'));
    assert_eq!(raw.count(), 0, "no stored note has a control character");
    eprintln!("{accepted_logs} reports stored, {control_refused} notes refused for control characters");
    assert!(!daemon.log().contains("panicked"), "{}", daemon.log());

    // The daemon's commands, on a closed pipe: done, and quiet.
    for args in [
        &["status"][..],
        &["status", "--json"],
        &["pause", "1h"],
        &["snooze", "5m"],
        &["resume"],
        &["reload"],
    ] {
        let mut cmd = Home::command(&home);
        desktop.env(&mut cmd);
        cmd.args(args);
        assert_quiet(&args.join(" "), &with_stdout_closed(cmd));
    }
    let out = cli(&desktop, &home, &["status"]);
    assert!(out.status.success() && stderr(&out).is_empty(), "{}", stderr(&out));
}

#[test]
fn control_characters_in_a_note_are_refused_over_d_bus_and_from_the_cli_alike() {
    let (desktop, home, _daemon) = setup(&fast_config("1h", "15m"));
    let out = cli(&desktop, &home, &["log", "--area", "neck", "--severity", "3", "--note", "ring\u{7}"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "postured: the note has a control character, BEL (U+0007) at character 5; only tabs and line breaks are allowed\n"
    );
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let err = rt.block_on(async {
        let conn = zbus::connection::Builder::address(desktop.bus_address()).build().await.unwrap();
        let proxy = ClientProxy::new(&conn).await.unwrap();
        proxy.log("neck", 3, &[], "a\u{1b}[2Jb", 0).await.expect_err("refused")
    });
    assert!(
        err.to_string().contains("the note has a control character, ESC (U+001B) at character 2"),
        "{err}"
    );
    let rows: i64 = db(&home).query_row("SELECT count(*) FROM discomfort", [], |r| r.get(0)).unwrap();
    assert_eq!(rows, 0);
}
