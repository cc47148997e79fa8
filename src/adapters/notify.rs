//! Desktop notifications (freedesktop spec) on the daemon's one D-Bus connection.
//!
//! Each notification is composed as a `notify_rust::Notification` (summary, body, actions,
//! typed hints, urgency, timeout) and its hints are encoded by notify-rust's own `Hint` to D-Bus
//! value conversion; the `Notify` call itself goes over our connection. Why not notify-rust's
//! own sending: notify-rust 4.19 opens a new bus connection for every `show_async()`, and servers such as dunst send `ActionInvoked` only to the connection that
//! sent `Notify`, so each reminder would need its own connection kept alive; its action wait
//! subscribes only when first polled (a close before that is lost and the wait hangs), it never
//! resolves after a server restart, and its blocking calls panic inside a tokio runtime. Here one
//! match rule on the interface (no sender, so it survives a server restart), set up before the
//! first `Notify`, carries every action and close for the daemon's lifetime, and every call is
//! bounded by the connection's method timeout.

use futures_util::{Stream, StreamExt};
use std::collections::HashMap;
use zbus::message::Type as MessageType;
use zbus::proxy::CacheProperties;
use zbus::{Connection, MatchRule, MessageStream, Variant, proxy};

pub const SERVICE: &str = "org.freedesktop.Notifications";
pub const APP_NAME: &str = "postured";
/// The desktop entry (`<DESKTOP_ENTRY>.desktop`) `postured install` writes: GNOME and KDE group
/// notifications and offer per-app settings by it.
pub const DESKTOP_ENTRY: &str = "io.github.Postured";
pub const ICON: &str = "preferences-desktop-accessibility";

#[proxy(
    interface = "org.freedesktop.Notifications",
    default_service = "org.freedesktop.Notifications",
    default_path = "/org/freedesktop/Notifications"
)]
trait Notifications {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: &str,
        replaces_id: u32,
        app_icon: &str,
        summary: &str,
        body: &str,
        actions: &[&str],
        hints: HashMap<&str, Variant<'_>>,
        expire_timeout: i32,
    ) -> zbus::Result<u32>;

    fn close_notification(&self, id: u32) -> zbus::Result<()>;

    fn get_capabilities(&self) -> zbus::Result<Vec<String>>;

    fn get_server_information(&self) -> zbus::Result<(String, String, String, String)>;
}

pub use crate::core::engine::message::{Message, Urgency};

/// What the running notification server can do.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Server {
    /// Its unique bus name (`:1.42`): notification ids are valid for this name only.
    pub unique: String,
    pub name: String,
    pub version: String,
    pub actions: bool,
    pub body: bool,
}

/// An action or close for one of our notifications, with the unique name that sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    Action {
        sender: String,
        id: u32,
        key: String,
    },
    /// Reason per the spec: 1 expired, 2 dismissed by the user, 3 closed by a call, 4 other.
    Closed {
        sender: String,
        id: u32,
        reason: u32,
    },
    /// A property of the server changed (dunst's `paused`, KDE's `Inhibited`, mako's `Modes`...).
    PropertiesChanged {
        sender: String,
    },
}

pub struct Notifier {
    conn: Connection,
    dbus: zbus::fdo::DBusProxy<'static>,
}

const PATH: &str = "/org/freedesktop/Notifications";

impl Notifier {
    pub async fn new(conn: &Connection) -> zbus::Result<Notifier> {
        // notify-rust's `Notification::new()` unwraps this file name as UTF-8: refuse at start
        // with a clear word rather than abort at the first reminder.
        let exe = std::env::current_exe()
            .map_err(|e| zbus::Error::Failure(format!("can't tell where postured is: {e}")))?;
        if exe.file_name().and_then(|n| n.to_str()).is_none() {
            return Err(zbus::Error::Failure(format!(
                "postured's file name must be UTF-8 text: {}; rename it to `postured`",
                exe.display()
            )));
        }
        Ok(Notifier { conn: conn.clone(), dbus: zbus::fdo::DBusProxy::new(conn).await? })
    }

    /// A proxy to one server by its unique name, so a call never reaches its successor.
    async fn to(&self, unique: &str) -> zbus::Result<NotificationsProxy<'static>> {
        let name = zbus::names::BusName::try_from(unique.to_owned())?;
        NotificationsProxy::builder(&self.conn)
            .destination(name)
            .cache_properties(CacheProperties::No)
            .build()
            .await
    }

    /// The server that owns the well-known name now, and what it can do.
    pub async fn server(&self) -> zbus::Result<Server> {
        let unique = self.dbus.get_name_owner(SERVICE.try_into()?).await?.to_string();
        let proxy = self.to(&unique).await?;
        let caps = proxy.get_capabilities().await?;
        let (name, _vendor, version, _spec) = proxy.get_server_information().await?;
        let has = |c: &str| caps.iter().any(|x| x == c);
        Ok(Server { unique, name, version, actions: has("actions"), body: has("body") })
    }

    /// Shows `m` on the server `unique`, replacing its notification `replaces` (0: none).
    pub async fn show(&self, unique: &str, m: &Message, replaces: u32) -> zbus::Result<u32> {
        let n = notification(m);
        let actions: Vec<&str> = n.actions.iter().map(String::as_str).collect();
        let proxy = self.to(unique).await?;
        let expire = i32::from(n.timeout);
        proxy.notify(&n.appname, replaces, &n.icon, &n.summary, &n.body, &actions, hints(&n), expire).await
    }

    pub async fn close(&self, unique: &str, id: u32) -> zbus::Result<()> {
        self.to(unique).await?.close_notification(id).await
    }
}

/// `m` as notify-rust's notification: what the engine decided, in the spec's terms.
pub fn notification(m: &Message) -> notify_rust::Notification {
    let mut n = notify_rust::Notification::new();
    n.appname(APP_NAME)
        .icon(ICON)
        .summary(&m.summary)
        .body(&m.body)
        .urgency(match m.urgency {
            Urgency::Low => notify_rust::Urgency::Low,
            Urgency::Normal => notify_rust::Urgency::Normal,
            Urgency::Critical => notify_rust::Urgency::Critical,
        })
        .hint(notify_rust::Hint::Category(m.category.to_owned()))
        .hint(notify_rust::Hint::DesktopEntry(DESKTOP_ENTRY.to_owned()))
        // Zero (never) or at most an hour: no expiry reaches notify-rust's "server default".
        .timeout(m.expire);
    for (key, label) in &m.actions {
        n.action(key, label);
    }
    n
}

/// The `Notify` call's hints, encoded by notify-rust.
fn hints(n: &notify_rust::Notification) -> HashMap<&str, Variant<'_>> {
    n.hints.iter().map(<(&str, Variant<'_>)>::from).collect()
}

/// Every `ActionInvoked` and `NotificationClosed` on the bus for this connection, from whichever
/// server is running now or later, and every property change of a server (mako's on its own
/// object), each with the unique name that sent it.
pub async fn signals(conn: &Connection) -> zbus::Result<impl Stream<Item = Signal> + use<>> {
    let ours = MatchRule::builder().msg_type(MessageType::Signal).interface(SERVICE).build()?;
    let props = MatchRule::builder()
        .msg_type(MessageType::Signal)
        .interface("org.freedesktop.DBus.Properties")
        .member("PropertiesChanged")
        .path(PATH)
        .build()?;
    // mako 1.10 and later announce a mode change as its `Modes` property changing.
    let mako = MatchRule::builder()
        .msg_type(MessageType::Signal)
        .interface("org.freedesktop.DBus.Properties")
        .member("PropertiesChanged")
        .path(super::dnd::MAKO_PATH)
        .arg(0, super::dnd::MAKO_INTERFACE)
        .build()?;
    let ours = MessageStream::for_match_rule(ours, conn, std::num::NonZeroUsize::new(64)).await?;
    let props = MessageStream::for_match_rule(props, conn, std::num::NonZeroUsize::new(16)).await?;
    let mako = MessageStream::for_match_rule(mako, conn, std::num::NonZeroUsize::new(8)).await?;
    let props = futures_util::stream::select(props, mako);
    Ok(futures_util::stream::select(ours, props).filter_map(|msg| async move {
        let msg = msg.ok()?;
        let header = msg.header();
        let sender = header.sender()?.to_string();
        let member = header.member()?.as_str().to_owned();
        match member.as_str() {
            "ActionInvoked" => {
                let (id, key): (u32, String) = msg.body().deserialize().ok()?;
                Some(Signal::Action { sender, id, key })
            }
            "NotificationClosed" => {
                let (id, reason): (u32, u32) = msg.body().deserialize().ok()?;
                Some(Signal::Closed { sender, id, reason })
            }
            "PropertiesChanged" => Some(Signal::PropertiesChanged { sender }),
            _ => None,
        }
    }))
}

/// A change of the well-known name's owner: the unique names before and after (a handover
/// from one server to another has both).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerChange {
    pub old: Option<String>,
    pub new: Option<String>,
}

/// Yields whenever the notification server appears, goes away or is replaced.
pub async fn server_changes(conn: &Connection) -> zbus::Result<impl Stream<Item = OwnerChange> + use<>> {
    let dbus = zbus::fdo::DBusProxy::new(conn).await?;
    let stream = dbus.receive_name_owner_changed_with_args(&[(0, SERVICE)]).await?;
    Ok(stream.filter_map(|signal| async move {
        let args = signal.args().ok()?;
        let old = args.old_owner().as_ref().map(|n| n.to_string());
        let new = args.new_owner().as_ref().map(|n| n.to_string());
        Some(OwnerChange { old, new })
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_message_becomes_a_notification_with_its_hints_encoded_by_notify_rust() {
        let m = Message {
            summary: "Posture check".into(),
            body: "Drop your shoulders.".into(),
            actions: vec![("default".into(), "Done".into()), ("snooze".into(), "Snooze 15m".into())],
            urgency: Urgency::Critical,
            expire: Duration::ZERO,
            category: "x-postured.care",
        };
        let n = notification(&m);
        assert_eq!((n.appname.as_str(), n.icon.as_str()), (APP_NAME, ICON));
        assert_eq!((n.summary.as_str(), n.body.as_str()), ("Posture check", "Drop your shoulders."));
        assert_eq!(n.actions, ["default", "Done", "snooze", "Snooze 15m"]);
        assert_eq!(i32::from(n.timeout), 0, "zero: it stays until closed");
        let mut sent: Vec<String> = hints(&n).iter().map(|(k, v)| format!("{k}={v}")).collect();
        sent.sort();
        assert_eq!(
            sent,
            ["category=\"x-postured.care\"", "desktop-entry=\"io.github.Postured\"", "urgency=byte 0x02"]
        );
        let m = Message { urgency: Urgency::Low, expire: Duration::from_secs(120), ..m };
        let n = notification(&m);
        assert_eq!(i32::from(n.timeout), 120_000);
        assert!(hints(&n).get("urgency").is_some_and(|v| v.to_string() == "byte 0x00"));
    }
}
