//! mako, the notification server of many Wayland desktops, and its do-not-disturb: a mode
//! whose config says `invisible=1`, switched with `makoctl mode -a/-r`. mako 1.7 announces no
//! mode change, so the daemon reads the modes when a reminder is due; these tests run the real
//! mako on headless sway and switch the mode the way its users do.
//!
//! What runs, per `Mako`, stopped by PID on drop: headless sway (`sway::Sway`); a private
//! session bus that lets any user in, since sway and mako refuse to run as root and so run as
//! `nobody` when the tests run as root; mako on that bus and compositor, with a config of the
//! test's own.

use crate::daemon::{Daemon, WAIT, fast_config, status_json, wait_until};
use crate::headless::{self, POLL, START_TIMEOUT, SessionEnv, read_lossy};
use crate::support::{Home, bus_config, stderr, stdout};
use crate::sway::Sway;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

/// A mode for do-not-disturb as mako's documentation suggests it.
const MAKO_CONFIG: &str = "default-timeout=0\n\n[mode=do-not-disturb]\ninvisible=1\n";

pub struct Mako {
    bus: Option<Child>,
    mako: Option<Child>,
    address: String,
    sway: Sway,
    dir: tempfile::TempDir,
}

impl Mako {
    /// Starts everything and returns once mako owns `org.freedesktop.Notifications`.
    pub fn start() -> Mako {
        let sway = Sway::start();
        let dir = tempfile::Builder::new().prefix("mako").tempdir().expect("temp dir");
        let d = dir.path().to_str().expect("temp dir path is UTF-8").to_owned();
        headless::check_dir_name(&d);
        // mako, as another user, passes through to the bus socket and reads its config.
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o711)).unwrap();
        let config = dir.path().join("mako.conf");
        fs::write(&config, MAKO_CONFIG).unwrap();
        fs::set_permissions(&config, fs::Permissions::from_mode(0o644)).unwrap();
        // A session bus takes only its own user unless told otherwise.
        let bus_conf = bus_config("session", &format!("{d}/bus"), None)
            .replace("<policy context=\"default\">", "<policy context=\"default\">\n    <allow user=\"*\"/>");
        fs::write(dir.path().join("bus.conf"), bus_conf).unwrap();
        let mut bus = headless::spawn_bus(dir.path(), "bus");
        let address = headless::wait_for_output(
            &mut bus,
            "dbus-daemon",
            &dir.path().join("bus.out"),
            &dir.path().join("bus.log"),
            headless::parse_bus_address,
        );
        let mut m = Mako { bus: Some(bus), mako: None, address, sway, dir };
        let log = fs::File::create(m.path("mako.log")).unwrap();
        let mako = m
            .as_sway_user("mako")
            .args(["-c".as_ref(), config.as_os_str()])
            .env("WAYLAND_DISPLAY", m.sway.socket())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start mako (package mako-notifier)");
        m.mako = Some(mako);
        let deadline = Instant::now() + START_TIMEOUT;
        while !m.owns_notifications() {
            let exited = m.mako.as_mut().unwrap().try_wait().expect("wait for mako");
            if exited.is_some() || Instant::now() >= deadline {
                panic!("mako never took org.freedesktop.Notifications ({exited:?}):\n{}", m.log());
            }
            std::thread::sleep(POLL);
        }
        m
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn log(&self) -> String {
        read_lossy(&self.path("mako.log"))
    }

    /// `program`, run as the user sway runs as, in sway's session and on the private bus.
    fn as_sway_user(&self, program: &str) -> Command {
        let mut cmd = if rustix::process::getuid().is_root() {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", program]);
            c
        } else {
            Command::new(program)
        };
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.sway.runtime_dir())
            .env("XDG_RUNTIME_DIR", self.sway.runtime_dir())
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address);
        cmd
    }

    fn owns_notifications(&self) -> bool {
        let out = Command::new("busctl")
            .args(["--user", "status", "org.freedesktop.Notifications"])
            .env_clear()
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run busctl (package systemd)");
        out.success()
    }

    /// Runs `makoctl ARGS` as mako's user does, and returns what it printed.
    pub fn makoctl(&self, args: &[&str]) -> String {
        let out = self.as_sway_user("makoctl").args(args).output().expect("run makoctl");
        assert!(out.status.success(), "makoctl {args:?}: {}\nmako: {}", stderr(&out), self.log());
        stdout(&out)
    }

    /// The summaries of the notifications mako holds now, shown or invisible.
    pub fn summaries(&self) -> Vec<String> {
        let listed: serde_json::Value =
            serde_json::from_str(&self.makoctl(&["list"])).expect("makoctl list is JSON");
        let Some(notifications) = listed["data"][0].as_array() else { panic!("makoctl list: {listed}") };
        notifications.iter().map(|n| n["summary"]["data"].as_str().unwrap_or_default().to_owned()).collect()
    }
}

impl SessionEnv for Mako {
    /// The private session bus, and a system bus that does not exist.
    fn env(&self, cmd: &mut Command) {
        cmd.env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("DBUS_SYSTEM_BUS_ADDRESS", format!("unix:path={}", self.path("no-system-bus").display()));
    }
}

impl Drop for Mako {
    fn drop(&mut self) {
        let mut children: Vec<&mut Child> =
            [&mut self.mako, &mut self.bus].into_iter().filter_map(|c| c.as_mut()).collect();
        headless::terminate(&mut children);
    }
}

fn reminders(mako: &Mako) -> Vec<String> {
    mako.summaries().into_iter().filter(|s| s.starts_with("Posture check · ")).collect()
}

fn reload(mako: &Mako, home: &Home, config: &str) {
    home.write_config(config);
    let out = crate::daemon::cli(mako, home, &["reload"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_mako_do_not_disturb_mode_holds_a_due_reminder_and_the_next_shows_once_it_is_off() {
    let mako = Mako::start();
    let home = Home::new();
    home.write_config(&fast_config("1h", "1h"));
    let daemon = Daemon::start(&mako, &home);
    daemon.wait_log("do-not-disturb on mako ", WAIT);
    let status = status_json(&mako, &home);
    assert_eq!(status["dnd_sources"], "mako mode do-not-disturb (read when a reminder is due)", "{status}");

    mako.makoctl(&["mode", "-a", "do-not-disturb"]);
    assert_eq!(mako.makoctl(&["mode"]).split_whitespace().collect::<Vec<_>>(), ["default", "do-not-disturb"]);
    // A reminder falls due every 2 s from now: each is held while the mode is on.
    reload(&mako, &home, &fast_config("2s", "1h"));
    daemon.wait_log("held back a posture reminder: do not disturb", WAIT);
    assert_eq!(status_json(&mako, &home)["state"], "dnd");
    assert!(
        reminders(&mako).is_empty(),
        "sent into the invisible mode: {:?}\n{}",
        mako.summaries(),
        daemon.log()
    );

    mako.makoctl(&["mode", "-r", "do-not-disturb"]);
    let shown = wait_until("a reminder on mako", || reminders(&mako).first().cloned());
    assert!(shown.starts_with("Posture check · "), "{shown}");
    assert_eq!(status_json(&mako, &home)["dnd"], false);
    assert!(mako.log().is_empty() || !mako.log().contains("Failed"), "{}", mako.log());
}

#[test]
fn a_mako_do_not_disturb_mode_on_before_the_daemon_starts_is_read_at_once() {
    let mako = Mako::start();
    mako.makoctl(&["mode", "-a", "dnd"]);
    let home = Home::new();
    home.write_config(&fast_config("1s", "1h"));
    let daemon = Daemon::start(&mako, &home);
    daemon.wait_log("held back a posture reminder: do not disturb", WAIT);
    assert_eq!(status_json(&mako, &home)["state"], "dnd");
    assert!(reminders(&mako).is_empty(), "{:?}", mako.summaries());
    mako.makoctl(&["mode", "-s", "default"]);
    wait_until("a reminder on mako", || reminders(&mako).first().cloned());
}
