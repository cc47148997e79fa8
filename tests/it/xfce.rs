//! A second real notification server: xfce4-notifyd on its own Xvfb and private session bus,
//! clicked with xdotool, and the daemon's button conversation on it.
//!
//! xfce4-notifyd behaves unlike dunst in ways that matter: it broadcasts its signals, closes a
//! notification right after one of its buttons is clicked (`ActionInvoked`, then
//! `NotificationClosed(id, 2)`), reuses the id when a closed notification is replaced, and shows
//! the `default` action as a button of its own.
//!
//! What runs, per `Xfce`, all started by the harness and stopped by PID on drop:
//! - Xvfb and a private session bus (shared with `desktop.rs` through `headless`);
//! - xfconfd on that bus, with private XDG dirs (`XDG_CONFIG_DIRS` included, so no system-wide
//!   defaults are read) and a channel file that turns off fading and sliding (popups appear and
//!   go at once) and the notification log; `start_with(false)` leaves it out until
//!   `start_xfconfd`, for a settings store that comes up after the daemon;
//! - a second private bus for accessibility (AT-SPI) with `at-spi2-registryd` on it, handed to
//!   xfce4-notifyd as `AT_SPI_BUS_ADDRESS`, so GTK publishes its widgets there instead of asking
//!   for the desktop's `org.a11y.Bus`;
//! - xfce4-notifyd (found under `/usr/lib/<multiarch>/xfce4/notifyd/`, whatever the arch).
//!
//! **How a button is found and clicked.** Positions are not known in advance, labels are. GTK
//! describes every popup over AT-SPI: a `frame` per popup holding its summary and body as
//! `label`s and a `push button` per action, named by its label, with its extents in screen
//! coordinates (`Component.GetExtents`). `click` walks that tree, finds the showing popup with
//! the summary asked for and the button with the label asked for, and clicks the middle of the
//! button with `xdotool mousemove X Y click 1`: a real pointer click through the X server, as a
//! user makes it. Every wait is bounded.
//!
//! **What was sent and answered.** A second connection to the session bus becomes a monitor
//! (`BecomeMonitor`) and records every `Notify` call with its reply, and
//! every `ActionInvoked` and `NotificationClosed` signal, with the unique names of the sender.

use crate::daemon::{Daemon, WAIT, db, fast_config, outcomes, status_json, wait_until};
use crate::headless::{self, POLL, START_TIMEOUT, SessionEnv, read_lossy};
use crate::support::{Home, bus_config, stderr};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use zbus::Connection;
use zbus::message::Type as MessageType;
use zbus::{OwnedObjectPath, OwnedVariant as OwnedValue};

const NOTIFICATIONS: &str = "org.freedesktop.Notifications";
const NOTIFICATIONS_PATH: &str = "/org/freedesktop/Notifications";
const XFCONF: &str = "org.xfce.Xfconf";
const REGISTRY: &str = "org.a11y.atspi.Registry";
const A11Y_ROOT: &str = "/org/a11y/atspi/accessible/root";
const ACCESSIBLE: &str = "org.a11y.atspi.Accessible";
/// AT-SPI's `SHOWING` state bit.
const STATE_SHOWING: u32 = 1 << 25;

/// No fading or sliding, so a popup is there or gone at once; no notification log on disk.
const CHANNEL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<channel name="xfce4-notifyd" version="1.0">
  <property name="do-fadeout" type="bool" value="false"/>
  <property name="do-slideout" type="bool" value="false"/>
  <property name="do-not-disturb" type="bool" value="false"/>
  <property name="notification-log" type="bool" value="false"/>
</channel>
"#;

/// A program shipped under a multiarch library folder (`/usr/lib/<triplet>/REL`), or directly
/// under `/usr/lib` or `/usr/libexec`; panics naming the package when it is nowhere.
fn find_program(rel: &str, package: &str) -> PathBuf {
    let mut candidates = vec![Path::new("/usr/libexec").join(rel), Path::new("/usr/lib").join(rel)];
    if let Ok(dirs) = fs::read_dir("/usr/lib") {
        let mut multiarch: Vec<PathBuf> = dirs.filter_map(|e| e.ok()).map(|e| e.path().join(rel)).collect();
        multiarch.sort();
        candidates.extend(multiarch);
    }
    candidates
        .into_iter()
        .find(|p| p.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
        .unwrap_or_else(|| panic!("no {rel} under /usr/lib or /usr/libexec (package {package})"))
}

/// One message the monitor saw on the session bus.
#[derive(Debug, Clone)]
enum Seen {
    Notify {
        serial: u32,
        sender: String,
        replaces: u32,
        summary: String,
        body: String,
        actions: Vec<String>,
    },
    /// A method return carrying a `u`: the reply to a `Notify` when `reply_serial` matches.
    Reply {
        reply_serial: u32,
        destination: String,
        id: u32,
    },
    Action {
        sender: String,
        id: u32,
        key: String,
    },
    Closed {
        sender: String,
        id: u32,
        reason: u32,
    },
}

/// A `Notify` call as it went over the bus, with the id the server's reply gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The id from the reply; `None` while no reply has been seen.
    pub id: Option<u32>,
    pub sender: String,
    pub replaces: u32,
    pub summary: String,
    pub body: String,
    /// `(key, label)` pairs in the order sent.
    pub actions: Vec<(String, String)>,
}

/// A signal from the notification server (or from anyone claiming to be one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    Action { sender: String, id: u32, key: String },
    Closed { sender: String, id: u32, reason: u32 },
}

/// A popup xfce4-notifyd is showing, as AT-SPI describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Popup {
    pub summary: String,
    pub body: String,
    pub buttons: Vec<Button>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    pub label: String,
    /// Screen coordinates: x, y, width, height.
    pub extents: (i32, i32, i32, i32),
}

impl Popup {
    pub fn labels(&self) -> Vec<&str> {
        self.buttons.iter().map(|b| b.label.as_str()).collect()
    }
}

/// One isolated Xfce notification desktop; every process in it is stopped on drop.
pub struct Xfce {
    xvfb: Option<Child>,
    bus: Option<Child>,
    a11y_bus: Option<Child>,
    xfconfd: Option<Child>,
    registryd: Option<Child>,
    notifyd: Option<Child>,
    display: String,
    address: String,
    a11y_address: String,
    /// The harness's connections to the session and accessibility buses; dropped inside `rt`.
    conn: Option<Connection>,
    a11y: Option<Connection>,
    seen: Arc<Mutex<Vec<Seen>>>,
    rt: tokio::runtime::Runtime,
    dir: tempfile::TempDir,
}

impl Xfce {
    /// Starts everything and returns once xfce4-notifyd owns `org.freedesktop.Notifications`.
    pub fn start() -> Xfce {
        Xfce::start_with(true)
    }

    /// `start`, but without xfconfd unless `xfconfd`: xfce4-notifyd then starts with its
    /// defaults (the bus can't start xfconfd for it: its service folder is empty), and
    /// `start_xfconfd` brings the settings store later.
    pub fn start_with(xfconfd: bool) -> Xfce {
        let dir = tempfile::Builder::new().prefix("xfce").tempdir().expect("temp dir for a desktop");
        let d = dir.path().to_str().expect("temp dir path is UTF-8").to_owned();
        headless::check_dir_name(&d);
        for sub in ["services", "a11y-services", "home", "data", "cache", "config-dirs"] {
            fs::create_dir(dir.path().join(sub)).unwrap();
        }
        let run = dir.path().join("run");
        fs::create_dir(&run).unwrap();
        fs::set_permissions(&run, fs::Permissions::from_mode(0o700)).unwrap();
        let channels = dir.path().join("config/xfce4/xfconf/xfce-perchannel-xml");
        fs::create_dir_all(&channels).unwrap();
        fs::write(channels.join("xfce4-notifyd.xml"), CHANNEL).unwrap();
        fs::write(
            dir.path().join("bus.conf"),
            bus_config("session", &format!("{d}/bus"), Some(&format!("{d}/services"))),
        )
        .unwrap();
        fs::write(
            dir.path().join("a11y.conf"),
            bus_config("accessibility", &format!("{d}/a11y"), Some(&format!("{d}/a11y-services"))),
        )
        .unwrap();

        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
        let mut x = Xfce {
            xvfb: None,
            bus: None,
            a11y_bus: None,
            xfconfd: None,
            registryd: None,
            notifyd: None,
            display: String::new(),
            address: String::new(),
            a11y_address: String::new(),
            conn: None,
            a11y: None,
            seen: Arc::default(),
            rt,
            dir,
        };
        x.xvfb = Some(headless::spawn_xvfb(x.dir.path()));
        x.bus = Some(headless::spawn_bus(x.dir.path(), "bus"));
        x.a11y_bus = Some(headless::spawn_bus(x.dir.path(), "a11y"));

        let (out, log) = (x.path("bus.out"), x.path("bus.log"));
        x.address = headless::wait_for_output(
            x.bus.as_mut().unwrap(),
            "dbus-daemon",
            &out,
            &log,
            headless::parse_bus_address,
        );
        let (out, log) = (x.path("a11y.out"), x.path("a11y.log"));
        x.a11y_address = headless::wait_for_output(
            x.a11y_bus.as_mut().unwrap(),
            "dbus-daemon (accessibility)",
            &out,
            &log,
            headless::parse_bus_address,
        );
        let (address, a11y_address) = (x.address.clone(), x.a11y_address.clone());
        let (conn, a11y) =
            x.rt.block_on(async {
                let conn = zbus::connection::Builder::address(address.as_str()).build().await?;
                let a11y = zbus::connection::Builder::address(a11y_address.as_str()).build().await?;
                zbus::Result::Ok((conn, a11y))
            })
            .unwrap_or_else(|e| panic!("connect to the private buses: {e}"));
        x.conn = Some(conn);
        x.a11y = Some(a11y);
        start_monitor(&x.address, Arc::clone(&x.seen));

        let (out, log) = (x.path("xvfb.display"), x.path("xvfb.log"));
        x.display =
            headless::wait_for_output(x.xvfb.as_mut().unwrap(), "Xvfb", &out, &log, headless::parse_display);

        if xfconfd {
            x.start_xfconfd();
        }
        let registryd = x.spawn(&find_program("at-spi2-registryd", "at-spi2-core"), "registryd");
        x.registryd = Some(registryd);
        x.wait_for_name(true, REGISTRY, "registryd");
        let notifyd = x.spawn(&find_program("xfce4/notifyd/xfce4-notifyd", "xfce4-notifyd"), "notifyd");
        x.notifyd = Some(notifyd);
        x.wait_for_name(false, NOTIFICATIONS, "notifyd");
        x
    }

    /// Starts xfconfd, which reads the channel files as they are now, and returns once it owns
    /// `org.xfce.Xfconf`.
    pub fn start_xfconfd(&mut self) {
        assert!(self.xfconfd.is_none(), "xfconfd runs already");
        let xfconfd = self.spawn(&find_program("xfce4/xfconf/xfconfd", "xfconf"), "xfconfd");
        self.xfconfd = Some(xfconfd);
        self.wait_for_name(false, XFCONF, "xfconfd");
    }

    /// Replaces xfce4-notifyd's channel file, as a settings sync or an older session would
    /// have left it; xfconfd reads it when it starts.
    pub fn write_channel(&self, dnd: bool) {
        let channel = CHANNEL.replace(
            r#"name="do-not-disturb" type="bool" value="false""#,
            &format!(r#"name="do-not-disturb" type="bool" value="{dnd}""#),
        );
        fs::write(self.path("config/xfce4/xfconf/xfce-perchannel-xml/xfce4-notifyd.xml"), channel).unwrap();
    }

    /// The private session bus.
    pub fn bus_address(&self) -> &str {
        &self.address
    }

    /// The unique bus name of xfce4-notifyd, which its signals come from.
    pub fn server_name(&self) -> String {
        self.name_owner(false, NOTIFICATIONS).expect("xfce4-notifyd owns the notifications name")
    }

    /// Broadcasts `ActionInvoked(id, key)` from the harness's own connection: a client that is
    /// not the notification server pretending a button was clicked.
    pub fn forge_action(&self, id: u32, key: &str) {
        let conn = self.conn.as_ref().expect("connected");
        self.block(conn.emit_signal(
            None::<&str>,
            NOTIFICATIONS_PATH,
            NOTIFICATIONS,
            "ActionInvoked",
            &(id, key),
        ))
        .unwrap_or_else(|e| panic!("emit a forged ActionInvoked: {e}"));
    }

    /// Switches xfce4-notifyd's do-not-disturb as its settings dialog does: through xfconfd,
    /// with `xfconf-query`.
    pub fn set_dnd(&self, on: bool) {
        self.xfconf_query(&["-n", "-t", "bool", "-s", &on.to_string()]);
    }

    /// Removes xfce4-notifyd's do-not-disturb from xfconf (`xfconf-query -r`), as resetting
    /// the setting does: xfce4-notifyd's default, off, holds again.
    pub fn remove_dnd(&self) {
        self.xfconf_query(&["-r"]);
    }

    /// `xfconf-query` on xfce4-notifyd's `/do-not-disturb`, with `args` after the property.
    fn xfconf_query(&self, args: &[&str]) {
        let d = self.dir.path();
        let out = Command::new("xfconf-query")
            .args(["-c", "xfce4-notifyd", "-p", "/do-not-disturb"])
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", d.join("home"))
            .env("XDG_CONFIG_HOME", d.join("config"))
            .env("XDG_CONFIG_DIRS", d.join("config-dirs"))
            .env("XDG_RUNTIME_DIR", d.join("run"))
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .stdin(Stdio::null())
            .output()
            .expect("run xfconf-query (package xfconf)");
        assert!(out.status.success(), "xfconf-query failed: {}", stderr(&out));
    }

    /// What xfce4-notifyd wrote to stderr so far.
    pub fn server_log(&self) -> String {
        read_lossy(&self.path("notifyd.log"))
    }

    /// Every `Notify` call so far, in order, with the id from its reply once that came.
    pub fn sent(&self) -> Vec<Sent> {
        let seen = self.seen.lock().unwrap().clone();
        seen.iter()
            .filter_map(|s| match s {
                Seen::Notify { serial, sender, replaces, summary, body, actions } => Some(Sent {
                    id: seen.iter().find_map(|r| match r {
                        Seen::Reply { reply_serial, destination, id }
                            if reply_serial == serial && destination == sender =>
                        {
                            Some(*id)
                        }
                        _ => None,
                    }),
                    sender: sender.clone(),
                    replaces: *replaces,
                    summary: summary.clone(),
                    body: body.clone(),
                    actions: actions
                        .chunks(2)
                        .map(|p| (p[0].clone(), p.get(1).cloned().unwrap_or_default()))
                        .collect(),
                }),
                _ => None,
            })
            .collect()
    }

    /// Every `ActionInvoked` and `NotificationClosed` signal so far, in order.
    pub fn signals(&self) -> Vec<Signal> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter_map(|s| match s.clone() {
                Seen::Action { sender, id, key } => Some(Signal::Action { sender, id, key }),
                Seen::Closed { sender, id, reason } => Some(Signal::Closed { sender, id, reason }),
                _ => None,
            })
            .collect()
    }

    /// Waits until a `Notify` with this summary was sent and answered with an id; returns it.
    pub fn wait_sent(&self, summary: &str, timeout: Duration) -> Sent {
        self.wait(&format!("a Notify {summary:?} and its reply"), timeout, || {
            self.sent().into_iter().find(|s| s.summary == summary && s.id.is_some())
        })
    }

    /// The popups xfce4-notifyd shows now, top to bottom as AT-SPI lists them.
    pub fn on_screen(&self) -> Vec<Popup> {
        let a11y = self.a11y.as_ref().expect("connected");
        self.block(async {
            let mut popups = Vec::new();
            let apps: Vec<(String, OwnedObjectPath)> =
                call(a11y, REGISTRY, A11Y_ROOT, ACCESSIBLE, "GetChildren", &()).await.unwrap_or_default();
            for (app, path) in apps {
                if name(a11y, &app, path.as_str()).await.as_deref() != Some("xfce4-notifyd") {
                    continue;
                }
                let windows: Vec<(String, OwnedObjectPath)> =
                    call(a11y, &app, path.as_str(), ACCESSIBLE, "GetChildren", &()).await.unwrap_or_default();
                for (_, window) in windows {
                    let state: Vec<u32> = call(a11y, &app, window.as_str(), ACCESSIBLE, "GetState", &())
                        .await
                        .unwrap_or_default();
                    if state.first().is_none_or(|s| s & STATE_SHOWING == 0) {
                        continue;
                    }
                    let (mut labels, mut buttons) = (Vec::new(), Vec::new());
                    collect(a11y, &app, window.as_str(), &mut labels, &mut buttons).await;
                    if labels.is_empty() && buttons.is_empty() {
                        continue;
                    }
                    let mut labels = labels.into_iter();
                    popups.push(Popup {
                        summary: labels.next().unwrap_or_default(),
                        body: labels.collect::<Vec<_>>().join("\n"),
                        buttons,
                    });
                }
            }
            popups
        })
    }

    /// Waits until a popup with this summary is on screen and returns it.
    pub fn wait_popup(&self, summary: &str, timeout: Duration) -> Popup {
        self.wait(&format!("a popup {summary:?} on screen"), timeout, || {
            self.on_screen().into_iter().find(|p| p.summary == summary)
        })
    }

    /// Waits until no popup whose summary `ours` accepts is on screen.
    pub fn wait_gone(&self, what: &str, ours: impl Fn(&str) -> bool, timeout: Duration) {
        self.wait(&format!("no {what} on screen"), timeout, || {
            (!self.on_screen().iter().any(|p| ours(&p.summary))).then_some(())
        })
    }

    /// Clicks the button labelled `label` on the popup with this summary, as a user would: waits
    /// (bounded) until it is shown, then moves the X pointer to the middle of the button and
    /// presses and releases the left button. Panics with what is on screen if there is no such
    /// button. Two buttons with the same label: the first.
    pub fn click(&self, summary: &str, label: &str) {
        let popup = self.wait_popup(summary, WAIT);
        let Some(button) = popup.buttons.iter().find(|b| b.label == label) else {
            panic!("the popup {summary:?} has no button {label:?}: {popup:#?}");
        };
        let (x, y, w, h) = button.extents;
        assert!(w > 0 && h > 0 && x >= 0 && y >= 0, "button {label:?} is not on screen: {button:?}");
        let (cx, cy) = (x + w / 2, y + h / 2);
        let out = Command::new("xdotool")
            .args(["mousemove", &cx.to_string(), &cy.to_string(), "click", "1"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("DISPLAY", &self.display)
            .stdin(Stdio::null())
            .output()
            .expect("run xdotool (package xdotool)");
        assert!(out.status.success(), "xdotool failed: {}", stderr(&out));
    }

    fn wait<T>(&self, what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(v) = f() {
                return v;
            }
            if Instant::now() >= deadline {
                panic!(
                    "timed out after {timeout:?} waiting for {what}\non screen: {:#?}\nsent: {:#?}\nsignals: {:#?}\n\
                     --- xfce4-notifyd stderr ---\n{}",
                    self.on_screen(),
                    self.sent(),
                    self.signals(),
                    self.server_log()
                );
            }
            std::thread::sleep(POLL);
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Starts one of the desktop's programs with private XDG dirs and both buses.
    fn spawn(&self, program: &Path, name: &str) -> Child {
        let d = self.dir.path();
        Command::new(program)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", d.join("home"))
            .env("XDG_CONFIG_HOME", d.join("config"))
            .env("XDG_CONFIG_DIRS", d.join("config-dirs"))
            .env("XDG_DATA_HOME", d.join("data"))
            .env("XDG_DATA_DIRS", "/usr/local/share:/usr/share")
            .env("XDG_CACHE_HOME", d.join("cache"))
            .env("XDG_RUNTIME_DIR", d.join("run"))
            .env("GSETTINGS_BACKEND", "memory")
            .env("LANG", "C.UTF-8")
            .env("DISPLAY", &self.display)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("AT_SPI_BUS_ADDRESS", &self.a11y_address)
            .stdin(Stdio::null())
            .stdout(fs::File::create(self.path(&format!("{name}.out"))).unwrap())
            .stderr(fs::File::create(self.path(&format!("{name}.log"))).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", program.display()))
    }

    fn name_owner(&self, a11y: bool, name: &str) -> Option<String> {
        let conn = if a11y { self.a11y.as_ref() } else { self.conn.as_ref() }.expect("connected");
        self.block(call::<String>(
            conn,
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "GetNameOwner",
            &name,
        ))
    }

    /// Polls until `name` has an owner on the session (or accessibility) bus; panics with the
    /// program's log if it exits first or `START_TIMEOUT` passes.
    fn wait_for_name(&mut self, a11y: bool, name: &str, program: &str) {
        let deadline = Instant::now() + START_TIMEOUT;
        while self.name_owner(a11y, name).is_none() {
            let child = match program {
                "xfconfd" => self.xfconfd.as_mut(),
                "registryd" => self.registryd.as_mut(),
                _ => self.notifyd.as_mut(),
            };
            let exited = child.expect("started").try_wait().expect("wait for a child");
            if exited.is_some() || Instant::now() >= deadline {
                panic!(
                    "{program} never took {name} ({})\n--- {program} stderr ---\n{}",
                    exited.map_or(format!("within {START_TIMEOUT:?}"), |s| format!("exited: {s}")),
                    read_lossy(&self.path(&format!("{program}.log")))
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// Runs `fut` on this desktop's runtime; from inside another Tokio runtime, on a thread of
    /// its own.
    fn block<F>(&self, fut: F) -> F::Output
    where
        F: std::future::Future + Send,
        F::Output: Send,
    {
        if tokio::runtime::Handle::try_current().is_ok() {
            std::thread::scope(|s| {
                s.spawn(|| self.rt.block_on(fut)).join().unwrap_or_else(|e| std::panic::resume_unwind(e))
            })
        } else {
            self.rt.block_on(fut)
        }
    }
}

impl SessionEnv for Xfce {
    /// Like `Desktop::env`: this desktop's display and session bus, and a system bus that does
    /// not exist.
    fn env(&self, cmd: &mut Command) {
        cmd.env("DISPLAY", &self.display)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("DBUS_SYSTEM_BUS_ADDRESS", format!("unix:path={}", self.path("no-system-bus").display()));
    }
}

impl Drop for Xfce {
    fn drop(&mut self) {
        let mut children: Vec<&mut Child> = [
            &mut self.notifyd,
            &mut self.registryd,
            &mut self.xfconfd,
            &mut self.a11y_bus,
            &mut self.bus,
            &mut self.xvfb,
        ]
        .into_iter()
        .filter_map(|c| c.as_mut())
        .collect();
        headless::terminate(&mut children);
        let _guard = self.rt.enter();
        self.conn = None;
        self.a11y = None;
    }
}

/// Calls a method and deserializes its reply; `None` on any error (a popup that went away
/// mid-walk, a name with no owner).
async fn call<R>(
    conn: &Connection,
    dest: &str,
    path: &str,
    iface: &str,
    method: &str,
    body: &(impl serde::Serialize + zbus::zvariant::DynamicType + Sync),
) -> Option<R>
where
    R: for<'d> serde::Deserialize<'d> + zbus::zvariant::Type,
{
    let reply = conn.call_method(Some(dest), path, Some(iface), method, body).await.ok()?;
    reply.body().deserialize().ok()
}

async fn name(a11y: &Connection, app: &str, path: &str) -> Option<String> {
    let v: OwnedValue =
        call(a11y, app, path, "org.freedesktop.DBus.Properties", "Get", &(ACCESSIBLE, "Name")).await?;
    String::try_from(v).ok()
}

/// Collects the labels (in order) and push buttons under an accessible object.
async fn collect(
    a11y: &Connection,
    app: &str,
    root: &str,
    labels: &mut Vec<String>,
    buttons: &mut Vec<Button>,
) {
    let mut stack = vec![root.to_owned()];
    let mut order = Vec::new();
    while let Some(path) = stack.pop() {
        order.push(path.clone());
        let children: Vec<(String, OwnedObjectPath)> =
            call(a11y, app, &path, ACCESSIBLE, "GetChildren", &()).await.unwrap_or_default();
        stack.extend(children.into_iter().rev().map(|(_, p)| p.as_str().to_owned()));
    }
    for path in order {
        let role: String = call(a11y, app, &path, ACCESSIBLE, "GetRoleName", &()).await.unwrap_or_default();
        match role.as_str() {
            "label" => {
                if let Some(text) = name(a11y, app, &path).await.filter(|t| !t.is_empty()) {
                    labels.push(text);
                }
            }
            "push button" => {
                let label = name(a11y, app, &path).await.unwrap_or_default();
                let extents: (i32, i32, i32, i32) =
                    call(a11y, app, &path, "org.a11y.atspi.Component", "GetExtents", &0u32)
                        .await
                        .unwrap_or_default();
                buttons.push(Button { label, extents });
            }
            _ => {}
        }
    }
}

/// Starts a thread whose connection to the bus at `address` becomes a monitor and records the
/// notification traffic into `seen`; returns once it monitors. The thread ends when the bus
/// goes away.
fn start_monitor(address: &str, seen: Arc<Mutex<Vec<Seen>>>) {
    let address = address.to_owned();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
        rt.block_on(async move {
            let setup = async {
                let conn = zbus::connection::Builder::address(address.as_str()).build().await?;
                let stream = zbus::MessageStream::from(&conn);
                let rules = vec![
                    format!("type='method_call',interface='{NOTIFICATIONS}'"),
                    format!("type='signal',interface='{NOTIFICATIONS}'"),
                    "type='method_return'".to_owned(),
                ];
                conn.call_method(
                    Some("org.freedesktop.DBus"),
                    "/org/freedesktop/DBus",
                    Some("org.freedesktop.DBus.Monitoring"),
                    "BecomeMonitor",
                    &(rules, 0u32),
                )
                .await?;
                zbus::Result::Ok((conn, stream))
            };
            let (_conn, mut stream) = match setup.await {
                Ok(v) => v,
                Err(e) => {
                    let _ = ready_tx.send(Err(e.to_string()));
                    return;
                }
            };
            let _ = ready_tx.send(Ok(()));
            while let Some(Ok(msg)) = stream.next().await {
                if let Some(s) = read_seen(&msg) {
                    seen.lock().unwrap().push(s);
                }
            }
        });
    });
    match ready_rx.recv_timeout(START_TIMEOUT) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("become a monitor of the private bus: {e}"),
        Err(e) => panic!("no bus monitor within {START_TIMEOUT:?}: {e}"),
    }
}

fn read_seen(msg: &zbus::Message) -> Option<Seen> {
    let h = msg.header();
    let sender = h.sender().map(|s| s.to_string()).unwrap_or_default();
    let member = h.member().map(|m| m.to_string()).unwrap_or_default();
    match msg.message_type() {
        MessageType::MethodReturn => {
            let id: u32 = msg.body().deserialize().ok()?;
            let destination = h.destination().map(|d| d.to_string()).unwrap_or_default();
            Some(Seen::Reply { reply_serial: h.reply_serial()?.get(), destination, id })
        }
        MessageType::MethodCall if member == "Notify" => {
            type Notify =
                (String, u32, String, String, String, Vec<String>, HashMap<String, OwnedValue>, i32);
            let (_app, replaces, _icon, summary, body, actions, _hints, _timeout): Notify =
                msg.body().deserialize().ok()?;
            Some(Seen::Notify {
                serial: h.primary().serial_num().get(),
                sender,
                replaces,
                summary,
                body,
                actions,
            })
        }
        MessageType::Signal if member == "ActionInvoked" => {
            let (id, key): (u32, String) = msg.body().deserialize().ok()?;
            Some(Seen::Action { sender, id, key })
        }
        MessageType::Signal if member == "NotificationClosed" => {
            let (id, reason): (u32, u32) = msg.body().deserialize().ok()?;
            Some(Seen::Closed { sender, id, reason })
        }
        _ => None,
    }
}

/// The first reminder postured sent, once xfce4-notifyd shows it.
fn first_reminder(xfce: &Xfce) -> (Sent, Popup) {
    let sent = xfce.wait("a reminder sent", WAIT, || {
        xfce.sent().into_iter().find(|s| s.summary.starts_with("Posture check · ") && s.id.is_some())
    });
    let popup = xfce.wait_popup(&sent.summary, WAIT);
    (sent, popup)
}

/// The label of the action `key` in what was sent.
fn label<'a>(sent: &'a Sent, key: &str) -> &'a str {
    sent.actions
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, l)| l.as_str())
        .unwrap_or_else(|| panic!("no {key}: {sent:?}"))
}

/// Only one reminder a day, so nothing else falls due while a test answers the first.
fn one_a_day(snooze: &str) -> String {
    fast_config("1s", snooze).replace("max_per_day = 200", "max_per_day = 1")
}

fn xfce_home(config: &str) -> (Xfce, Home, Daemon) {
    let xfce = Xfce::start();
    let home = Home::new();
    home.write_config(config);
    let daemon = Daemon::start(&xfce, &home);
    (xfce, home, daemon)
}

#[test]
fn the_whole_log_discomfort_conversation_on_xfce() {
    let (xfce, home, daemon) = xfce_home(&one_a_day("1h"));
    let server = xfce.server_name();
    let (reminder, popup) = first_reminder(&xfce);
    // xfce shows the `default` action as a button of its own.
    assert_eq!(popup.labels(), ["Mark done", "Done", "Snooze 1h", "Log discomfort"], "{popup:#?}");
    assert!(!popup.body.is_empty(), "{popup:#?}");

    let steps = [
        (reminder.summary.as_str(), "Log discomfort", "Where is the discomfort?"),
        ("Where is the discomfort?", "Neck", "How strong is the neck discomfort?"),
        (
            "How strong is the neck discomfort?",
            "Moderate (5/10)",
            "Also: any of these with the neck discomfort?",
        ),
        (
            "Also: any of these with the neck discomfort?",
            "None of these",
            "Does the neck discomfort get in the way?",
        ),
        ("Does the neck discomfort get in the way?", "Neither", "Logged"),
    ];
    let mut clicked_ids = Vec::new();
    for (on, button, next) in steps {
        let clicked = xfce.sent().into_iter().rev().find(|s| s.summary == on).expect("sent").id.unwrap();
        xfce.click(on, button);
        clicked_ids.push(clicked);
        let shown = xfce.wait_popup(next, WAIT);
        let sent = xfce.wait_sent(next, WAIT);
        assert_ne!(sent.replaces, clicked, "{next:?} replaced the clicked notification {clicked}: {sent:?}");
        match next {
            "Where is the discomfort?" => {
                assert!(shown.labels().contains(&"Neck") && shown.buttons.len() <= 3, "{shown:#?}")
            }
            "How strong is the neck discomfort?" => {
                assert_eq!(shown.labels(), ["Mild (3/10)", "Moderate (5/10)", "Severe (8/10)"])
            }
            "Also: any of these with the neck discomfort?" => {
                assert_eq!(shown.labels(), ["Numbness or tingling", "Weakness", "None of these"])
            }
            "Does the neck discomfort get in the way?" => {
                assert_eq!(shown.labels(), ["Disturbs my sleep", "Stopped my usual activities", "Neither"])
            }
            _ => {
                assert!(shown.buttons.is_empty(), "{shown:#?}");
                assert!(shown.body.starts_with("Neck discomfort, 5/10."), "{shown:#?}");
            }
        }
        // The question answered is gone; only the next step is ours on screen.
        xfce.wait_gone(&format!("{on:?}"), |s| s == on, WAIT);
    }
    assert_eq!(xfce.on_screen().iter().map(|p| p.summary.as_str()).collect::<Vec<_>>(), ["Logged"]);
    // Every click was a button press on the server's own popup.
    let actions: Vec<Signal> =
        xfce.signals().into_iter().filter(|s| matches!(s, Signal::Action { .. })).collect();
    let keys = ["log", "area:neck", "severity:5", "symptom:none", "function:none"];
    let want: Vec<Signal> = clicked_ids
        .iter()
        .zip(keys)
        .map(|(id, key)| Signal::Action { sender: server.clone(), id: *id, key: key.to_owned() })
        .collect();
    assert_eq!(actions, want);

    let reports: Vec<(String, u8, String)> = {
        let db = db(&home);
        let mut stmt = db.prepare("SELECT area, severity, source FROM discomfort").unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(reports, [("neck".to_owned(), 5, "notification".to_owned())]);
    assert_eq!(outcomes(&home), [("posture".to_owned(), Some("logged".to_owned()))], "{}", daemon.log());
    assert_eq!(status_json(&xfce, &home)["shown_today"], 1);
}

#[test]
fn done_on_xfce_is_stored_and_leaves_nothing_on_screen() {
    let (xfce, home, daemon) = xfce_home(&one_a_day("1h"));
    let (reminder, _) = first_reminder(&xfce);
    let id = reminder.id.unwrap();
    // Another client claims Snooze was clicked, before the user really clicks Done: only the
    // server that showed the reminder may answer it, so the outcome is the user's Done.
    xfce.forge_action(id, "snooze");
    xfce.click(&reminder.summary, label(&reminder, "done"));
    wait_until("an outcome", || outcomes(&home).first()?.1.clone());
    assert_eq!(outcomes(&home), [("posture".to_owned(), Some("done".to_owned()))], "{}", daemon.log());
    xfce.wait_gone("reminder", |_| true, WAIT);
    // xfce closes it after the click; the daemon takes that close as part of the Done.
    wait_until("the server's close", || {
        xfce.signals().iter().any(|s| matches!(s, Signal::Closed { id: i, .. } if *i == id)).then_some(())
    });
    let status = status_json(&xfce, &home);
    assert_eq!(
        (status["state"].as_str(), status["snoozed_until"].as_str()),
        (Some("active"), Some("")),
        "{status}"
    );
    assert_eq!(outcomes(&home), [("posture".to_owned(), Some("done".to_owned()))], "{}", daemon.log());
    assert_eq!(xfce.sent().len(), 1, "nothing else was sent: {:#?}", xfce.sent());
}

#[test]
fn snooze_on_xfce_brings_the_same_suggestion_back() {
    let (xfce, home, daemon) = xfce_home(&fast_config("3s", "3s"));
    let (reminder, _) = first_reminder(&xfce);
    // From now on only the snooze can bring a reminder back within the test.
    home.write_config(&fast_config("1h", "3s"));
    let out = crate::daemon::cli(&xfce, &home, &["reload"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(xfce.sent().len(), 1, "a second reminder came before the reload: {:#?}", xfce.sent());

    let clicked = chrono::Utc::now();
    let snooze_label = label(&reminder, "snooze").to_owned();
    assert_eq!(snooze_label, "Snooze 3s");
    xfce.click(&reminder.summary, &snooze_label);
    wait_until("snoozed", || (outcomes(&home).first()?.1.as_deref() == Some("snoozed")).then_some(()));
    xfce.wait_gone("the snoozed reminder", |s| s == reminder.summary, WAIT);

    let status = status_json(&xfce, &home);
    assert_eq!(status["state"], "snoozed", "{status}");
    let until = status["snoozed_until"].as_str().and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok());
    let until = until.unwrap_or_else(|| panic!("snoozed_until is not an RFC 3339 time: {status}"));
    let after = (until.with_timezone(&chrono::Utc) - clicked).num_milliseconds();
    assert!((2_000..=4_500).contains(&after), "snoozed until {after} ms after the click, not 3 s: {status}");

    // The same suggestion comes back, as a new reminder, once the snooze is over.
    let back = xfce.wait("the snoozed suggestion again", WAIT, || xfce.sent().into_iter().nth(1));
    let came = chrono::Utc::now();
    assert!(
        came >= until.with_timezone(&chrono::Utc) - chrono::Duration::milliseconds(500),
        "came before the snooze ended"
    );
    assert_eq!(
        (back.summary.as_str(), back.body.as_str()),
        (reminder.summary.as_str(), reminder.body.as_str())
    );
    let popup = xfce.wait_popup(&reminder.summary, WAIT);
    assert_eq!(popup.labels(), ["Mark done", "Done", "Snooze 3s", "Log discomfort"]);
    wait_until("a second reminder row", || (outcomes(&home).len() == 2).then_some(()));
    assert_eq!(
        outcomes(&home),
        [("posture".to_owned(), Some("snoozed".to_owned())), ("posture".to_owned(), None)],
        "{}",
        daemon.log()
    );
}

/// Waits until `status --json` says `state`.
fn wait_state(xfce: &Xfce, home: &Home, state: &str) -> serde_json::Value {
    wait_until(&format!("status to say {state}"), || {
        let status = status_json(xfce, home);
        (status["state"] == state).then_some(status)
    })
}

#[test]
fn xfce_do_not_disturb_holds_a_due_reminder_until_it_is_switched_off() {
    let (xfce, home, daemon) = xfce_home(&fast_config("1h", "1h"));
    daemon.wait_log("do-not-disturb on Xfce Notify Daemon", WAIT);
    assert_eq!(wait_state(&xfce, &home, "active")["dnd"], false);

    xfce.set_dnd(true);
    let status = wait_state(&xfce, &home, "dnd");
    assert_eq!(status["dnd"], true, "{status}");
    assert!(status["dnd_sources"].as_str().unwrap().starts_with("xfconf xfce4-notifyd"), "{status}");
    // Now a reminder falls due: it is held, not sent.
    home.write_config(&fast_config("1s", "1h"));
    let out = crate::daemon::cli(&xfce, &home, &["reload"]);
    assert!(out.status.success(), "{}", stderr(&out));
    daemon.wait_log("held back a posture reminder: do not disturb", WAIT);
    assert!(xfce.sent().is_empty(), "sent during do-not-disturb: {:#?}", xfce.sent());
    assert!(xfce.on_screen().is_empty(), "{:#?}", xfce.on_screen());

    xfce.set_dnd(false);
    first_reminder(&xfce);
    assert_eq!(status_json(&xfce, &home)["dnd"], false);
}

#[test]
fn xfce_do_not_disturb_already_on_when_the_daemon_starts_is_followed() {
    let xfce = Xfce::start();
    xfce.set_dnd(true);
    let home = Home::new();
    home.write_config(&fast_config("1s", "1h"));
    let daemon = Daemon::start(&xfce, &home);
    daemon.wait_log("do-not-disturb: xfconf xfce4-notifyd /do-not-disturb", WAIT);
    daemon.wait_log("held back a posture reminder: do not disturb", WAIT);
    let text = crate::daemon::cli(&xfce, &home, &["status"]);
    let text = crate::support::stdout(&text);
    assert!(text.contains("holding reminders: the desktop is in do-not-disturb"), "{text}");
    assert!(text.contains("\ndo-not-disturb: xfconf xfce4-notifyd /do-not-disturb"), "{text}");
    assert!(xfce.sent().is_empty(), "sent during do-not-disturb: {:#?}", xfce.sent());

    xfce.set_dnd(false);
    first_reminder(&xfce);
    assert_eq!(wait_state(&xfce, &home, "active")["dnd"], false);
}

#[test]
fn xfconfd_starting_after_the_daemon_is_read_and_a_removed_setting_ends_do_not_disturb() {
    // xfce4-notifyd runs without xfconfd (nothing on this bus can start it), as when the
    // settings store comes up late or restarts after a crash; it then has its defaults, off.
    let mut xfce = Xfce::start_with(false);
    let home = Home::new();
    home.write_config(&fast_config("1h", "1h"));
    let daemon = Daemon::start(&xfce, &home);
    daemon.wait_log("do-not-disturb on Xfce Notify Daemon", WAIT);
    assert_eq!(wait_state(&xfce, &home, "active")["dnd"], false);
    assert!(
        !daemon.log().contains("do-not-disturb: xfconf"),
        "xfconfd is not running yet:\n{}",
        daemon.log()
    );

    // xfconfd appears with do-not-disturb on in its file: no property changes, only its name
    // appears on the bus.
    xfce.write_channel(true);
    xfce.start_xfconfd();
    let status = wait_state(&xfce, &home, "dnd");
    assert_eq!(status["dnd"], true, "{status}");
    home.write_config(&fast_config("1s", "1h"));
    let out = crate::daemon::cli(&xfce, &home, &["reload"]);
    assert!(out.status.success(), "{}", stderr(&out));
    daemon.wait_log("held back a posture reminder: do not disturb", WAIT);
    assert!(xfce.sent().is_empty(), "sent during do-not-disturb: {:#?}", xfce.sent());

    // Removed, not set to false: xfconfd says `PropertyRemoved`, and unset means off.
    xfce.remove_dnd();
    first_reminder(&xfce);
    assert_eq!(wait_state(&xfce, &home, "active")["dnd"], false);
}

#[cfg(test)]
mod harness {
    use super::*;

    async fn notify(conn: &Connection, summary: &str, actions: &[&str]) -> u32 {
        let hints: HashMap<&str, zbus::Variant<'_>> = HashMap::new();
        let body = ("harness-test", 0u32, "", summary, "a body", actions.to_vec(), hints, -1i32);
        let reply = conn
            .call_method(Some(NOTIFICATIONS), NOTIFICATIONS_PATH, Some(NOTIFICATIONS), "Notify", &body)
            .await
            .unwrap();
        reply.body().deserialize().unwrap()
    }

    #[test]
    fn a_click_on_a_label_invokes_that_action_then_xfce_closes_it() {
        let xfce = Xfce::start();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let conn = rt.block_on(zbus::connection::Builder::address(xfce.bus_address()).build()).unwrap();
        let actions = ["default", "Done", "one", "First", "two", "Second"];
        let id = rt.block_on(notify(&conn, "Pick one", &actions));
        let popup = xfce.wait_popup("Pick one", WAIT);
        assert_eq!(popup.body, "a body");
        assert_eq!(popup.labels(), ["Done", "First", "Second"]);
        let sent = xfce.wait_sent("Pick one", WAIT);
        assert_eq!((sent.id, sent.replaces), (Some(id), 0));
        assert_eq!(sent.actions[2], ("two".to_owned(), "Second".to_owned()));

        xfce.click("Pick one", "Second");
        let server = xfce.server_name();
        let want = [
            Signal::Action { sender: server.clone(), id, key: "two".into() },
            Signal::Closed { sender: server, id, reason: 2 },
        ];
        xfce.wait("the action and the close", WAIT, || (xfce.signals() == want).then_some(()));
        xfce.wait_gone("popup", |_| true, WAIT);

        // A missing label panics with what is there.
        rt.block_on(notify(&conn, "Again", &["x", "Only"]));
        let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| xfce.click("Again", "Nope")))
            .expect_err("no such button");
        let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(msg.contains("\"Only\""), "{msg}");
        assert!(
            xfce.server_log().is_empty() || !xfce.server_log().contains("CRITICAL"),
            "{}",
            xfce.server_log()
        );
    }
}
