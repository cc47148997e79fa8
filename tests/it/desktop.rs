//! A real headless desktop per test: Xvfb, a private session bus and dunst, with helpers to see
//! what dunst printed, click its buttons, pause it and restart it.

use crate::headless::{self, POLL, START_TIMEOUT, SessionEnv, read_lossy};
use crate::support::bus_config;
use std::fs::{self, File, OpenOptions};
use std::future::Future;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use zbus::wire::{OwnedVariant, Variant};

const NOTIFICATIONS: &str = "org.freedesktop.Notifications";
const NOTIFICATIONS_PATH: &str = "/org/freedesktop/Notifications";
const DUNST_IFACE: &str = "org.dunstproject.cmd0";

pub(crate) use crate::headless::terminate;

const DUNSTRC: &str = "\
[global]
    monitor = 0
    follow = none
    notification_limit = 0
    idle_threshold = 0
    stack_duplicates = false
    sticky_history = yes
    history_length = 100
    markup = no
    dmenu = @DIR@/dmenu.sh
    browser = /bin/true

[urgency_low]
    timeout = 0

[urgency_normal]
    timeout = 0

[urgency_critical]
    timeout = 0
";

/// Stands in for dmenu. dunst pipes it one line per action, `#<label> (<summary>) [<id>,<key>]`;
/// it answers with the line holding the selector `Desktop::click` wrote, and uses that selector
/// up, so a menu opened again without a new click picks nothing.
const DMENU: &str = r#"#!/bin/sh
d=$(dirname "$0")
menu=$(cat)
sel=$(cat "$d/selector" 2>/dev/null) && rm -f "$d/selector"
[ -n "$sel" ] || exit 0
printf '%s\n' "$menu" > "$d/menu.txt"
printf '%s\n' "$menu" | grep -F -m1 -- "$sel" > "$d/picked"
cat "$d/picked"
: > "$d/menu.done"
"#;

/// One isolated desktop: an Xvfb, a private session bus and a dunst, all killed on drop.
pub struct Desktop {
    xvfb: Option<Child>,
    bus: Option<Child>,
    dunst: Option<Child>,
    display: String,
    address: String,
    /// The harness's own connection to the bus; dropped before `rt`, inside it.
    conn: Option<zbus::Connection>,
    rt: tokio::runtime::Runtime,
    dir: tempfile::TempDir,
}

/// One block dunst printed: a notification it received, or a replacement of one in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub id: u32,
    pub appname: String,
    pub summary: String,
    pub body: String,
    pub icon: String,
    pub category: String,
    /// The `desktop-entry` hint, without dunst's quotes.
    pub desktop_entry: String,
    /// `LOW`, `NORMAL` or `CRITICAL`.
    pub urgency: String,
    /// Milliseconds until dunst closes it; 0 means it stays until acted on.
    pub timeout: i64,
    pub stack_tag: String,
    /// `(key, label)` pairs in dunst's order, which need not be the order they were sent in.
    pub actions: Vec<(String, String)>,
}

impl Shown {
    /// The label of the action with this key, if the notification has it.
    pub fn action(&self, key: &str) -> Option<&str> {
        self.actions.iter().find(|(k, _)| k == key).map(|(_, label)| label.as_str())
    }
}

impl Desktop {
    /// Starts Xvfb, the bus and dunst, and returns once dunst owns `org.freedesktop.Notifications`.
    pub fn start() -> Desktop {
        let dir = tempfile::Builder::new().prefix("desktop").tempdir().expect("temp dir for a desktop");
        let d = dir.path().to_str().expect("temp dir path is UTF-8").to_owned();
        // The path goes unquoted into the dunstrc, the bus's XML config and its address.
        headless::check_dir_name(&d);
        fs::create_dir(dir.path().join("services")).unwrap();
        fs::write(dir.path().join("dunstrc"), DUNSTRC.replace("@DIR@", &d)).unwrap();
        fs::write(
            dir.path().join("bus.conf"),
            bus_config("session", &format!("{d}/bus"), Some(&format!("{d}/services"))),
        )
        .unwrap();
        let dmenu = dir.path().join("dmenu.sh");
        fs::write(&dmenu, DMENU).unwrap();
        fs::set_permissions(&dmenu, fs::Permissions::from_mode(0o755)).unwrap();

        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
        let mut desk = Desktop {
            xvfb: None,
            bus: None,
            dunst: None,
            display: String::new(),
            address: String::new(),
            conn: None,
            rt,
            dir,
        };

        // Xvfb picks a free display and writes its number once it accepts clients.
        desk.xvfb = Some(headless::spawn_xvfb(desk.dir.path()));
        desk.bus = Some(headless::spawn_bus(desk.dir.path(), "bus"));

        let (out, log) = (desk.path("bus.out"), desk.path("bus.log"));
        let bus = desk.bus.as_mut().expect("started");
        desk.address = headless::wait_for_output(bus, "dbus-daemon", &out, &log, headless::parse_bus_address);
        let address = desk.address.clone();
        let conn = desk
            .block(async move { zbus::connection::Builder::address(address.as_str()).build().await })
            .unwrap_or_else(|e| panic!("connect to the private bus {}: {e}", desk.address));
        desk.conn = Some(conn);

        let (out, log) = (desk.path("xvfb.display"), desk.path("xvfb.log"));
        let xvfb = desk.xvfb.as_mut().expect("started");
        desk.display = headless::wait_for_output(xvfb, "Xvfb", &out, &log, headless::parse_display);

        desk.start_dunst();
        desk
    }

    /// The private bus, e.g. `unix:path=/tmp/desktopXXXX/bus,guid=...`.
    pub fn bus_address(&self) -> &str {
        &self.address
    }

    /// The X display, e.g. `:3`.
    /// The bus's service folder: a `.service` file put here before a name is asked for makes
    /// that name D-Bus-activatable.
    pub fn services_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("services")
    }

    pub fn display(&self) -> &str {
        &self.display
    }

    /// Points a command (typically `Home::command()`) at this desktop's display and bus, and its
    /// system bus at a socket that does not exist, so the machine's own logind is never seen
    /// (`session.rs` points it at a stand-in instead).
    pub fn env(&self, cmd: &mut Command) {
        cmd.env("DISPLAY", &self.display)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("DBUS_SYSTEM_BUS_ADDRESS", format!("unix:path={}", self.path_str("no-system-bus")));
    }

    /// What dunst wrote to stderr so far (all of its runs).
    pub fn dunst_log(&self) -> String {
        read_lossy(&self.path("dunst.log"))
    }

    /// Starts a new dunst and waits until it owns the notifications name. Stop the old one first.
    pub fn start_dunst(&mut self) {
        assert!(self.dunst.is_none(), "a dunst is already running: call stop_dunst first");
        let dunst = Command::new("dunst")
            .args(["-config", &self.path_str("dunstrc"), "-print"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("XDG_RUNTIME_DIR", self.dir.path())
            .env("LANG", "C.UTF-8")
            .env("DISPLAY", &self.display)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .stdin(Stdio::null())
            .stdout(self.append("dunst.out"))
            .stderr(self.append("dunst.log"))
            .spawn()
            .expect("start dunst (package dunst)");
        self.dunst = Some(dunst);
        self.wait_for_server(true);
    }

    /// Stops dunst (SIGTERM, then SIGKILL) and waits until the notifications name has no owner.
    pub fn stop_dunst(&mut self) {
        let mut dunst = self.dunst.take().expect("no dunst is running");
        terminate(&mut [&mut dunst]);
        self.wait_for_server(false);
    }

    /// Sets dunst's do-not-disturb (`paused`): while paused, notifications are received, printed
    /// and counted as waiting, but not displayed.
    pub fn set_paused(&self, paused: bool) {
        let body = (DUNST_IFACE, "paused", Variant::from(paused));
        self.call(Some("org.freedesktop.DBus.Properties"), "Set", &body)
            .unwrap_or_else(|e| panic!("set dunst's paused to {paused}: {e}"));
    }

    /// How many notifications dunst has on screen (`displayedLength`).
    pub fn displayed_count(&self) -> u32 {
        let reply = self
            .call(Some("org.freedesktop.DBus.Properties"), "Get", &(DUNST_IFACE, "displayedLength"))
            .unwrap_or_else(|e| panic!("get dunst's displayedLength: {e}"));
        let value: OwnedVariant = reply.body().deserialize().expect("a variant");
        u32::try_from(value).expect("displayedLength is a u32")
    }

    /// The ids of the notifications the running dunst has closed, for any reason (expired,
    /// dismissed, or closed by their sender): those in its history (`NotificationListHistory`).
    pub fn closed_ids(&self) -> Vec<u32> {
        let reply = self
            .call(Some(DUNST_IFACE), "NotificationListHistory", &())
            .unwrap_or_else(|e| panic!("NotificationListHistory: {e}"));
        let list: Vec<std::collections::HashMap<String, OwnedVariant>> =
            reply.body().deserialize().expect("NotificationListHistory returns a list of dicts");
        list.iter()
            .map(|n| match n.get("id").map(|v| &**v) {
                Some(Variant::I32(id)) => u32::try_from(*id).expect("a notification id"),
                Some(Variant::I64(id)) => u32::try_from(*id).expect("a notification id"),
                Some(Variant::U32(id)) => *id,
                other => panic!("a history entry with an id of {other:?}"),
            })
            .collect()
    }

    /// Every block dunst printed so far, in order, across dunst restarts; a notification replaced
    /// in place shows up once per version. Note dunst prints a notification on receipt, even
    /// while paused.
    pub fn notifications(&self) -> Vec<Shown> {
        parse_printed(&self.printed())
    }

    /// Waits until at least `n` blocks were printed and returns them all; panics after `timeout`.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Shown> {
        let deadline = Instant::now() + timeout;
        loop {
            let shown = self.notifications();
            if shown.len() >= n {
                return shown;
            }
            if Instant::now() >= deadline {
                panic!(
                    "dunst printed {} notification(s) in {timeout:?}, wanted {n}: {shown:#?}\n\
                     --- dunst stdout ---\n{}\n--- dunst stderr ---\n{}",
                    shown.len(),
                    self.printed(),
                    self.dunst_log()
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// Clicks the button `key` of notification `id` through dunst's context menu, so its sender
    /// gets `ActionInvoked(id, key)` shortly after. Panics if dunst offers no such button.
    pub fn click(&self, id: u32, key: &str) {
        let selector = format!("[{id},{key}]");
        let done = self.path("menu.done");
        let _ = fs::remove_file(&done);
        let _ = fs::remove_file(self.path("picked"));
        let tmp = self.path("selector.tmp");
        fs::write(&tmp, &selector).unwrap();
        fs::rename(&tmp, self.path("selector")).unwrap();

        // dunst refuses to open a menu while its previous one is still closing, which a click
        // right after another runs into: it says so on stderr before it replies, so ask again.
        const REFUSED: &str = "Context menu already running";
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let refusals = self.dunst_log().matches(REFUSED).count();
            self.call(Some(DUNST_IFACE), "ContextMenuCall", &())
                .unwrap_or_else(|e| panic!("ContextMenuCall for {selector}: {e}"));
            let refused = self.dunst_log().matches(REFUSED).count() > refusals;
            let retry_at = Instant::now() + if refused { POLL } else { Duration::from_secs(1) };
            while !done.exists() && Instant::now() < retry_at.min(deadline) {
                std::thread::sleep(POLL);
            }
            if done.exists() {
                break;
            }
            if Instant::now() >= deadline {
                let _ = fs::remove_file(self.path("selector"));
                panic!(
                    "dunst never opened its context menu to click {selector} (nothing with buttons \
                     displayed? {} displayed)\n--- dunst stderr ---\n{}",
                    self.displayed_count(),
                    self.dunst_log()
                );
            }
        }
        let picked = fs::read_to_string(self.path("picked")).unwrap_or_default();
        if picked.trim().is_empty() {
            let menu = fs::read_to_string(self.path("menu.txt")).unwrap_or_default();
            panic!("dunst's context menu has no button {selector}; it offered:\n{menu}");
        }
    }

    /// Closes every notification as the user would (`NotificationCloseAll`): senders get
    /// `NotificationClosed(id, 2)`.
    pub fn dismiss_all(&self) {
        self.call(Some(DUNST_IFACE), "NotificationCloseAll", &())
            .unwrap_or_else(|e| panic!("NotificationCloseAll: {e}"));
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn path_str(&self, name: &str) -> String {
        self.path(name).to_str().unwrap().to_owned()
    }

    fn append(&self, name: &str) -> File {
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.path(name))
            .unwrap_or_else(|e| panic!("open {name}: {e}"))
    }

    fn printed(&self) -> String {
        read_lossy(&self.path("dunst.out"))
    }

    /// Runs `fut` on this desktop's runtime; from inside another Tokio runtime, on a thread of
    /// its own, since a runtime cannot be blocked on from within one.
    fn block<F>(&self, fut: F) -> F::Output
    where
        F: Future + Send,
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

    /// Calls a method on dunst's object through the harness's connection.
    fn call<B>(&self, iface: Option<&str>, method: &str, body: &B) -> zbus::Result<zbus::Message>
    where
        B: serde::Serialize + zbus::wire::DynamicType + Sync,
    {
        let conn = self.conn.as_ref().expect("connected");
        self.block(conn.call_method(Some(NOTIFICATIONS), NOTIFICATIONS_PATH, iface, method, body))
    }

    fn name_has_owner(&self) -> bool {
        let conn = self.conn.as_ref().expect("connected");
        let reply = self
            .block(conn.call_method(
                Some("org.freedesktop.DBus"),
                "/org/freedesktop/DBus",
                Some("org.freedesktop.DBus"),
                "NameHasOwner",
                &NOTIFICATIONS,
            ))
            .unwrap_or_else(|e| panic!("NameHasOwner: {e}"));
        reply.body().deserialize().expect("NameHasOwner returns a bool")
    }

    /// Polls until the notifications name has (or has no) owner, bounded by `START_TIMEOUT`.
    fn wait_for_server(&mut self, owned: bool) {
        let deadline = Instant::now() + START_TIMEOUT;
        while self.name_has_owner() != owned {
            let exited = match self.dunst.as_mut() {
                Some(dunst) => dunst.try_wait().expect("wait for dunst"),
                None => None,
            };
            if exited.is_some() || Instant::now() >= deadline {
                let what = if owned { "took" } else { "released" };
                let how =
                    exited.map_or(format!("within {START_TIMEOUT:?}"), |s| format!("(dunst exited: {s})"));
                panic!(
                    "dunst never {what} {NOTIFICATIONS} {how}\n--- dunst stderr ---\n{}",
                    self.dunst_log()
                );
            }
            std::thread::sleep(POLL);
        }
    }
}

impl SessionEnv for Desktop {
    fn env(&self, cmd: &mut Command) {
        Desktop::env(self, cmd);
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        let mut children: Vec<&mut Child> =
            [&mut self.dunst, &mut self.bus, &mut self.xvfb].into_iter().filter_map(|c| c.as_mut()).collect();
        terminate(&mut children);
        let _guard = self.rt.enter();
        self.conn = None;
    }
}

/// Parses dunst's `-print` output. A block not complete yet (at the end of the output) is left
/// out, and so is a block that does not parse, such as one cut short by a killed dunst.
fn parse_printed(text: &str) -> Vec<Shown> {
    const OPEN: &str = "{\n\tappname: '";
    let mut shown = Vec::new();
    let mut from = 0;
    while let Some(rel) = text[from..].find(OPEN) {
        let start = from + rel;
        // A block opens with `{` alone on its line.
        if start > 0 && text.as_bytes()[start - 1] != b'\n' {
            from = start + 1;
            continue;
        }
        match parse_block(&text[start..]) {
            Some((one, len)) => {
                shown.push(one);
                from = start + len;
            }
            None => from = start + 1,
        }
    }
    shown
}

/// Parses one block at the start of `block`, returning it and the length it takes up.
///
/// appname, summary and body come first and quoted, and may span lines: each runs up to the
/// next field's label. The fields after them are one line each, except `formatted` (skipped
/// as a whole), `format`, and `urls`, whose extra lines are ignored.
fn parse_block(block: &str) -> Option<(Shown, usize)> {
    let rest = block.strip_prefix("{\n\tappname: '")?;
    let (appname, rest) = rest.split_once("'\n\tsummary: '")?;
    let (summary, rest) = rest.split_once("'\n\tbody: '")?;
    let (body, rest) = rest.split_once("'\n\ticon: '")?;
    let (icon, rest) = rest.split_once("'\n\traw_icon set: ")?;
    let (middle, rest) = rest.split_once("\n\tformatted: '")?;
    let (_formatted, rest) = rest.split_once("'\n\tfg: ")?;

    let field = |line: &str, name: &str| -> Option<String> {
        let value = line.strip_prefix('\t')?.strip_prefix(name)?.strip_prefix(':')?;
        Some(value.strip_prefix(' ').unwrap_or(value).to_owned())
    };
    let mut shown = Shown {
        id: 0,
        appname: appname.to_owned(),
        summary: summary.to_owned(),
        body: body.to_owned(),
        icon: icon.to_owned(),
        category: String::new(),
        desktop_entry: String::new(),
        urgency: String::new(),
        timeout: 0,
        stack_tag: String::new(),
        actions: Vec::new(),
    };
    for line in middle.lines() {
        if let Some(v) = field(line, "category") {
            shown.category = v;
        } else if let Some(v) = field(line, "desktop_entry") {
            shown.desktop_entry = v.trim_matches('\'').to_owned();
        } else if let Some(v) = field(line, "timeout") {
            shown.timeout = v.trim().parse().ok()?;
        } else if let Some(v) = field(line, "urgency") {
            shown.urgency = v;
        }
    }

    let (mut id, mut in_actions, mut ended) = (None, false, false);
    let mut end = None;
    let mut offset = block.len() - rest.len();
    for line in rest.split_inclusive('\n') {
        offset += line.len();
        let Some(line) = line.strip_suffix('\n') else { break };
        if in_actions {
            if line == "\t}" {
                in_actions = false;
            } else if let Some(pair) = line.strip_prefix("\t\t\"").and_then(|l| l.strip_suffix('"')) {
                let (key, label) = pair.split_once("\": \"")?;
                shown.actions.push((key.to_owned(), label.to_owned()));
            }
        } else if ended && line == "}" {
            end = Some(offset);
            break;
        } else if let Some(v) = field(line, "id") {
            id = Some(v.trim().parse().ok()?);
        } else if let Some(v) = field(line, "stack_tag") {
            shown.stack_tag = v;
        } else if let Some(v) = field(line, "actions") {
            in_actions = v == "{";
        } else if field(line, "script_count").is_some() {
            ended = true;
        }
    }
    shown.id = id?;
    Some((shown, end?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;
    use std::collections::HashMap;
    use zbus::{Connection, Message, MessageStream};

    const WAIT: Duration = Duration::from_secs(5);

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
    }

    /// A client connection, already subscribed to the notification signals.
    async fn client(desk: &Desktop) -> (Connection, MessageStream) {
        let conn = zbus::connection::Builder::address(desk.bus_address()).build().await.unwrap();
        let rule = "type='signal',interface='org.freedesktop.Notifications'";
        let signals = MessageStream::for_match_rule(rule, &conn, None).await.unwrap();
        (conn, signals)
    }

    async fn notify(
        conn: &Connection,
        replaces: u32,
        summary: &str,
        actions: &[&str],
        hints: HashMap<&str, Variant<'_>>,
    ) -> zbus::Result<u32> {
        let body = ("harness-test", replaces, "", summary, "a body", actions.to_vec(), hints, -1i32);
        let reply = conn
            .call_method(Some(NOTIFICATIONS), NOTIFICATIONS_PATH, Some(NOTIFICATIONS), "Notify", &body)
            .await?;
        reply.body().deserialize()
    }

    /// The next signal called `member`, within `WAIT`.
    async fn next_signal(signals: &mut MessageStream, member: &str) -> Message {
        let wanted = async {
            while let Some(msg) = signals.next().await {
                let msg = msg.unwrap();
                if msg.header().member().is_some_and(|m| m.as_str() == member) {
                    return msg;
                }
            }
            panic!("the signal stream ended before {member}");
        };
        tokio::time::timeout(WAIT, wanted).await.unwrap_or_else(|_| panic!("no {member} within {WAIT:?}"))
    }

    #[test]
    fn click_reaches_the_sender() {
        let desk = Desktop::start();
        let rt = runtime();
        let actions = ["done", "Done", "snooze", "Snooze"];
        let (_conn, mut signals, id) = rt.block_on(async {
            let (conn, signals) = client(&desk).await;
            let id = notify(&conn, 0, "Stand up", &actions, HashMap::new()).await.unwrap();
            (conn, signals, id)
        });

        let shown = desk.wait_for(1, WAIT);
        assert_eq!(shown.len(), 1, "{shown:#?}");
        let s = &shown[0];
        assert_eq!(
            (s.id, s.appname.as_str(), s.summary.as_str(), s.body.as_str()),
            (id, "harness-test", "Stand up", "a body")
        );
        assert_eq!((s.urgency.as_str(), s.timeout), ("NORMAL", 0));
        assert_eq!((s.action("done"), s.action("snooze")), (Some("Done"), Some("Snooze")));
        assert_eq!(s.actions.len(), 2);

        desk.click(id, "snooze");
        let msg = rt.block_on(next_signal(&mut signals, "ActionInvoked"));
        let (got_id, key): (u32, String) = msg.body().deserialize().unwrap();
        assert_eq!((got_id, key.as_str()), (id, "snooze"));

        // Back to back: the second click finds dunst's previous menu still closing.
        desk.click(id, "done");
        desk.click(id, "snooze");
        for want in ["done", "snooze"] {
            let msg = rt.block_on(next_signal(&mut signals, "ActionInvoked"));
            assert_eq!(msg.body().deserialize::<(u32, String)>().unwrap(), (id, want.to_owned()));
        }
    }

    #[test]
    fn click_on_a_missing_button_panics_with_the_menu() {
        let desk = Desktop::start();
        let rt = runtime();
        let (_conn, _signals, id) = rt.block_on(async {
            let (conn, signals) = client(&desk).await;
            let id = notify(&conn, 0, "Stretch", &["done", "Done"], HashMap::new()).await.unwrap();
            (conn, signals, id)
        });
        desk.wait_for(1, WAIT);
        let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| desk.click(id, "nope")))
            .expect_err("clicking a button that isn't there");
        let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(msg.contains(&format!("[{id},done]")), "{msg}");
    }

    #[test]
    fn dismiss_all_closes_with_reason_2() {
        let desk = Desktop::start();
        let rt = runtime();
        let (_conn, mut signals, id) = rt.block_on(async {
            let (conn, signals) = client(&desk).await;
            let id = notify(&conn, 0, "Sit straight", &[], HashMap::new()).await.unwrap();
            (conn, signals, id)
        });
        desk.wait_for(1, WAIT);
        assert_eq!(desk.displayed_count(), 1);
        desk.dismiss_all();
        let msg = rt.block_on(next_signal(&mut signals, "NotificationClosed"));
        assert_eq!(msg.body().deserialize::<(u32, u32)>().unwrap(), (id, 2));
        assert_eq!(desk.closed_ids(), [id]);
        // The blocking helpers work from inside a Tokio runtime too.
        rt.block_on(async { assert_eq!(desk.displayed_count(), 0) });
    }

    #[test]
    fn a_notification_its_sender_closes_counts_as_closed() {
        let desk = Desktop::start();
        let rt = runtime();
        let (conn, mut signals) = rt.block_on(client(&desk));
        let kept = rt.block_on(notify(&conn, 0, "kept", &[], HashMap::new())).unwrap();
        let id = rt.block_on(notify(&conn, 0, "closed", &[], HashMap::new())).unwrap();
        desk.wait_for(2, WAIT);
        rt.block_on(conn.call_method(
            Some(NOTIFICATIONS),
            NOTIFICATIONS_PATH,
            Some(NOTIFICATIONS),
            "CloseNotification",
            &id,
        ))
        .unwrap();
        let msg = rt.block_on(next_signal(&mut signals, "NotificationClosed"));
        assert_eq!(msg.body().deserialize::<(u32, u32)>().unwrap(), (id, 3));
        assert_eq!(desk.closed_ids(), [id]);
        assert!(!desk.closed_ids().contains(&kept));
        assert_eq!(desk.displayed_count(), 1);
    }

    #[test]
    fn a_restarted_dunst_prints_what_comes_after() {
        let mut desk = Desktop::start();
        let rt = runtime();
        let conn = rt.block_on(async { client(&desk).await.0 });
        rt.block_on(notify(&conn, 0, "before", &[], HashMap::new())).unwrap();
        desk.wait_for(1, WAIT);

        desk.stop_dunst();
        let err = rt.block_on(notify(&conn, 0, "nobody", &[], HashMap::new())).expect_err("no server");
        assert!(err.to_string().contains("ServiceUnknown"), "{err}");

        desk.start_dunst();
        let id = rt.block_on(notify(&conn, 0, "after", &[], HashMap::new())).unwrap();
        let shown = desk.wait_for(2, WAIT);
        let summaries: Vec<_> = shown.iter().map(|s| s.summary.as_str()).collect();
        assert_eq!(summaries, ["before", "after"]);
        assert_eq!(shown[1].id, id);
    }

    #[test]
    fn two_desktops_do_not_interfere() {
        let (a, b) = (Desktop::start(), Desktop::start());
        assert_ne!(a.display(), b.display());
        assert_ne!(a.bus_address(), b.bus_address());
        let rt = runtime();
        for (desk, summary) in [(&a, "for a"), (&b, "for b")] {
            let conn = rt.block_on(async { client(desk).await.0 });
            rt.block_on(notify(&conn, 0, summary, &[], HashMap::new())).unwrap();
        }
        for (desk, summary) in [(&a, "for a"), (&b, "for b")] {
            let shown = desk.wait_for(1, WAIT);
            assert_eq!(shown.iter().map(|s| s.summary.as_str()).collect::<Vec<_>>(), [summary]);

            let mut cmd = Command::new("sh");
            cmd.args(["-c", "printf '%s|%s' \"$DISPLAY\" \"$DBUS_SESSION_BUS_ADDRESS\""]).env_clear();
            desk.env(&mut cmd);
            let out = cmd.output().unwrap();
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                format!("{}|{}", desk.display(), desk.bus_address())
            );
        }
    }

    #[test]
    fn paused_holds_back_and_replacements_print_again() {
        let desk = Desktop::start();
        let rt = runtime();
        let conn = rt.block_on(async { client(&desk).await.0 });
        desk.set_paused(true);
        let hints = HashMap::from([
            ("urgency", Variant::from(2u8)),
            ("category", Variant::from("x-test.reminder")),
            ("x-dunst-stack-tag", Variant::from("posture")),
        ]);
        let id = rt.block_on(notify(&conn, 0, "first", &[], hints)).unwrap();
        let shown = desk.wait_for(1, WAIT);
        assert_eq!(desk.displayed_count(), 0);
        let s = &shown[0];
        assert_eq!(
            (s.urgency.as_str(), s.category.as_str(), s.stack_tag.as_str()),
            ("CRITICAL", "x-test.reminder", "posture")
        );
        assert!(!s.icon.is_empty() && s.actions.is_empty(), "{s:#?}");

        desk.set_paused(false);
        let deadline = Instant::now() + WAIT;
        while desk.displayed_count() != 1 {
            assert!(Instant::now() < deadline, "not displayed after unpausing");
            std::thread::sleep(POLL);
        }

        let again = rt.block_on(notify(&conn, id, "second", &["done", "Done"], HashMap::new())).unwrap();
        assert_eq!(again, id);
        let shown = desk.wait_for(2, WAIT);
        let seen: Vec<_> = shown.iter().map(|s| (s.id, s.summary.as_str(), s.actions.len())).collect();
        assert_eq!(seen, [(id, "first", 0), (id, "second", 1)]);
        assert_eq!(desk.displayed_count(), 1);
    }

    #[test]
    fn parser_copes_with_odd_text_and_partial_blocks() {
        let block = |id: u32, body: &str, actions: &str| {
            format!(
                "{{\n\tappname: 'app'\n\tsummary: 'it's'\n\tbody: '{body}'\n\ticon: 'dialog-information'\n\
                 \traw_icon set: false\n\ticon_id: '(null)'\n\tdesktop_entry: ''\n\tcategory: \n\
                 \ttimeout: 5000\n\turgency: LOW\n\ttransient: 0\n\tformatted: '<b>it's</b>\n{body}'\n\
                 \tfg: #ffffff\n\tbg: #285577\n\thighlight: #1745d1\n\tframe: #888888\n\tfullscreen: show\n\
                 \tformat: <b>%s</b>\n%b\n\tprogress: -1\n\tstack_tag: \n\tid: {id}\n\tactions: {actions}\n\
                 \tscript_count: 0\n}}\n"
            )
        };
        let odd = "two\n}\n{\nlines";
        let text = format!(
            "{}{}{}",
            block(2, odd, "{}"),
            block(3, "", "{\n\t\t\"a\": \"A \\\"b\\\"\"\n\t\t\"x\": \"\"\n\t}"),
            &block(4, "cut", "{}")[..60]
        );
        let shown = parse_printed(&text);
        assert_eq!(shown.len(), 2, "{shown:#?}");
        assert_eq!((shown[0].id, shown[0].summary.as_str(), shown[0].body.as_str()), (2, "it's", odd));
        assert_eq!(
            (shown[0].timeout, shown[0].urgency.as_str(), shown[0].category.as_str()),
            (5000, "LOW", "")
        );
        assert_eq!(shown[1].id, 3);
        assert_eq!(shown[1].actions, [("a".into(), "A \\\"b\\\"".into()), ("x".into(), String::new())]);
    }
}
