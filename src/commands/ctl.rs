//! `status` (once, or `--watch`ing for a status bar), `pause`, `resume`, `toggle`, `snooze`,
//! `reload`: calls to the running daemon over D-Bus.

use super::out::outln;
use crate::adapters::control::{BUS_NAME, ClientProxy, INTERFACE, OBJECT_PATH, Status};
use crate::cli::StatusFormat;
use crate::core::HoldReason;
use anyhow::{Context, anyhow, bail};
use futures_util::StreamExt;
use std::process::ExitCode;

/// A connection to the running daemon, or a clear "not running".
pub async fn connect() -> anyhow::Result<Option<ClientProxy<'static>>> {
    let conn =
        zbus::Connection::session().await.map_err(|e| anyhow!("can't reach the D-Bus session bus: {e}"))?;
    let dbus = zbus::fdo::DBusProxy::new(&conn).await?;
    if !dbus.name_has_owner(BUS_NAME.try_into()?).await? {
        return Ok(None);
    }
    Ok(Some(ClientProxy::new(&conn).await?))
}

pub const NOT_RUNNING: &str = "postured is not running on this session (start it with `systemctl --user start postured` or `postured run`)";

async fn daemon() -> anyhow::Result<ClientProxy<'static>> {
    connect().await?.ok_or_else(|| anyhow!(NOT_RUNNING))
}

/// The daemon's own words for a failed call, without D-Bus's error name around them.
pub fn said(e: zbus::Error) -> anyhow::Error {
    match e {
        zbus::Error::MethodError(_, Some(message), _) => anyhow!(message),
        zbus::Error::FDO(fdo) => match *fdo {
            zbus::fdo::Error::InvalidArgs(m) | zbus::fdo::Error::Failed(m) => anyhow!(m),
            other => anyhow!(other),
        },
        other => anyhow!(other),
    }
}

/// Runs one client call on a small runtime of its own.
pub fn run_async<T>(f: impl std::future::Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(f)
}

pub fn status(format: StatusFormat, watch: bool) -> anyhow::Result<ExitCode> {
    if watch {
        return run_async(watch_status(format));
    }
    let s = run_async(async { daemon().await?.status().await.map_err(said) })?;
    match format {
        StatusFormat::Json => outln!("{}", serde_json::to_string_pretty(&status_json(&s))?)?,
        StatusFormat::Text => super::out::bytes(status_text(&s).as_bytes())?,
        bar => outln!("{}", status_line(bar, Some(&s)))?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `status --watch`: the status now, then a line whenever the daemon's `StateChanged` says it
/// changed; a "not running" line while no daemon owns the name, and the status again when one
/// appears. Both subscriptions are made before the first look, so no change falls in between.
/// Ends only with an error (the bus went away) or a closed standard output.
async fn watch_status(format: StatusFormat) -> anyhow::Result<ExitCode> {
    let conn =
        zbus::Connection::session().await.map_err(|e| anyhow!("can't reach the D-Bus session bus: {e}"))?;
    let dbus = zbus::fdo::DBusProxy::new(&conn).await?;
    let mut owners = dbus.receive_name_owner_changed_with_args(&[(0, BUS_NAME)]).await?;
    let rule = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .interface(INTERFACE)
        .member("StateChanged")
        .path(OBJECT_PATH)
        .build()?;
    let mut changes = zbus::MessageStream::for_match_rule(rule, &conn, None).await?;
    let client =
        ClientProxy::builder(&conn).cache_properties(zbus::proxy::CacheProperties::No).build().await?;
    let mut owner = dbus.get_name_owner(BUS_NAME.try_into()?).await.ok().map(|o| o.to_string());
    let mut last = String::new();
    let mut show = |status: Option<&Status>| -> anyhow::Result<()> {
        let line = status_line(format, status);
        if line != last {
            outln!("{line}")?;
            last = line;
        }
        Ok(())
    };
    // A status read when a daemon appears; `None` when it has gone again meanwhile.
    let fetch = async |client: &ClientProxy<'_>| client.status().await.ok();
    match &owner {
        Some(_) => show(fetch(&client).await.as_ref())?,
        None => show(None)?,
    }
    loop {
        tokio::select! {
            change = owners.next() => {
                let change = change.ok_or_else(|| anyhow!("the D-Bus session bus went away"))?;
                let args = change.args()?;
                owner = args.new_owner().as_ref().map(|o| o.to_string());
                match &owner {
                    Some(_) => show(fetch(&client).await.as_ref())?,
                    None => show(None)?,
                }
            }
            message = changes.next() => {
                let message = message.ok_or_else(|| anyhow!("the D-Bus session bus went away"))??;
                let from = message.header().sender().map(|s| s.to_string());
                // Only the daemon that owns the name speaks for it.
                if from.is_none() || from != owner {
                    continue;
                }
                if let Ok((status,)) = message.body().deserialize::<(Status,)>() {
                    show(Some(&status))?;
                }
            }
        }
    }
}

/// `postured toggle`: resume if paused, else pause for the daemon's `notifications.pause`.
pub fn toggle() -> anyhow::Result<ExitCode> {
    let text =
        run_async(async { daemon().await?.toggle().await.map_err(said) }).context("nothing changed")?;
    outln!("{text}")?;
    Ok(ExitCode::SUCCESS)
}

/// The word a status bar styles by: the daemon's state (`busy` while you are in a call, a
/// presentation or full screen), `answering` while a question of ours waits for an answer, or
/// `stopped` when no daemon runs.
fn class(status: Option<&Status>) -> &str {
    match status {
        None => "stopped",
        Some(s) if s.state == "active" && s.next_why == "conversation" => "answering",
        Some(s) if s.state.is_empty() => "active",
        Some(s) => &s.state,
    }
}

/// A few words for a bar: "posture 14:30", "paused until 15:00", "dnd", ...
fn short_text(status: Option<&Status>) -> String {
    let now = crate::adapters::clock::now();
    let Some(s) = status else { return "postured off".to_owned() };
    match class(status) {
        "paused" => format!("paused until {}", when(&s.paused_until, now)),
        "snoozed" => format!("snoozed until {}", when(&s.snoozed_until, now)),
        "dnd" => "do not disturb".to_owned(),
        "away" => "away".to_owned(),
        "answering" => "waiting for your answer".to_owned(),
        "busy" if s.busy.is_empty() => "busy".to_owned(),
        "busy" => format!("busy: {}", s.busy),
        "off-hours" => "off hours".to_owned(),
        _ if s.next_at.is_empty() => "nothing planned".to_owned(),
        _ => format!("{} {}", s.next_kind, when(&s.next_at, now)),
    }
}

/// One line of `status` in `format` (what `--watch` prints per change).
fn status_line(format: StatusFormat, status: Option<&Status>) -> String {
    match (format, status) {
        (StatusFormat::Json, Some(s)) => status_json(s).to_string(),
        (StatusFormat::Json, None) => serde_json::json!({ "state": "stopped" }).to_string(),
        (StatusFormat::Text, None) => format!("{NOT_RUNNING}; waiting for it to start"),
        (StatusFormat::Text, Some(s)) => {
            let text = status_text(s);
            let mut lines = text.lines().take(3);
            let state = lines.next().unwrap_or_default().to_owned();
            lines.fold(state, |line, more| format!("{line}; {more}"))
        }
        (StatusFormat::Waybar, _) => {
            let tooltip = match status {
                Some(s) => status_text(s).trim_end().to_owned(),
                None => NOT_RUNNING.to_owned(),
            };
            let class = class(status);
            serde_json::json!({ "text": short_text(status), "tooltip": tooltip, "class": class, "alt": class })
                .to_string()
        }
        (StatusFormat::I3blocks | StatusFormat::Polybar, _) => short_text(status),
    }
}

fn status_json(s: &Status) -> serde_json::Value {
    serde_json::json!({
        "state": s.state, "version": s.version,
        "next_at": s.next_at, "next_kind": s.next_kind, "next_why": s.next_why,
        "paused_until": s.paused_until, "snoozed_until": s.snoozed_until, "next_wake": s.next_wake,
        "shown_today": s.shown_today, "max_per_day": s.max_per_day,
        "shown_last_hour": s.shown_last_hour, "max_per_hour": s.max_per_hour,
        "server": s.server, "server_actions": s.server_actions, "dnd": s.dnd, "dnd_sources": s.dnd_sources,
        "away": s.away, "lock": s.lock, "idle": s.idle,
        "busy": s.busy, "busy_sources": s.busy_sources,
        "config_files": s.config_files, "store": s.store,
    })
}

pub fn status_text(s: &Status) -> String {
    let now = crate::adapters::clock::now();
    let state = match s.state.as_str() {
        "paused" => format!("paused until {}", when(&s.paused_until, now)),
        "snoozed" => format!("snoozed until {}", when(&s.snoozed_until, now)),
        "off-hours" => "outside working hours".to_owned(),
        "dnd" => "holding reminders: the desktop is in do-not-disturb".to_owned(),
        "away" => format!("holding reminders while you are away ({})", s.away),
        "busy" => format!("holding routine reminders while you are busy ({})", s.busy),
        other => other.to_owned(),
    };
    let mut out = format!("postured {}: {state}\n", s.version);
    if s.next_at.is_empty() {
        out += match s.next_why.as_str() {
            "away" => "next: when you are back\n",
            "busy" => "next: once you are no longer busy, after a short grace\n",
            "conversation" => "next: after you answer the open question\n",
            "no_server" => "next: when a notification server is running\n",
            _ => "next: nothing planned in the next week (no working hours, or paused)\n",
        };
    } else {
        let at = when(&s.next_at, now);
        let why = why_words(&s.next_why);
        out += &format!("next: {} reminder at {at} ({why})\n", s.next_kind);
    }
    out += &format!(
        "today: {} of {} reminders; last hour: {} of {}\n",
        s.shown_today, s.max_per_day, s.shown_last_hour, s.max_per_hour
    );
    if s.server.is_empty() {
        out += "notifications: no notification server running\n";
    } else {
        let buttons = if s.server_actions { "with buttons" } else { "no buttons: log with `postured log`" };
        let dnd = if s.dnd { "; do-not-disturb is on" } else { "" };
        out += &format!("notifications: {} ({buttons}){dnd}\n", s.server);
    }
    if !s.dnd_sources.is_empty() {
        out += &format!("do-not-disturb: {}\n", s.dnd_sources);
    }
    out += &format!("lock: {}\nidle: {}\nbusy: {}\n", s.lock, s.idle, s.busy_sources);
    out
}

/// Why the next reminder is when it is, in words.
fn why_words(code: &str) -> String {
    let hold = [
        HoldReason::Dnd,
        HoldReason::Away,
        HoldReason::NoServer,
        HoldReason::Conversation,
        HoldReason::Busy,
        HoldReason::AfterUnlock,
        HoldReason::Paused,
        HoldReason::Snoozed,
        HoldReason::QuietHours,
        HoldReason::DailyCap,
        HoldReason::HourlyCap,
        HoldReason::MinGap,
        HoldReason::Cooldown,
        HoldReason::Repeat,
        HoldReason::ExerciseCap,
    ]
    .into_iter()
    .find(|h| h.as_str() == code);
    match (code, hold) {
        ("interval" | "", _) => "its interval".to_owned(),
        ("snoozed", _) => "snoozed".to_owned(),
        (_, Some(h)) => format!("held back: {}", h.words()),
        (other, None) => format!("held back: {other}"),
    }
}

/// An RFC 3339 time as a person reads it: "14:30" today, "Wed 2026-12-02 14:30" otherwise,
/// in the daemon's zone (the offset it sent).
fn when(rfc3339: &str, now: chrono::DateTime<chrono::Utc>) -> String {
    match chrono::DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => {
            let today = now.with_timezone(t.offset()).date_naive();
            if t.date_naive() == today {
                t.format("%H:%M").to_string()
            } else {
                t.format("%a %Y-%m-%d %H:%M").to_string()
            }
        }
        Err(_) => rfc3339.to_owned(),
    }
}

pub fn pause(seconds: Option<u64>) -> anyhow::Result<ExitCode> {
    let said_text = run_async(async {
        let d = daemon().await?;
        match seconds {
            Some(s) => d.pause(s).await.map_err(said),
            None => d.pause_until_tomorrow().await.map_err(said),
        }
    })?;
    outln!("{said_text}")?;
    Ok(ExitCode::SUCCESS)
}

pub fn simple(what: &str, seconds: Option<u64>) -> anyhow::Result<ExitCode> {
    let text = run_async(async {
        let d = daemon().await?;
        match (what, seconds) {
            ("resume", _) => d.resume().await.map_err(said),
            ("snooze", Some(s)) => d.snooze(s).await.map_err(said),
            ("reload", _) => d.reload().await.map_err(said),
            _ => bail!("unknown call {what}"),
        }
    })
    .context(match what {
        "reload" => "the running config is kept",
        _ => "nothing changed",
    })?;
    outln!("{text}")?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_tells_being_busy_from_a_question_waiting_for_an_answer() {
        let busy = Status { state: "busy".into(), busy: "camera in use".into(), ..Default::default() };
        assert_eq!((class(Some(&busy)), short_text(Some(&busy)).as_str()), ("busy", "busy: camera in use"));
        let asking = Status { state: "active".into(), next_why: "conversation".into(), ..Default::default() };
        assert_eq!(class(Some(&asking)), "answering");
        assert_eq!(short_text(Some(&asking)), "waiting for your answer");
        assert_eq!(class(None), "stopped");
    }
}
