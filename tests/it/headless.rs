//! What every headless desktop of the tests shares, whichever notification server it runs: an
//! Xvfb on a free display, private dbus-daemons, waiting for a starting process to say it is
//! ready, and stopping exactly the processes a test started.

use std::fs::{self, File};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Bound of every wait for a process or the bus, unless the caller gives one.
pub(crate) const START_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a process gets to exit after SIGTERM before it is killed.
const TERM_GRACE: Duration = Duration::from_secs(2);
pub(crate) const POLL: Duration = Duration::from_millis(10);

/// Points a command at a desktop's display and session bus (see `Desktop::env`).
pub(crate) trait SessionEnv {
    fn env(&self, cmd: &mut Command);
}

/// Panics unless `dir` can go unquoted into a bus's XML config, its address and config files.
pub(crate) fn check_dir_name(dir: &str) {
    assert!(
        !dir.contains(|c: char| c.is_whitespace() || "\"'&<>,;=%".contains(c)),
        "temp dir {dir:?} has characters the desktop's config files can't take; set TMPDIR"
    );
}

fn create(dir: &Path, name: &str) -> File {
    File::create(dir.join(name)).unwrap_or_else(|e| panic!("create {name}: {e}"))
}

/// Starts an Xvfb that picks a free display and writes its number to `dir/xvfb.display` once it
/// accepts clients (read it with `wait_for_output` and `parse_display`); its log is `xvfb.log`.
pub(crate) fn spawn_xvfb(dir: &Path) -> Child {
    Command::new("Xvfb")
        .args(["-displayfd", "1", "-screen", "0", "640x480x24", "-nolisten", "tcp", "-noreset"])
        .stdin(Stdio::null())
        .stdout(create(dir, "xvfb.display"))
        .stderr(create(dir, "xvfb.log"))
        .spawn()
        .expect("start Xvfb (package xvfb)")
}

/// Starts a dbus-daemon with the config file `dir/<name>.conf` (see `support::bus_config`). It
/// stays our child (no --fork) and prints its address, then its PID, to `dir/<name>.out`
/// (read it with `wait_for_output` and `parse_bus_address`); its log is `<name>.log`.
pub(crate) fn spawn_bus(dir: &Path, name: &str) -> Child {
    Command::new("dbus-daemon")
        .arg(format!("--config-file={}", dir.join(format!("{name}.conf")).display()))
        .args(["--nofork", "--nopidfile", "--print-address=1", "--print-pid=1"])
        .stdin(Stdio::null())
        .stdout(create(dir, &format!("{name}.out")))
        .stderr(create(dir, &format!("{name}.log")))
        .spawn()
        .expect("start dbus-daemon (package dbus-daemon)")
}

/// The display (`:N`) Xvfb wrote, once it wrote a whole line.
pub(crate) fn parse_display(out: &str) -> Option<String> {
    let (number, _) = out.split_once('\n')?;
    Some(format!(":{}", number.trim().parse::<u32>().ok()?))
}

/// The address a dbus-daemon printed, once it also printed its PID (so the line is whole).
pub(crate) fn parse_bus_address(out: &str) -> Option<String> {
    let mut lines = out.lines();
    let address = lines.next()?;
    lines.next()?.trim().parse::<u32>().ok()?;
    Some(address.trim().to_owned())
}

/// Polls file `out` of a starting process until `parse` accepts it; panics with its `log` if
/// the process exits first or `START_TIMEOUT` passes.
pub(crate) fn wait_for_output<T>(
    child: &mut Child,
    what: &str,
    out: &Path,
    log: &Path,
    parse: impl Fn(&str) -> Option<T>,
) -> T {
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if let Some(value) = parse(&read_lossy(out)) {
            return value;
        }
        let exited = child.try_wait().expect("wait for a child");
        if exited.is_some() || Instant::now() >= deadline {
            panic!(
                "{what} did not start ({}): output {:?}\n--- {} ---\n{}",
                exited.map_or(format!("nothing within {START_TIMEOUT:?}"), |s| format!("exited: {s}")),
                read_lossy(out),
                log.file_name().unwrap_or_default().to_string_lossy(),
                read_lossy(log)
            );
        }
        std::thread::sleep(POLL);
    }
}

/// A file's text so far, or nothing if it isn't there.
pub(crate) fn read_lossy(path: &Path) -> String {
    fs::read(path).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
}

/// SIGTERMs the children still running, waits up to `TERM_GRACE`, SIGKILLs the rest, and reaps
/// them all. Only our own unreaped children are signalled, so no PID can have been reused.
pub(crate) fn terminate(children: &mut [&mut Child]) {
    let running: Vec<String> = children
        .iter_mut()
        .filter_map(|c| matches!(c.try_wait(), Ok(None)).then(|| c.id().to_string()))
        .collect();
    if !running.is_empty() {
        // The shell's builtin kill: there may be no kill binary (procps) in a minimal image.
        let _ = Command::new("sh")
            .args(["-c", "kill -TERM \"$@\"", "sh"])
            .args(&running)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let deadline = Instant::now() + TERM_GRACE;
    while Instant::now() < deadline && children.iter_mut().any(|c| matches!(c.try_wait(), Ok(None))) {
        std::thread::sleep(POLL);
    }
    for child in children.iter_mut() {
        if matches!(child.try_wait(), Ok(None)) {
            let _ = child.kill();
        }
        let _ = child.wait();
    }
}
