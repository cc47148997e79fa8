//! What care advice says: calm, short, the reason in plain words, who can help, and a line
//! saying it is not medical advice. Never a diagnosis.

use super::area::Area;
use super::care::{Finding, Reason};

pub const NOT_MEDICAL: &str = "postured is not medical advice; it only points you to people who can help.";

/// On every piece of advice about the chest: chest pain can come from the heart.
pub const CHEST_URGENT: &str = "Chest pain or pressure, or pain spreading to an arm, the jaw or the back, \
    with sweating, breathlessness or nausea, needs urgent help: call your local emergency number.";

/// Who to see for routine advice about `area`.
fn who(area: Area) -> &'static str {
    match area {
        Area::Eyes => "an optometrist or doctor",
        Area::Chest => "a doctor",
        Area::Wrists => "a doctor or physical therapist",
        _ => "a physical therapist, chiropractor or doctor",
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// The summary and body of a care notification (and of the terminal's advice after `log`).
pub fn text(f: &Finding) -> (String, String) {
    let why = capitalise(&f.why);
    let (summary, advice) = match f.reason {
        Reason::WarningNow => (
            "Please get medical help now".to_owned(),
            format!(
                "You logged {}. {}: call your local emergency number or an urgent care service now. Stretches for the {} are paused.",
                f.why,
                if f.symptoms.is_empty() { "Don't wait" } else { "With these, don't wait" },
                f.area.words()
            ),
        ),
        Reason::WarningToday if f.area == Area::Eyes => (
            "Please see an optometrist or doctor today".to_owned(),
            format!(
                "You logged {}. That is worth a look by an optometrist or doctor today. Eye breaks are paused for now.",
                f.why
            ),
        ),
        Reason::WarningToday => (
            "Please contact a doctor today".to_owned(),
            format!(
                "You logged {}. That is worth a doctor's look today, before more stretching. Stretches for the {} are paused for now.",
                f.why,
                f.area.words()
            ),
        ),
        Reason::Popping => (
            "About the urge to pop your back".to_owned(),
            format!(
                "You logged {}. Many people feel that urge, and an occasional pop is common. When it comes this often, it usually points to stiffness or tension that {} can assess. The mobility and strength moves postured suggests (chin tucks, shoulder-blade squeezes, wall angels) work on that more than another pop does.",
                f.why,
                who(f.area)
            ),
        ),
        Reason::Severe => (
            "Go gently today".to_owned(),
            format!(
                "{why}. Rest the area and keep moves small. If it is not easing within a few days, or it stops you doing everyday things, see {}.",
                who(f.area)
            ),
        ),
        Reason::Episodes => (
            "Worth a plan to keep it away".to_owned(),
            format!(
                "{why}. Discomfort that keeps returning over months is worth a prevention plan: {} can suggest exercises and habits that make the next time less likely.",
                match f.area {
                    Area::Eyes | Area::Chest | Area::Wrists => who(f.area),
                    _ => "a physical therapist or chiropractor",
                }
            ),
        ),
        Reason::Function => (
            "Worth booking a visit".to_owned(),
            format!(
                "{why}. When discomfort gets in the way of sleep or everyday life, {} can assess it and help.",
                who(f.area)
            ),
        ),
        Reason::Numbness => (
            "Worth booking a visit".to_owned(),
            format!(
                "{why}. Numbness or tingling in the hands that lasts or wakes you is worth a visit to {}. If weakness comes with it, or it spreads, see a doctor today.",
                who(f.area)
            ),
        ),
        Reason::SevereRepeat => (
            "Worth booking a visit".to_owned(),
            format!("{why}. Strong discomfort that comes back is worth a visit to {}.", who(f.area)),
        ),
        Reason::Recurrence => (
            "Worth seeing someone about it".to_owned(),
            format!("{why}. {} can look at what keeps bringing it back.", capitalise(who(f.area))),
        ),
        Reason::Worsening => (
            "Worth getting it checked".to_owned(),
            format!("{why}. {} can find out why it is getting worse.", capitalise(who(f.area))),
        ),
        Reason::Persistence => (
            "Time to get it looked at".to_owned(),
            format!(
                "{why}. Most discomfort like this settles within a few weeks; {} can help with what hasn't.",
                who(f.area)
            ),
        ),
    };
    let chest = if f.area == Area::Chest { format!("\n{CHEST_URGENT}") } else { String::new() };
    (summary, format!("{advice}{chest}\n{NOT_MEDICAL}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::Symptom;

    #[test]
    fn the_popping_note_is_plain_and_points_to_mobility_and_strength() {
        let (s, b) =
            text(&f(Reason::Popping, Area::UpperBack, "more than 3 pops a day on 5 of the last 14 days"));
        assert_eq!(s, "About the urge to pop your back");
        assert!(b.starts_with("You logged more than 3 pops a day on 5 of the last 14 days."), "{b}");
        assert!(b.contains("a physical therapist, chiropractor or doctor can assess"), "{b}");
        assert!(b.contains("mobility and strength"), "{b}");
        assert!([" should ", " bad ", " stop "].iter().all(|w| !b.contains(w)), "non-judgemental: {b}");
    }

    #[test]
    fn eyes_go_to_an_optometrist_wrists_to_a_doctor_or_pt_and_rc1_to_a_prevention_plan() {
        let (s, b) =
            text(&f(Reason::WarningToday, Area::Eyes, "a sudden change in vision with eye discomfort"));
        assert_eq!(s, "Please see an optometrist or doctor today");
        assert!(b.contains("optometrist or doctor today"), "{b}");
        let (_, b) =
            text(&f(Reason::Numbness, Area::Wrists, "wrist numbness or tingling logged across 2 weeks"));
        assert!(b.contains("a doctor or physical therapist"), "{b}");
        let (s, b) = text(&f(Reason::Episodes, Area::LowerBack, "lower back discomfort came back"));
        assert_eq!(s, "Worth a plan to keep it away");
        assert!(b.contains("prevention plan: a physical therapist or chiropractor"), "{b}");
        let (s, b) = text(&f(Reason::Function, Area::Neck, "neck discomfort that disturbs sleep"));
        assert_eq!(s, "Worth booking a visit");
        assert!(b.starts_with("Neck discomfort that disturbs sleep. "), "{b}");
    }

    fn f(reason: Reason, area: Area, why: &str) -> Finding {
        let since = chrono::DateTime::UNIX_EPOCH;
        Finding { area, reason, report: 1, why: why.into(), symptoms: vec![Symptom::Chest], since }
    }

    #[test]
    fn all_chest_advice_says_when_chest_pain_needs_urgent_help() {
        for reason in [
            Reason::Severe,
            Reason::Episodes,
            Reason::Function,
            Reason::Recurrence,
            Reason::Worsening,
            Reason::Persistence,
            Reason::WarningToday,
            Reason::WarningNow,
        ] {
            let (_, b) = text(&f(reason, Area::Chest, "chest discomfort"));
            assert!(b.contains(CHEST_URGENT), "{reason:?}: {b}");
            assert!(b.ends_with(NOT_MEDICAL), "{b}");
            let (_, b) = text(&f(reason, Area::Neck, "neck discomfort"));
            assert!(!b.contains(CHEST_URGENT), "{reason:?}: {b}");
        }
    }

    #[test]
    fn every_message_gives_the_reason_who_can_help_and_the_note() {
        let (s, b) = text(&f(
            Reason::Recurrence,
            Area::UpperBack,
            "upper back discomfort logged on 5 of the last 14 days",
        ));
        assert_eq!(s, "Worth seeing someone about it");
        assert!(b.starts_with("Upper back discomfort logged on 5 of the last 14 days. A physical therapist, chiropractor or doctor"), "{b}");
        assert!(b.ends_with(NOT_MEDICAL));
        let (_, b) =
            text(&f(Reason::Worsening, Area::Eyes, "eyes discomfort rose from 3/10 to 6/10 over 5 days"));
        assert!(b.contains("An optometrist or doctor"), "{b}");
        let (s, b) =
            text(&f(Reason::WarningNow, Area::Neck, "chest pain or breathlessness with neck discomfort"));
        assert_eq!(s, "Please get medical help now");
        assert!(b.contains("emergency number") && b.contains("Stretches for the neck are paused"), "{b}");
        for reason in [
            Reason::Severe,
            Reason::Persistence,
            Reason::WarningToday,
            Reason::Episodes,
            Reason::Function,
            Reason::Numbness,
        ] {
            let (_, b) = text(&f(reason, Area::Neck, "neck discomfort"));
            assert!(b.ends_with(NOT_MEDICAL) && b.len() < 400, "{b}");
            assert!(!b.to_lowercase().contains("diagnos"), "{b}");
        }
    }
}
