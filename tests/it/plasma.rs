//! KDE Plasma's do-not-disturb: the `Inhibited` property on the notification server's own
//! object, announced with `PropertiesChanged`. Plasma can't run headless here, so a stand-in
//! notification server that answers as Plasma does is served with zbus on a private session
//! bus that has nothing else on it (no dunst, whose own `paused` would answer first).

use crate::daemon::{Daemon, WAIT, cli, fast_config, status_json, wait_until};
use crate::headless::{self, SessionEnv};
use crate::support::{Home, bus_config, stderr};
use std::collections::HashMap;
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use zbus::object_server::SignalEmitter;
use zbus::{Connection, interface};

const NOTIFICATIONS: &str = "org.freedesktop.Notifications";
const NOTIFICATIONS_PATH: &str = "/org/freedesktop/Notifications";

/// A `Notify` call the stand-in answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Got {
    pub id: u32,
    pub app_name: String,
    pub summary: String,
}

#[derive(Default)]
struct State {
    last_id: u32,
    got: Vec<Got>,
}

/// `org.freedesktop.Notifications` as Plasma 6 answers it, with its `Inhibited` extension.
struct Server {
    state: Arc<Mutex<State>>,
    inhibited: bool,
}

#[interface(name = "org.freedesktop.Notifications")]
impl Server {
    fn get_server_information(&self) -> (&str, &str, &str, &str) {
        ("Plasma", "KDE", "6.0.0", "1.2")
    }

    fn get_capabilities(&self) -> Vec<&str> {
        vec!["body", "actions", "body-markup", "inhibitions"]
    }

    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        _body: String,
        _actions: Vec<String>,
        _hints: HashMap<String, zbus::OwnedVariant>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut s = self.state.lock().unwrap();
        s.last_id += 1;
        let id = s.last_id;
        s.got.push(Got { id, app_name, summary });
        id
    }

    async fn close_notification(&self, id: u32, #[zbus(signal_emitter)] emitter: SignalEmitter<'_>) {
        // Reason 3: closed by a call, as the spec has it.
        let _ = Self::notification_closed(&emitter, id, 3).await;
    }

    #[zbus(signal)]
    async fn notification_closed(emitter: &SignalEmitter<'_>, id: u32, reason: u32) -> zbus::Result<()>;

    #[zbus(property)]
    fn inhibited(&self) -> bool {
        self.inhibited
    }

    /// Through D-Bus, zbus emits `PropertiesChanged` after this on its own.
    #[zbus(property)]
    fn set_inhibited(&mut self, on: bool) {
        self.inhibited = on;
    }
}

/// A private session bus with only the Plasma stand-in on it; every process stopped on drop.
pub struct Plasma {
    bus: Option<Child>,
    address: String,
    state: Arc<Mutex<State>>,
    rt: Arc<tokio::runtime::Runtime>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    conn: Option<Connection>,
    dir: tempfile::TempDir,
}

impl Plasma {
    /// Starts the bus and the stand-in, with `Inhibited` as given; returns once the stand-in
    /// owns `org.freedesktop.Notifications`.
    pub fn start(inhibited: bool) -> Plasma {
        let dir = tempfile::Builder::new().prefix("plasma").tempdir().expect("temp dir");
        let d = dir.path().to_str().expect("temp dir path is UTF-8").to_owned();
        headless::check_dir_name(&d);
        // No service folder: nothing on this bus can be started by asking for it.
        std::fs::write(dir.path().join("bus.conf"), bus_config("session", &format!("{d}/bus"), None))
            .unwrap();
        let mut bus = headless::spawn_bus(dir.path(), "bus");
        let (out, log) = (dir.path().join("bus.out"), dir.path().join("bus.log"));
        let address =
            headless::wait_for_output(&mut bus, "dbus-daemon", &out, &log, headless::parse_bus_address);

        // Served from a thread of its own, so it answers while the test thread waits.
        let rt = Arc::new(tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let driver = rt.clone();
        let thread = std::thread::spawn(move || {
            let _ = driver.block_on(stopped);
        });
        let state = Arc::new(Mutex::new(State::default()));
        let server = Server { state: state.clone(), inhibited };
        let conn = rt.handle().block_on(async {
            zbus::connection::Builder::address(address.as_str())
                .serve_at(NOTIFICATIONS_PATH, server)
                .name(NOTIFICATIONS)
                .build()
                .await
                .expect("Plasma stand-in on the private bus")
        });
        Plasma {
            bus: Some(bus),
            address,
            state,
            rt,
            stop: Some(stop),
            thread: Some(thread),
            conn: Some(conn),
            dir,
        }
    }

    /// Plasma's do-not-disturb comes on or goes off: `Inhibited` changes and
    /// `PropertiesChanged` says so, as zbus emits it for a property.
    pub fn set_inhibited(&self, on: bool) {
        let conn = self.conn.as_ref().expect("served");
        self.rt
            .handle()
            .block_on(async {
                let iface = conn.object_server().interface::<_, Server>(NOTIFICATIONS_PATH).await?;
                iface.get_mut().await.inhibited = on;
                iface.get().await.inhibited_changed(iface.signal_emitter()).await
            })
            .unwrap_or_else(|e| panic!("set Inhibited: {e}"));
    }

    /// Every `Notify` the stand-in answered, in order.
    pub fn got(&self) -> Vec<Got> {
        self.state.lock().unwrap().got.clone()
    }
}

impl SessionEnv for Plasma {
    /// This bus, a system bus that does not exist, and no X display.
    fn env(&self, cmd: &mut Command) {
        cmd.env("DBUS_SESSION_BUS_ADDRESS", &self.address).env(
            "DBUS_SYSTEM_BUS_ADDRESS",
            format!("unix:path={}", self.dir.path().join("no-system-bus").display()),
        );
    }
}

impl Drop for Plasma {
    fn drop(&mut self) {
        {
            let _guard = self.rt.enter();
            self.conn = None;
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if let Some(mut bus) = self.bus.take() {
            headless::terminate(&mut [&mut bus]);
        }
    }
}

/// Waits until `status --json` says `state`.
fn wait_state(plasma: &Plasma, home: &Home, state: &str) -> serde_json::Value {
    wait_until(&format!("status to say {state}"), || {
        let status = status_json(plasma, home);
        (status["state"] == state).then_some(status)
    })
}

/// Waits until the stand-in got a posture reminder.
fn wait_reminder(plasma: &Plasma) -> Got {
    wait_until("a reminder at the Plasma stand-in", || {
        plasma.got().into_iter().find(|g| g.summary.starts_with("Posture check · "))
    })
}

#[test]
fn plasma_inhibited_holds_a_due_reminder_until_it_is_switched_off() {
    let plasma = Plasma::start(false);
    let home = Home::new();
    home.write_config(&fast_config("1h", "1h"));
    let daemon = Daemon::start(&plasma, &home);
    daemon.wait_log("do-not-disturb on Plasma 6.0.0: the server's own", WAIT);
    assert_eq!(wait_state(&plasma, &home, "active")["dnd"], false);

    plasma.set_inhibited(true);
    let status = wait_state(&plasma, &home, "dnd");
    assert_eq!(status["dnd"], true, "{status}");
    assert!(status["dnd_sources"].as_str().unwrap().contains("KDE Inhibited"), "{status}");
    // Now a reminder falls due: it is held, not sent.
    home.write_config(&fast_config("1s", "1h"));
    let out = cli(&plasma, &home, &["reload"]);
    assert!(out.status.success(), "{}", stderr(&out));
    daemon.wait_log("held back a posture reminder: do not disturb", WAIT);
    assert!(plasma.got().is_empty(), "sent during do-not-disturb: {:#?}", plasma.got());
    assert_eq!(status_json(&plasma, &home)["state"], "dnd");

    plasma.set_inhibited(false);
    let got = wait_reminder(&plasma);
    assert_eq!(got.app_name, "postured");
    assert_eq!(wait_state(&plasma, &home, "active")["dnd"], false);
}

#[test]
fn plasma_inhibited_already_on_when_the_daemon_starts_holds_at_once() {
    let plasma = Plasma::start(true);
    let home = Home::new();
    home.write_config(&fast_config("1s", "1h"));
    let daemon = Daemon::start(&plasma, &home);
    daemon.wait_log("held back a posture reminder: do not disturb", WAIT);
    assert!(plasma.got().is_empty(), "sent during do-not-disturb: {:#?}", plasma.got());
    assert_eq!(status_json(&plasma, &home)["state"], "dnd");

    plasma.set_inhibited(false);
    wait_reminder(&plasma);
    assert_eq!(wait_state(&plasma, &home, "active")["dnd"], false);
}
