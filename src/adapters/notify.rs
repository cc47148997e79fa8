//! Desktop notifications (freedesktop spec) on the daemon's one D-Bus connection.
//!
//! Why zbus directly and not notify-rust: notify-rust 4.19 opens a new bus connection for every
//! `show_async()`, and servers such as dunst send `ActionInvoked` only to the connection that
//! sent `Notify`, so each reminder would need its own connection kept alive; its action wait
//! subscribes only when first polled (a close before that is lost and the wait hangs), it never
//! resolves after a server restart, and its blocking calls panic inside a tokio runtime. Here one
//! match rule on the interface (no sender, so it survives a server restart), set up before the
//! first `Notify`, carries every action and close for the daemon's lifetime, and every call is
//! bounded by the connection's method timeout.

use futures_util::{Stream, StreamExt};
use std::collections::HashMap;
use std::time::Duration;
use zbus::message::Type as MessageType;
use zbus::proxy::CacheProperties;
use zbus::{Connection, MatchRule, MessageStream, Variant, proxy};

pub const SERVICE: &str = "org.freedesktop.Notifications";
pub const APP_NAME: &str = "postured";
const ICON: &str = "preferences-desktop-accessibility";

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

    /// KDE's do-not-disturb flag (not in the spec; other servers lack it).
    #[zbus(property)]
    fn inhibited(&self) -> zbus::Result<bool>;
}

/// dunst's own control interface, for its do-not-disturb ("paused") state.
#[proxy(
    interface = "org.dunstproject.cmd0",
    default_service = "org.freedesktop.Notifications",
    default_path = "/org/freedesktop/Notifications"
)]
trait Dunst {
    /// Lower-case on the bus, unlike the spec's names.
    #[zbus(property, name = "paused")]
    fn paused(&self) -> zbus::Result<bool>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    Low = 0,
    Normal = 1,
    Critical = 2,
}

/// One notification to send.
#[derive(Debug, Clone)]
pub struct Message {
    pub summary: String,
    pub body: String,
    /// (key, label) pairs; `default` is what a plain click does and has no button.
    pub actions: Vec<(String, String)>,
    pub urgency: Urgency,
    pub expire: Duration,
    pub category: &'static str,
    /// Replace this notification in place (0: a new one).
    pub replaces: u32,
}

/// What the running notification server can do.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Server {
    pub name: String,
    pub version: String,
    pub actions: bool,
    pub body: bool,
}

/// An action or close for one of our notifications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    Action {
        id: u32,
        key: String,
    },
    /// Reason per the spec: 1 expired, 2 dismissed by the user, 3 closed by a call, 4 other.
    Closed {
        id: u32,
        reason: u32,
    },
}

pub struct Notifier {
    proxy: NotificationsProxy<'static>,
    dunst: DunstProxy<'static>,
}

impl Notifier {
    pub async fn new(conn: &Connection) -> zbus::Result<Notifier> {
        // No property cache: it would subscribe to a server that may not exist yet, and we read
        // properties only at the moment a reminder is due.
        let proxy = NotificationsProxy::builder(conn).cache_properties(CacheProperties::No).build().await?;
        let dunst = DunstProxy::builder(conn).cache_properties(CacheProperties::No).build().await?;
        Ok(Notifier { proxy, dunst })
    }

    pub async fn server(&self) -> zbus::Result<Server> {
        let caps = self.proxy.get_capabilities().await?;
        let (name, _vendor, version, _spec) = self.proxy.get_server_information().await?;
        let has = |c: &str| caps.iter().any(|x| x == c);
        Ok(Server { name, version, actions: has("actions"), body: has("body") })
    }

    pub async fn show(&self, m: &Message) -> zbus::Result<u32> {
        let actions: Vec<&str> = m.actions.iter().flat_map(|(k, l)| [k.as_str(), l.as_str()]).collect();
        let mut hints: HashMap<&str, Variant<'_>> = HashMap::new();
        hints.insert("urgency", Variant::from(m.urgency as u8));
        hints.insert("category", Variant::from(m.category));
        hints.insert("desktop-entry", Variant::from(APP_NAME));
        let expire = i32::try_from(m.expire.as_millis()).unwrap_or(i32::MAX);
        self.proxy.notify(APP_NAME, m.replaces, ICON, &m.summary, &m.body, &actions, hints, expire).await
    }

    pub async fn close(&self, id: u32) -> zbus::Result<()> {
        self.proxy.close_notification(id).await
    }

    /// Whether the server is in do-not-disturb: dunst paused, or KDE's `Inhibited`. A server
    /// that has neither is taken as not in do-not-disturb.
    pub async fn do_not_disturb(&self) -> bool {
        if let Ok(true) = self.dunst.paused().await {
            return true;
        }
        matches!(self.proxy.inhibited().await, Ok(true))
    }
}

/// Every `ActionInvoked` and `NotificationClosed` on the bus for this connection, from whichever
/// server is running now or later.
pub async fn signals(conn: &Connection) -> zbus::Result<impl Stream<Item = Signal> + use<>> {
    let rule = MatchRule::builder().msg_type(MessageType::Signal).interface(SERVICE).build()?;
    let stream = MessageStream::for_match_rule(rule, conn, std::num::NonZeroUsize::new(64)).await?;
    Ok(stream.filter_map(|msg| async move {
        let msg = msg.ok()?;
        let header = msg.header();
        let member = header.member()?.as_str().to_owned();
        match member.as_str() {
            "ActionInvoked" => {
                let (id, key): (u32, String) = msg.body().deserialize().ok()?;
                Some(Signal::Action { id, key })
            }
            "NotificationClosed" => {
                let (id, reason): (u32, u32) = msg.body().deserialize().ok()?;
                Some(Signal::Closed { id, reason })
            }
            _ => None,
        }
    }))
}

/// Yields whenever the notification server appears (`true`) or goes away (`false`).
pub async fn server_changes(conn: &Connection) -> zbus::Result<impl Stream<Item = bool> + use<>> {
    let dbus = zbus::fdo::DBusProxy::new(conn).await?;
    let stream = dbus.receive_name_owner_changed_with_args(&[(0, SERVICE)]).await?;
    Ok(stream.filter_map(|signal| async move {
        let args = signal.args().ok()?;
        Some(args.new_owner().is_some())
    }))
}
