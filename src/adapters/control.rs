//! The daemon's D-Bus interface on the session bus, used by the CLI and by status bars. Owning
//! its well-known name also makes the daemon single-instance. Calls are handed to the daemon's
//! loop over a channel, so all state stays in one task.

use serde::Deserialize;
use tokio::sync::{mpsc, oneshot};
use zbus::object_server::SignalEmitter;
use zbus::{SerializeDict, Type, fdo, interface, proxy};

pub const BUS_NAME: &str = "io.github.Postured";
pub const OBJECT_PATH: &str = "/io/github/Postured";
/// Versioned: an incompatible change gets a new interface name, `...Postured2`.
pub const INTERFACE: &str = "io.github.Postured1";

/// Declares a struct that travels over D-Bus as `a{sv}` and decodes leniently: a key this
/// version doesn't know is skipped, and a key the sender didn't send keeps its default. So a
/// newer CLI can talk to an older daemon and the other way round, and adding a field is one line
/// (with its doc comment). Removing or retyping a field is an incompatible change: that needs a
/// new interface name.
macro_rules! lenient_dict {
    ($(#[$meta:meta])* pub struct $name:ident { $($(#[$field_meta:meta])* pub $field:ident: $ty:ty,)* }) => {
        $(#[$meta])*
        #[derive(SerializeDict, Deserialize, Type)]
        #[zbus(signature = "a{sv}")]
        #[serde(default)]
        pub struct $name {
            $(
                $(#[$field_meta])*
                #[serde(deserialize_with = "zbus::as_variant::deserialize")]
                pub $field: $ty,
            )*
        }
    };
}

lenient_dict! {
    /// What `status` reports. Sent over D-Bus as `a{sv}` with these keys.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct Status {
        /// `active`, `paused`, `snoozed`, `off-hours` (outside working hours), `dnd`, `away` or
        /// `busy`.
        pub state: String,
        pub version: String,
        /// RFC 3339; empty when nothing is planned.
        pub next_at: String,
        pub next_kind: String,
        /// Why the next reminder is then: `interval`, `snoozed`, a wait for an event (`away`,
        /// `conversation`, `no_server`) or the hold that moved it (`min_gap`, `hourly_cap`, ...).
        pub next_why: String,
        pub paused_until: String,
        /// RFC 3339: until when `postured snooze` or a Snooze button holds reminders; empty if not.
        pub snoozed_until: String,
        /// RFC 3339: the daemon's next timer of any kind; empty when only an event can change
        /// anything (the user back, a server, an answer).
        pub next_wake: String,
        pub shown_today: u32,
        pub max_per_day: u32,
        pub shown_last_hour: u32,
        pub max_per_hour: u32,
        /// The notification server's name and version, empty if none is running.
        pub server: String,
        pub server_actions: bool,
        pub dnd: bool,
        /// How do-not-disturb is seen: the server's own, how it is read, and the desktop's;
        /// e.g. `mako mode do-not-disturb (read when a reminder is due)`.
        pub dnd_sources: String,
        /// Why the user counts as away now, e.g. `locked` or `idle, screensaver`; empty when here.
        pub away: String,
        /// How lock and sleep are seen: `logind (/org/freedesktop/login1/session/...)` or
        /// `not available (why)`.
        pub lock: String,
        /// How idleness is seen, or `not available on this desktop`.
        pub idle: String,
        /// Why the user is busy now (`camera in use`, `idle inhibited`); empty when not.
        pub busy: String,
        /// How being busy is seen (`logind BlockInhibited, camera (inotify on /dev/video*)`), or
        /// `not available on this desktop`.
        pub busy_sources: String,
        pub config_files: Vec<String>,
        pub store: String,
    }
}

/// A call from the bus, for the daemon's loop to answer.
#[derive(Debug)]
pub enum Request {
    Status,
    /// Seconds; `None` pauses until the next day begins.
    Pause(Option<u64>),
    Resume,
    /// Resume if paused, else pause for `notifications.pause`.
    Toggle,
    Snooze(u64),
    Reload,
    Log {
        /// Who logged it: `cli` for `postured log`, a program's own name, or `dbus` for `Log`.
        source: String,
        area: String,
        severity: u32,
        symptoms: Vec<String>,
        note: String,
        /// Unix seconds; 0 means now.
        at: i64,
    },
    /// A self-reported pop of the upper back.
    LogPop {
        source: String,
        /// Unix seconds; 0 means now.
        at: i64,
    },
}

#[derive(Debug)]
pub enum Reply {
    Status(Box<Status>),
    Done(String),
    /// The report's id, and the care advice it takes part in (summary, body).
    Logged(i64, Vec<(String, String)>),
}

pub type Call = (Request, oneshot::Sender<Result<Reply, String>>);

pub struct Control {
    pub calls: mpsc::Sender<Call>,
}

impl Control {
    async fn ask(&self, request: Request) -> fdo::Result<Reply> {
        let (tx, rx) = oneshot::channel();
        self.calls
            .send((request, tx))
            .await
            .map_err(|_| fdo::Error::Failed("postured is shutting down".into()))?;
        match rx.await {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(message)) => Err(fdo::Error::InvalidArgs(message)),
            Err(_) => Err(fdo::Error::Failed("postured is shutting down".into())),
        }
    }

    /// A stored report or pop: its id and the care advice it brings.
    async fn logged(&self, request: Request) -> fdo::Result<(i64, Vec<(String, String)>)> {
        match self.ask(request).await? {
            Reply::Logged(id, advice) => Ok((id, advice)),
            other => Err(fdo::Error::Failed(format!("unexpected reply {other:?}"))),
        }
    }

    async fn done(&self, request: Request) -> fdo::Result<String> {
        match self.ask(request).await? {
            Reply::Done(text) => Ok(text),
            other => Err(fdo::Error::Failed(format!("unexpected reply {other:?}"))),
        }
    }
}

#[interface(name = "io.github.Postured1")]
impl Control {
    async fn status(&self) -> fdo::Result<Status> {
        match self.ask(Request::Status).await? {
            Reply::Status(s) => Ok(*s),
            other => Err(fdo::Error::Failed(format!("unexpected reply {other:?}"))),
        }
    }

    /// Pauses reminders for `seconds`.
    async fn pause(&self, seconds: u64) -> fdo::Result<String> {
        if seconds == 0 {
            return Err(fdo::Error::InvalidArgs("a pause needs a duration above zero".into()));
        }
        self.done(Request::Pause(Some(seconds))).await
    }

    /// Pauses reminders until the next day begins (`limits.day_starts`).
    async fn pause_until_tomorrow(&self) -> fdo::Result<String> {
        self.done(Request::Pause(None)).await
    }

    async fn resume(&self) -> fdo::Result<String> {
        self.done(Request::Resume).await
    }

    /// Resumes reminders if they are paused, else pauses them for `notifications.pause`.
    async fn toggle(&self) -> fdo::Result<String> {
        self.done(Request::Toggle).await
    }

    /// Defers every reminder by `seconds`.
    async fn snooze(&self, seconds: u64) -> fdo::Result<String> {
        if seconds == 0 {
            return Err(fdo::Error::InvalidArgs("a snooze needs a duration above zero".into()));
        }
        self.done(Request::Snooze(seconds)).await
    }

    /// Re-reads the config; a bad one is reported and the running config is kept.
    async fn reload(&self) -> fdo::Result<String> {
        self.done(Request::Reload).await
    }

    /// Logs discomfort in `area` at `severity` (0 to 10) with optional `symptoms` and `note`,
    /// at `at` (Unix seconds, 0 for now; never in the future). Returns the report's id once it
    /// is stored durably, and the care advice (summary, body) the report takes part in.
    async fn log(
        &self,
        area: String,
        severity: u32,
        symptoms: Vec<String>,
        note: String,
        at: i64,
    ) -> fdo::Result<(i64, Vec<(String, String)>)> {
        self.log_from("dbus".to_owned(), area, severity, symptoms, note, at).await
    }

    /// `Log`, naming the program that logs it (`source`: 1 to 32 of `a-z`, `0-9`, `-`, `_`,
    /// `.`; `postured log` says `cli`), which is stored with the report. The advice returned is
    /// stored as shown by that program (in the terminal for `cli`), and counts for the limits:
    /// show it to the user.
    async fn log_from(
        &self,
        source: String,
        area: String,
        severity: u32,
        symptoms: Vec<String>,
        note: String,
        at: i64,
    ) -> fdo::Result<(i64, Vec<(String, String)>)> {
        self.logged(Request::Log { source, area, severity, symptoms, note, at }).await
    }

    /// Logs a self-reported pop of the upper back at `at` (Unix seconds, 0 for now; never in the
    /// future), naming the program that logs it (`source`, as for `LogFrom`). Returns the pop's
    /// id once stored, and the popping note (summary, body) if this pop brings it.
    async fn log_pop(&self, source: String, at: i64) -> fdo::Result<(i64, Vec<(String, String)>)> {
        self.logged(Request::LogPop { source, at }).await
    }

    /// Sent whenever the state, the next reminder or the counts change.
    #[zbus(signal)]
    pub async fn state_changed(emitter: &SignalEmitter<'_>, status: Status) -> zbus::Result<()>;
}

#[proxy(
    interface = "io.github.Postured1",
    default_service = "io.github.Postured",
    default_path = "/io/github/Postured"
)]
pub trait Client {
    fn status(&self) -> zbus::Result<Status>;
    fn pause(&self, seconds: u64) -> zbus::Result<String>;
    fn pause_until_tomorrow(&self) -> zbus::Result<String>;
    fn resume(&self) -> zbus::Result<String>;
    fn toggle(&self) -> zbus::Result<String>;
    fn snooze(&self, seconds: u64) -> zbus::Result<String>;
    fn reload(&self) -> zbus::Result<String>;
    fn log(
        &self,
        area: &str,
        severity: u32,
        symptoms: &[&str],
        note: &str,
        at: i64,
    ) -> zbus::Result<(i64, Vec<(String, String)>)>;
    fn log_from(
        &self,
        source: &str,
        area: &str,
        severity: u32,
        symptoms: &[&str],
        note: &str,
        at: i64,
    ) -> zbus::Result<(i64, Vec<(String, String)>)>;
    fn log_pop(&self, source: &str, at: i64) -> zbus::Result<(i64, Vec<(String, String)>)>;
    #[zbus(signal)]
    fn state_changed(&self, status: Status) -> zbus::Result<()>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use zbus::wire::serialized::Context;
    use zbus::wire::{LE, OwnedVariant, Variant, to_bytes};

    fn decode(bytes: &zbus::wire::serialized::Data<'_, '_>) -> zbus::Result<Status> {
        Ok(bytes.deserialize::<Status>()?.0)
    }

    #[test]
    fn a_status_from_an_older_or_newer_daemon_decodes_with_defaults_for_what_is_missing() {
        // An older daemon that knew few keys, and a newer one that knows a key we don't.
        let mut sent: HashMap<&str, Variant<'_>> = HashMap::new();
        sent.insert("state", Variant::from("paused"));
        sent.insert("shown_today", Variant::from(3u32));
        sent.insert("config_files", Variant::from(vec!["a.toml".to_owned()]));
        sent.insert("from_the_future", Variant::from(42u64));
        let bytes = to_bytes(Context::new(LE, 0), &sent).unwrap();
        let status = decode(&bytes).unwrap();
        let want = Status {
            state: "paused".into(),
            shown_today: 3,
            config_files: vec!["a.toml".into()],
            ..Status::default()
        };
        assert_eq!(status, want);
    }

    #[test]
    fn an_encoded_status_round_trips() {
        let status = Status {
            state: "active".into(),
            version: "9.9.9".into(),
            next_at: "2026-06-01T09:00:00Z".into(),
            shown_today: 2,
            max_per_hour: 4,
            server_actions: true,
            dnd: true,
            away: "locked".into(),
            config_files: vec!["x".into(), "y".into()],
            store: "s".into(),
            ..Status::default()
        };
        let bytes = to_bytes(Context::new(LE, 0), &status).unwrap();
        let sent = bytes.deserialize::<HashMap<String, OwnedVariant>>().unwrap().0;
        assert!(
            ["state", "next_kind", "dnd", "config_files"].iter().all(|k| sent.contains_key(*k)),
            "{sent:?}"
        );
        assert_eq!(decode(&bytes).unwrap(), status);
    }
}
