//! Stand-ins the session tests drive: a private system bus serving a small logind (a manager
//! with `GetSession`/`GetSessionByPID`, `PrepareForSleep` and `BlockInhibited`, a session with `Lock`/`Unlock`
//! and `LockedHint`), and GNOME's Mutter IdleMonitor on the desktop's session bus; besides, on
//! request, GNOME's SessionManager (idle inhibitors) and the desktop portal's Settings.
use crate::support::bus_config;

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use zbus::message::Header;
use zbus::{Connection, Variant, fdo, interface};

pub const SESSION_ID: &str = "c7";
pub const SESSION_PATH: &str = "/org/freedesktop/login1/session/c7";
const MANAGER_PATH: &str = "/org/freedesktop/login1";
const IDLE_PATH: &str = "/org/gnome/Mutter/IdleMonitor/Core";
const IDLE_IFACE: &str = "org.gnome.Mutter.IdleMonitor";
const WAIT: Duration = Duration::from_secs(10);

/// A second private dbus-daemon, standing in for the system bus; killed on drop.
pub struct SystemBus {
    child: Option<Child>,
    address: String,
    _dir: tempfile::TempDir,
}

impl SystemBus {
    pub fn start() -> SystemBus {
        let dir = tempfile::Builder::new().prefix("sysbus").tempdir().expect("temp dir");
        let d = dir.path().to_str().expect("UTF-8 temp dir").to_owned();
        std::fs::write(dir.path().join("bus.conf"), bus_config("system", &format!("{d}/system_bus"), None))
            .unwrap();
        let out = dir.path().join("bus.out");
        let child = Command::new("dbus-daemon")
            .arg(format!("--config-file={d}/bus.conf"))
            .args(["--nofork", "--nopidfile", "--print-address=1"])
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dbus-daemon");
        let mut bus = SystemBus { child: Some(child), address: String::new(), _dir: dir };
        bus.address = wait_for("the system bus's address", || {
            let text = std::fs::read_to_string(&out).unwrap_or_default();
            text.ends_with('\n').then(|| text.trim().to_owned())
        });
        bus
    }

    pub fn address(&self) -> &str {
        &self.address
    }
}

impl Drop for SystemBus {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            crate::desktop::terminate(&mut [&mut child]);
        }
    }
}

fn wait_for<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

struct Manager {
    inhibited: Arc<Mutex<String>>,
}

#[interface(name = "org.freedesktop.login1.Manager")]
impl Manager {
    /// What is inhibited, as logind says it: `sleep:idle`.
    #[zbus(property)]
    fn block_inhibited(&self) -> String {
        self.inhibited.lock().unwrap().clone()
    }

    fn get_session(&self, id: &str) -> fdo::Result<zbus::OwnedObjectPath> {
        if id == SESSION_ID {
            Ok(SESSION_PATH.try_into().unwrap())
        } else {
            Err(fdo::Error::Failed(format!("No session '{id}' known")))
        }
    }

    /// Like logind for a process outside any session (a user service).
    #[zbus(name = "GetSessionByPID")]
    fn get_session_by_pid(&self, pid: u32) -> fdo::Result<zbus::OwnedObjectPath> {
        Err(fdo::Error::Failed(format!("PID {pid} does not belong to any known session")))
    }
}

struct Session {
    locked: Arc<Mutex<bool>>,
}

#[interface(name = "org.freedesktop.login1.Session")]
impl Session {
    #[zbus(property)]
    fn locked_hint(&self) -> bool {
        *self.locked.lock().unwrap()
    }
}

/// One Mutter watch: an idle watch (with its interval) or a one-shot user-active watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdleWatch {
    pub id: u32,
    pub idle_ms: Option<u64>,
    pub owner: String,
}

#[derive(Default)]
struct Watches {
    next: u32,
    all: Vec<IdleWatch>,
    /// What `GetIdletime` answers: milliseconds since the last input.
    idle_ms: u64,
}

struct IdleMonitor {
    watches: Arc<Mutex<Watches>>,
}

impl IdleMonitor {
    fn add(&self, idle_ms: Option<u64>, header: &Header<'_>) -> u32 {
        let mut w = self.watches.lock().unwrap();
        w.next += 1;
        let owner = header.sender().map(|s| s.to_string()).unwrap_or_default();
        let id = w.next;
        w.all.push(IdleWatch { id, idle_ms, owner });
        id
    }
}

#[interface(name = "org.gnome.Mutter.IdleMonitor")]
impl IdleMonitor {
    fn add_idle_watch(&self, interval: u64, #[zbus(header)] header: Header<'_>) -> u32 {
        self.add(Some(interval), &header)
    }

    fn add_user_active_watch(&self, #[zbus(header)] header: Header<'_>) -> u32 {
        self.add(None, &header)
    }

    fn remove_watch(&self, id: u32) {
        self.watches.lock().unwrap().all.retain(|w| w.id != id);
    }

    fn get_idletime(&self) -> u64 {
        self.watches.lock().unwrap().idle_ms
    }
}

/// GNOME's session manager, as far as inhibitors go: the flags of each inhibitor by cookie.
#[derive(Default)]
struct Inhibitors {
    next: u32,
    all: Vec<(u32, u32)>,
}

struct SessionManager {
    inhibitors: Arc<Mutex<Inhibitors>>,
}

#[interface(name = "org.gnome.SessionManager")]
impl SessionManager {
    /// Whether any inhibitor has one of `flags` (8: idle, 4: suspend, ...).
    fn is_inhibited(&self, flags: u32) -> bool {
        self.inhibitors.lock().unwrap().all.iter().any(|(_, f)| f & flags != 0)
    }
}

/// xdg-desktop-portal's Settings, answering for `org.gnome.desktop.notifications`
/// `show-banners` only, as the GNOME backend does.
struct Portal {
    banners: Arc<Mutex<bool>>,
}

impl Portal {
    fn value(&self, namespace: &str, key: &str) -> fdo::Result<bool> {
        if (namespace, key) == (BANNERS.0, BANNERS.1) {
            Ok(*self.banners.lock().unwrap())
        } else {
            Err(fdo::Error::Failed(format!("Requested setting {namespace}.{key} not found")))
        }
    }
}

#[interface(name = "org.freedesktop.portal.Settings")]
impl Portal {
    fn read_one(&self, namespace: &str, key: &str) -> fdo::Result<zbus::OwnedVariant> {
        Ok(zbus::Variant::from(self.value(namespace, key)?).try_into().unwrap())
    }

    /// The older call: its answer is wrapped in one more variant.
    fn read(&self, namespace: &str, key: &str) -> fdo::Result<zbus::OwnedVariant> {
        let inner = zbus::Variant::from(self.value(namespace, key)?);
        Ok(zbus::Variant::Variant(Box::new(inner)).try_into().unwrap())
    }

    #[zbus(property)]
    fn version(&self) -> u32 {
        2
    }
}

const BANNERS: (&str, &str) = ("org.gnome.desktop.notifications", "show-banners");
const SM_PATH: &str = "/org/gnome/SessionManager";
const PORTAL_PATH: &str = "/org/freedesktop/portal/desktop";

/// The stand-ins, served from a runtime on a thread of their own, so they answer while the test
/// thread waits. Which ones run depends on the buses given to `start`.
pub struct Standins {
    rt: Arc<tokio::runtime::Runtime>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    system: Option<Connection>,
    session: Option<Connection>,
    saver: Option<Connection>,
    gnome: Option<Connection>,
    portal: Option<Connection>,
    inhibitors: Arc<Mutex<Inhibitors>>,
    banners: Arc<Mutex<bool>>,
    locked: Arc<Mutex<bool>>,
    inhibited: Arc<Mutex<String>>,
    watches: Arc<Mutex<Watches>>,
}

impl Standins {
    /// logind on `system` (if given), Mutter's IdleMonitor on `session` (if given).
    pub fn start(system: Option<&str>, session: Option<&str>) -> Standins {
        let rt = Arc::new(tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let driver = rt.clone();
        let thread = std::thread::spawn(move || {
            let _ = driver.block_on(stopped);
        });
        let locked = Arc::new(Mutex::new(false));
        let watches = Arc::new(Mutex::new(Watches::default()));
        let inhibited = Arc::new(Mutex::new(String::new()));
        let (l, w, i) = (locked.clone(), watches.clone(), inhibited.clone());
        let (system, session) = rt.handle().block_on(async move {
            let system = match system {
                Some(a) => Some(
                    zbus::connection::Builder::address(a)
                        .serve_at(MANAGER_PATH, Manager { inhibited: i })
                        .serve_at(SESSION_PATH, Session { locked: l })
                        .name("org.freedesktop.login1")
                        .build()
                        .await
                        .expect("logind stand-in on the system bus"),
                ),
                None => None,
            };
            let session = match session {
                Some(a) => Some(
                    zbus::connection::Builder::address(a)
                        .serve_at(IDLE_PATH, IdleMonitor { watches: w })
                        .name(IDLE_IFACE)
                        .build()
                        .await
                        .expect("IdleMonitor stand-in on the session bus"),
                ),
                None => None,
            };
            (system, session)
        });
        Standins {
            rt,
            stop: Some(stop),
            thread: Some(thread),
            system,
            session,
            saver: None,
            gnome: None,
            portal: None,
            inhibitors: Arc::default(),
            banners: Arc::new(Mutex::new(true)),
            locked,
            inhibited,
            watches,
        }
    }

    fn emit(
        &self,
        conn: &Connection,
        dest: Option<&str>,
        path: &str,
        iface: &str,
        member: &str,
        body: impl serde::Serialize + zbus::DynamicType,
    ) {
        self.rt
            .handle()
            .block_on(conn.emit_signal(dest, path, iface, member, &body))
            .unwrap_or_else(|e| panic!("emit {member}: {e}"));
    }

    fn system(&self) -> &Connection {
        self.system.as_ref().expect("started with a system bus")
    }

    /// Locks the session as a screen locker does: logind's `Lock` and `LockedHint` true.
    pub fn set_locked(&self, locked: bool) {
        *self.locked.lock().unwrap() = locked;
        let member = if locked { "Lock" } else { "Unlock" };
        self.emit(self.system(), None, SESSION_PATH, "org.freedesktop.login1.Session", member, ());
        let changed: HashMap<&str, Variant<'_>> = HashMap::from([("LockedHint", Variant::from(locked))]);
        let body = ("org.freedesktop.login1.Session", changed, Vec::<&str>::new());
        self.emit(
            self.system(),
            None,
            SESSION_PATH,
            "org.freedesktop.DBus.Properties",
            "PropertiesChanged",
            body,
        );
    }

    /// logind's `BlockInhibited` becomes `what` (e.g. `sleep:idle` while a browser is in a
    /// call), with its `PropertiesChanged` as logind sends it.
    pub fn set_block_inhibited(&self, what: &str) {
        self.block_inhibited(what, false);
    }

    /// logind's `BlockInhibited` becomes `what`, announced the other way `PropertiesChanged`
    /// allows: named in the invalidated list, with no value.
    pub fn set_block_inhibited_invalidated(&self, what: &str) {
        self.block_inhibited(what, true);
    }

    fn block_inhibited(&self, what: &str, invalidated: bool) {
        *self.inhibited.lock().unwrap() = what.to_owned();
        let (changed, names): (HashMap<&str, Variant<'_>>, Vec<&str>) = if invalidated {
            (HashMap::new(), vec!["BlockInhibited"])
        } else {
            (HashMap::from([("BlockInhibited", Variant::from(what))]), vec![])
        };
        let body = ("org.freedesktop.login1.Manager", changed, names);
        let props = "org.freedesktop.DBus.Properties";
        self.emit(self.system(), None, MANAGER_PATH, props, "PropertiesChanged", body);
    }

    /// logind's `PrepareForSleep(start)`.
    pub fn prepare_for_sleep(&self, start: bool) {
        self.emit(
            self.system(),
            None,
            MANAGER_PATH,
            "org.freedesktop.login1.Manager",
            "PrepareForSleep",
            (start,),
        );
    }

    /// Serves `org.freedesktop.ScreenSaver` on `session` as KDE does (no Mutter there).
    pub fn add_screensaver(&mut self, session: &str) {
        let conn = self.rt.handle().block_on(async {
            zbus::connection::Builder::address(session)
                .name("org.freedesktop.ScreenSaver")
                .build()
                .await
                .expect("ScreenSaver stand-in on the session bus")
        });
        self.saver = Some(conn);
    }

    /// The screen saver comes on (`true`) or goes off: `ActiveChanged`.
    pub fn set_screensaver(&self, active: bool) {
        let conn = self.saver.as_ref().expect("add_screensaver first");
        let iface = "org.freedesktop.ScreenSaver";
        self.emit(conn, None, "/org/freedesktop/ScreenSaver", iface, "ActiveChanged", (active,));
    }

    /// Serves `org.gnome.SessionManager` on `session`, with no inhibitors yet.
    pub fn add_session_manager(&mut self, session: &str) {
        let inhibitors = self.inhibitors.clone();
        let conn = self.rt.handle().block_on(async {
            zbus::connection::Builder::address(session)
                .serve_at(SM_PATH, SessionManager { inhibitors })
                .name("org.gnome.SessionManager")
                .build()
                .await
                .expect("SessionManager stand-in on the session bus")
        });
        self.gnome = Some(conn);
    }

    /// The session manager quits: its name and inhibitors go with it.
    pub fn remove_session_manager(&mut self) {
        self.inhibitors.lock().unwrap().all.clear();
        if let Some(conn) = self.gnome.take() {
            self.rt.handle().block_on(async move {
                let _ = conn.release_name("org.gnome.SessionManager").await;
            });
        }
    }

    /// An application inhibits with `flags` (8: idle), as `Inhibit` does: `InhibitorAdded`.
    /// Returns the cookie.
    pub fn gnome_inhibit(&self, flags: u32) -> u32 {
        let cookie = {
            let mut i = self.inhibitors.lock().unwrap();
            i.next += 1;
            let cookie = i.next;
            i.all.push((cookie, flags));
            cookie
        };
        self.inhibitor_signal("InhibitorAdded", cookie);
        cookie
    }

    /// The inhibitor `cookie` is gone: `InhibitorRemoved`.
    pub fn gnome_uninhibit(&self, cookie: u32) {
        self.inhibitors.lock().unwrap().all.retain(|(c, _)| *c != cookie);
        self.inhibitor_signal("InhibitorRemoved", cookie);
    }

    fn inhibitor_signal(&self, member: &str, cookie: u32) {
        let conn = self.gnome.as_ref().expect("add_session_manager first");
        let path = zbus::ObjectPath::try_from(format!("{SM_PATH}/Inhibitor{cookie}")).unwrap();
        self.emit(conn, None, SM_PATH, "org.gnome.SessionManager", member, (path,));
    }

    /// Serves the desktop portal's Settings on `session`, with `show-banners` as given.
    pub fn add_portal(&mut self, session: &str, banners: bool) {
        *self.banners.lock().unwrap() = banners;
        let portal = Portal { banners: self.banners.clone() };
        let conn = self.rt.handle().block_on(async {
            zbus::connection::Builder::address(session)
                .serve_at(PORTAL_PATH, portal)
                .name("org.freedesktop.portal.Desktop")
                .build()
                .await
                .expect("portal stand-in on the session bus")
        });
        self.portal = Some(conn);
    }

    /// GNOME's "Do Not Disturb" switch: `show-banners` becomes `banners`, with `SettingChanged`.
    pub fn set_show_banners(&self, banners: bool) {
        *self.banners.lock().unwrap() = banners;
        let conn = self.portal.as_ref().expect("add_portal first");
        let body = (BANNERS.0, BANNERS.1, Variant::from(banners));
        self.emit(conn, None, PORTAL_PATH, "org.freedesktop.portal.Settings", "SettingChanged", body);
    }

    /// The watches registered now.
    pub fn watches(&self) -> Vec<IdleWatch> {
        self.watches.lock().unwrap().all.clone()
    }

    /// Waits for a watch of the kind asked (`idle`: an idle watch, else a user-active watch).
    pub fn wait_for_watch(&self, idle: bool) -> IdleWatch {
        wait_for(if idle { "an idle watch" } else { "a user-active watch" }, || {
            self.watches().into_iter().find(|w| w.idle_ms.is_some() == idle)
        })
    }

    fn fire(&self, w: &IdleWatch) {
        let conn = self.session.as_ref().expect("started with a session bus");
        self.emit(conn, Some(&w.owner), IDLE_PATH, IDLE_IFACE, "WatchFired", (w.id,));
    }

    /// What `GetIdletime` says from now on.
    pub fn set_idletime(&self, ms: u64) {
        self.watches.lock().unwrap().idle_ms = ms;
    }

    /// The user has been without input for the idle watch's interval: Mutter fires it.
    pub fn go_idle(&self) -> IdleWatch {
        let w = self.wait_for_watch(true);
        self.set_idletime(w.idle_ms.unwrap_or_default());
        self.fire(&w);
        w
    }

    /// The idle watch fires, and the user touches the mouse right after, before any
    /// user-active watch is there to notice: only the idle time tells.
    pub fn go_idle_and_back_at_once(&self) -> IdleWatch {
        let w = self.wait_for_watch(true);
        self.set_idletime(0);
        self.fire(&w);
        w
    }

    /// Input again: the user-active watch fires once and is gone, as in Mutter.
    pub fn come_back(&self) {
        let w = self.wait_for_watch(false);
        self.set_idletime(0);
        self.watches.lock().unwrap().all.retain(|x| x.id != w.id);
        self.fire(&w);
    }
}

impl Drop for Standins {
    fn drop(&mut self) {
        let _guard = self.rt.enter();
        self.system = None;
        self.session = None;
        self.saver = None;
        self.gnome = None;
        self.portal = None;
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Not a test: serves the stand-ins for `STANDINS=1 bash bench/footprint.sh`, on the buses in
/// `STANDINS_SYSTEM_BUS` and `STANDINS_SESSION_BUS`, until the script kills it. Writes the file
/// `STANDINS_READY` once both are served.
#[test]
#[ignore = "run by bench/footprint.sh"]
fn serve_standins_for_footprint() {
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"));
    let mut standins = Standins::start(Some(&var("STANDINS_SYSTEM_BUS")), Some(&var("STANDINS_SESSION_BUS")));
    // Every busy and do-not-disturb watcher live too: GNOME's inhibitors and show-banners.
    standins.add_session_manager(&var("STANDINS_SESSION_BUS"));
    standins.add_portal(&var("STANDINS_SESSION_BUS"), true);
    std::fs::write(var("STANDINS_READY"), "ready\n").unwrap();
    loop {
        std::thread::park();
    }
}
