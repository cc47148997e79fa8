//! What the notifications say and what their buttons mean: a reminder (Done, Snooze, Log
//! discomfort), then which area, how strong and any warning sign; and care advice with its
//! buttons. Pure: it builds messages and reads answers.

use super::message::{Message, Urgency};
use crate::core::care::Finding;
use crate::core::{Area, Outcome, Reminder, Symptom, advice};
use std::time::Duration;

pub const CATEGORY: &str = "x-postured.reminder";

/// Severity buttons and the 0–10 values they store (documented in the README).
pub const SEVERITIES: [(&str, u8); 3] = [("Mild", 3), ("Moderate", 5), ("Severe", 8)];

/// Where the conversation about one reminder stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Reminder,
    Area,
    Severity(Area),
    Symptoms(Area, u8),
    /// After "None of these": does it disturb sleep or stop normal activities (F1)?
    Function(Area, u8),
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Reminder => "reminder",
            Stage::Area => "area",
            Stage::Severity(_) => "severity",
            Stage::Symptoms(..) => "symptoms",
            Stage::Function(..) => "function",
        }
    }
}

/// The two signs offered on a notification (three buttons at most); the full list is on the
/// command line. Both change what postured suggests, and both call for a doctor's look.
pub const SYMPTOM_BUTTONS: [Symptom; 2] = [Symptom::Tingling, Symptom::Weakness];

/// The fourth step's buttons: how the discomfort gets in the way, or neither.
pub const FUNCTION_BUTTONS: [(Symptom, &str); 2] =
    [(Symptom::Sleep, "Disturbs my sleep"), (Symptom::Activities, "Stopped my usual activities")];

/// A button press (or plain click) read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Done,
    Snooze,
    StartLog,
    Area(Area),
    Severity(u8),
    /// The last step of logging: a warning sign, or none.
    Symptom(Option<Symptom>),
    /// After no warning sign: it disturbs sleep, stopped normal activities, or neither.
    Function(Option<Symptom>),
    /// On the self-mobilisation reminder: done, and it popped.
    Popped,
    /// On care advice: "I've booked or seen someone".
    Booked,
    /// On care advice: "Remind me later".
    Later,
    /// On care advice: open the configured care link.
    OpenLink,
    Other,
}

pub fn read_action(key: &str) -> Answer {
    match key {
        "default" | "done" => Answer::Done,
        "snooze" => Answer::Snooze,
        "log" => Answer::StartLog,
        "popped" => Answer::Popped,
        "booked" => Answer::Booked,
        "later" => Answer::Later,
        "open" => Answer::OpenLink,
        "symptom:none" => Answer::Symptom(None),
        "function:none" => Answer::Function(None),
        _ => {
            if let Some(a) = key.strip_prefix("area:").and_then(|a| a.parse().ok()) {
                Answer::Area(a)
            } else if let Some(s) = key.strip_prefix("severity:").and_then(|s| s.parse().ok()) {
                Answer::Severity(s)
            } else if let Some(s) = key.strip_prefix("symptom:").and_then(|s| s.parse().ok()) {
                Answer::Symptom(Some(s))
            } else if let Some(s) = key
                .strip_prefix("function:")
                .and_then(|s| s.parse::<Symptom>().ok())
                .filter(|s| s.is_function())
            {
                Answer::Function(Some(s))
            } else {
                Answer::Other
            }
        }
    }
}

/// What a close means for a reminder nobody answered: the spec's reasons 1 (expired), 2 (the
/// user dismissed it: a skip) and anything else.
pub fn closed_outcome(reason: u32) -> Option<Outcome> {
    match reason {
        1 => Some(Outcome::Expired),
        2 => Some(Outcome::Skipped),
        3 => None, // we closed it ourselves, after recording why
        _ => Some(Outcome::Dismissed),
    }
}

fn actions(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, l)| ((*k).to_owned(), (*l).to_owned())).collect()
}

/// A reminder; `snooze` is how the snooze time reads ("15m").
pub fn reminder(r: &Reminder, with_buttons: bool, snooze: &str, expire: Duration) -> Message {
    let mut body = r.body.clone();
    let actions = if with_buttons {
        let snooze_label = format!("Snooze {snooze}");
        vec![
            // Two labels: servers that list actions by label (mako's menu, dunst's, xfce's
            // buttons) would otherwise show two "Done" or join them into one that does nothing.
            ("default".to_owned(), "Mark done".to_owned()),
            ("done".to_owned(), "Done".to_owned()),
            ("snooze".to_owned(), snooze_label),
            ("log".to_owned(), "Log discomfort".to_owned()),
        ]
    } else {
        body.push_str("\nSore somewhere? Log it from a terminal: postured log --area neck --severity 5");
        Vec::new()
    };
    Message { summary: r.title.clone(), body, actions, urgency: Urgency::Normal, expire, category: CATEGORY }
}

/// The self-mobilisation reminder: its named Done button becomes "Done, it popped" (a plain
/// click is still Done), so a pop can be logged and the buttons stay three.
pub fn with_pop_button(mut m: Message) -> Message {
    for (key, label) in &mut m.actions {
        if key == "done" {
            *key = "popped".to_owned();
            *label = "Done, it popped".to_owned();
        }
    }
    m
}

pub fn ask_area(areas: &[Area], expire: Duration) -> Message {
    let pairs: Vec<(String, String)> =
        areas.iter().take(3).map(|a| (format!("area:{a}"), capitalise(a.words()))).collect();
    Message {
        summary: "Where is the discomfort?".to_owned(),
        body: "Pick the area. Other areas: postured log --area AREA --severity 0-10".to_owned(),
        actions: pairs,
        urgency: Urgency::Normal,
        expire,
        category: CATEGORY,
    }
}

pub fn ask_severity(area: Area, expire: Duration) -> Message {
    let pairs: Vec<(String, String)> =
        SEVERITIES.iter().map(|(label, v)| (format!("severity:{v}"), format!("{label} ({v}/10)"))).collect();
    Message {
        summary: format!("How strong is the {} discomfort?", area.modifier()),
        body: String::new(),
        actions: pairs,
        urgency: Urgency::Normal,
        expire,
        category: CATEGORY,
    }
}

pub fn ask_symptoms(area: Area, severity: u8, expire: Duration) -> Message {
    let mut pairs: Vec<(String, String)> =
        SYMPTOM_BUTTONS.iter().map(|s| (format!("symptom:{s}"), capitalise(s.words()))).collect();
    pairs.push(("symptom:none".to_owned(), "None of these".to_owned()));
    Message {
        summary: format!("Also: any of these with the {} discomfort?", area.modifier()),
        body: format!(
            "Logging {severity}/10. Other signs (fever, chest pain, pain at night...): postured log --symptom"
        ),
        actions: pairs,
        urgency: Urgency::Normal,
        expire,
        category: CATEGORY,
    }
}

pub fn ask_function(area: Area, severity: u8, expire: Duration) -> Message {
    let mut pairs: Vec<(String, String)> =
        FUNCTION_BUTTONS.iter().map(|(s, label)| (format!("function:{s}"), (*label).to_owned())).collect();
    pairs.push(("function:none".to_owned(), "Neither".to_owned()));
    Message {
        summary: format!("Does the {} discomfort get in the way?", area.modifier()),
        body: format!(
            "Logging {severity}/10. Does it disturb your sleep, or has it stopped your usual activities?"
        ),
        actions: pairs,
        urgency: Urgency::Normal,
        expire,
        category: CATEGORY,
    }
}

pub const CARE_CATEGORY: &str = "x-postured.care";

/// Care advice. A warning sign is critical, stays until dismissed and offers no stretch; routine
/// advice has "I've booked/seen someone", "Remind me later" and, with a care link, "Open".
pub fn care(f: &Finding, link: Option<&str>, expire: Duration) -> Message {
    let (summary, body) = advice::text(f);
    let warning = f.reason.is_warning();
    let mut actions = Vec::new();
    if f.reason == crate::core::care::Reason::Popping {
        // One note, nothing to book or put off.
        actions.push(("default".to_owned(), "OK".to_owned()));
    } else if !warning {
        actions.push(("default".to_owned(), "OK".to_owned()));
        actions.push(("booked".to_owned(), "I've booked/seen someone".to_owned()));
        actions.push(("later".to_owned(), "Remind me later".to_owned()));
    }
    // A warning sign is for a doctor or urgent care, not the clinic the link points to.
    if link.is_some() && !warning && f.reason != crate::core::care::Reason::Popping {
        actions.push(("open".to_owned(), "Open".to_owned()));
    }
    Message {
        summary,
        body,
        actions,
        urgency: if warning { Urgency::Critical } else { Urgency::Normal },
        // Critical notifications stay until the user closes them (0 = never expire).
        expire: if warning { Duration::ZERO } else { expire },
        category: CARE_CATEGORY,
    }
}

pub fn logged(area: Area, severity: u8) -> Message {
    Message {
        summary: "Logged".to_owned(),
        body: format!(
            "{} discomfort, {severity}/10. Take it easy on that area.",
            capitalise(area.modifier())
        ),
        actions: actions(&[]),
        urgency: Urgency::Low,
        expire: Duration::from_secs(8),
        category: CATEGORY,
    }
}

pub fn not_logged(error: &str) -> Message {
    Message {
        summary: "Could not save that report".to_owned(),
        body: format!("{error}\nTry again from a terminal: postured log --area AREA --severity 0-10"),
        actions: Vec::new(),
        urgency: Urgency::Normal,
        expire: Duration::from_secs(30),
        category: CATEGORY,
    }
}

/// Up to three areas to offer: the ones the stretch targets first, then recent reports', then
/// the usual suspects for desk work.
pub fn areas_to_offer(targets: &[Area], recent: &[Area]) -> Vec<Area> {
    let mut out: Vec<Area> = Vec::new();
    let usual = [Area::Neck, Area::UpperBack, Area::Shoulders];
    for a in targets.iter().chain(recent).chain(&usual) {
        if !out.contains(a) && *a != Area::WholeBody && out.len() < 3 {
            out.push(*a);
        }
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::Kind;
    use chrono::{TimeZone, Utc};

    fn r() -> Reminder {
        Reminder {
            at: Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap(),
            kind: Kind::Stretch,
            entry: Some("chin-tuck".into()),
            title: "Stretch break · Chin tuck".into(),
            body: "Slide your head back.".into(),
        }
    }

    #[test]
    fn a_reminder_has_three_buttons_and_a_default_click() {
        let m = reminder(&r(), true, "15m", Duration::from_secs(120));
        let keys: Vec<&str> = m.actions.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["default", "done", "snooze", "log"]);
        assert_eq!(m.actions[2].1, "Snooze 15m");
        assert_eq!(m.expire, Duration::from_secs(120));
        assert_eq!(m.urgency, Urgency::Normal);
    }

    #[test]
    fn without_actions_the_body_says_how_to_log_from_a_terminal() {
        let m = reminder(&r(), false, "15m", Duration::from_secs(120));
        assert!(m.actions.is_empty());
        assert!(m.body.ends_with("postured log --area neck --severity 5"), "{}", m.body);
    }

    #[test]
    fn answers_and_closes_are_read_back() {
        assert_eq!(read_action("default"), Answer::Done);
        assert_eq!(read_action("area:upper-back"), Answer::Area(Area::UpperBack));
        assert_eq!(read_action("severity:5"), Answer::Severity(5));
        assert_eq!(read_action("area:elbow"), Answer::Other);
        assert_eq!(closed_outcome(2), Some(Outcome::Skipped));
        assert_eq!(closed_outcome(1), Some(Outcome::Expired));
        assert_eq!(closed_outcome(3), None);
    }

    #[test]
    fn offers_the_stretch_areas_then_recent_ones_at_most_three() {
        assert_eq!(
            areas_to_offer(&[Area::Neck, Area::WholeBody], &[Area::Wrists, Area::Neck, Area::Chest]),
            [Area::Neck, Area::Wrists, Area::Chest]
        );
        assert_eq!(areas_to_offer(&[], &[]), [Area::Neck, Area::UpperBack, Area::Shoulders]);
        let m = ask_area(&[Area::UpperBack], Duration::from_secs(60));
        assert_eq!(m.actions, [("area:upper-back".to_owned(), "Upper back".to_owned())]);
    }

    #[test]
    fn care_advice_has_its_buttons_and_warnings_are_critical_and_stay() {
        use crate::core::care::Reason;
        let routine = Finding {
            area: Area::Neck,
            reason: Reason::Recurrence,
            report: 4,
            why: "neck discomfort logged on 5 of the last 14 days".into(),
            symptoms: vec![],
            since: Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap(),
        };
        let m = care(&routine, None, Duration::from_secs(120));
        let keys: Vec<&str> = m.actions.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["default", "booked", "later"]);
        assert_eq!((m.urgency, m.expire), (Urgency::Normal, Duration::from_secs(120)));
        assert!(m.body.contains("5 of the last 14 days") && m.body.contains("not medical advice"));
        let m = care(&routine, Some("https://physio.example"), Duration::from_secs(120));
        assert_eq!(m.actions.last().unwrap().0, "open");
        let warning = Finding { reason: Reason::WarningNow, symptoms: vec![Symptom::Chest], ..routine };
        let m = care(&warning, Some("https://physio.example"), Duration::from_secs(120));
        assert!(m.actions.is_empty(), "{:?}", m.actions);
        assert_eq!((m.urgency, m.expire), (Urgency::Critical, Duration::ZERO));
        assert_eq!(read_action("booked"), Answer::Booked);
        assert_eq!(read_action("symptom:weakness"), Answer::Symptom(Some(Symptom::Weakness)));
        assert_eq!(read_action("symptom:none"), Answer::Symptom(None));
    }
}
