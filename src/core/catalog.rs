//! Stretches and tips, and which one to suggest: rotating through what suits the reminder
//! kind, never repeating one too soon, never past an exercise's own cap.

use super::area::Area;
use super::care::Adapt;
use super::exclusion::Exclusion;
use super::kind::Kind;
use super::limits::{self, LimitRules, LimitState};
use super::symptom::Symptom;
use super::zone::Zone;
use chrono::{DateTime, Utc};
use std::cell::OnceCell;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: String,
    pub title: String,
    pub kinds: Vec<Kind>,
    pub areas: Vec<Area>,
    pub duration: Duration,
    pub steps: Vec<String>,
    pub cautions: Vec<String>,
    pub source: String,
    /// Upper-back self-mobilisation (the "pop"): capped by `limits.self_mobilisation`.
    pub self_mobilisation: bool,
    /// Not suggested while one of its areas has a recent report with one of these symptoms.
    pub avoid_with: Vec<Symptom>,
}

impl Entry {
    /// The notification body: the steps, then the cautions on a line of their own.
    pub fn body(&self) -> String {
        let mut body = self.steps.join(" ");
        if !self.cautions.is_empty() {
            body.push('\n');
            body.push_str(&self.cautions.join(" "));
        }
        body
    }

    /// Whether recent reports allow suggesting it at all.
    pub fn suits(&self, adapt: &Adapt) -> bool {
        let targets = |area: &Area| self.areas.contains(area);
        let popping_paused = self.self_mobilisation && adapt.no_self_mobilisation;
        let area_paused = adapt.paused.iter().any(targets);
        let cautioned =
            adapt.avoid.iter().any(|(area, symptom)| targets(area) && self.avoid_with.contains(symptom));
        !(popping_paused || area_paused || cautioned || self.excluded_by(&adapt.excluded))
    }

    /// Never suggested with these conditions (`care.exclusions`): the self-mobilisation with
    /// any of them, any entry whose cautions name one of them.
    pub fn excluded_by(&self, exclusions: &[Exclusion]) -> bool {
        (self.self_mobilisation && !exclusions.is_empty())
            || exclusions.iter().any(|x| self.cautions.iter().any(|c| x.named_in(c)))
    }
}

/// An entry `Catalog::choose` weighs: when it was last shown, and whether the limits allow it.
struct Candidate<'a> {
    entry: &'a Entry,
    last: Option<DateTime<Utc>>,
    allowed: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    pub entries: Vec<Entry>,
}

impl Catalog {
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }

    pub fn for_kind(&self, kind: Kind) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(move |e| e.kinds.contains(&kind))
    }

    /// The entry to suggest for a `kind` reminder at `now`: among those recent reports allow
    /// (`adapt`) and the limits allow, one for a recently reported area if there is one, else
    /// the one shown longest ago (never shown counts as oldest; ties keep catalogue order). If
    /// rotation rules out everything, the least recent one that no cap forbids is used, so a
    /// small user catalogue still gets reminders.
    pub fn choose(
        &self,
        kind: Kind,
        rules: &LimitRules,
        state: &LimitState,
        zone: &Zone,
        now: DateTime<Utc>,
        adapt: &Adapt,
    ) -> Option<&Entry> {
        // Each entry's last showing is looked up once, and the cap shared by every
        // self-mobilisation entry is checked at most once, into one list: this runs for every
        // reminder shown, and looking ids up in the rotation map was much of the planner's time.
        let cap_allows = OnceCell::new();
        let uncapped = |e: &Entry| {
            !e.self_mobilisation
                || *cap_allows
                    .get_or_init(|| limits::check_self_mobilisation(rules, state, zone, now).is_ok())
        };
        let repeats = limits::Repeats::at(rules, now);
        let mut suiting = Vec::with_capacity(self.entries.len());
        suiting.extend(self.for_kind(kind).filter(|e| e.suits(adapt)).map(|entry| {
            let last = state.last_by_entry.get(&entry.id).copied();
            let allowed = uncapped(entry) && repeats.allow(last);
            Candidate { entry, last, allowed }
        }));
        let allowed = || suiting.iter().filter(|c| c.allowed);
        let favoured = |c: &&Candidate| c.entry.areas.iter().any(|a| adapt.favoured.contains(a));
        let last = |c: &&Candidate| c.last;
        allowed()
            .filter(favoured)
            .min_by_key(last)
            .or_else(|| allowed().min_by_key(last))
            .or_else(|| suiting.iter().filter(|c| uncapped(c.entry)).min_by_key(last))
            .map(|c| c.entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::schedule::WeekHours;
    use chrono::{Duration as Delta, NaiveTime, TimeZone};
    use std::collections::BTreeMap;

    fn entry(id: &str, kinds: &[Kind], self_mobilisation: bool) -> Entry {
        Entry {
            id: id.into(),
            title: id.into(),
            kinds: kinds.to_vec(),
            areas: vec![Area::Neck],
            duration: Duration::from_secs(30),
            steps: vec!["Do it.".into()],
            cautions: vec![],
            source: "test".into(),
            self_mobilisation,
            avoid_with: Vec::new(),
        }
    }

    fn rules() -> LimitRules {
        LimitRules {
            max_per_hour: 10,
            max_per_day: 100,
            min_gap: Delta::minutes(1),
            quiet_hours: WeekHours::default(),
            day_starts: NaiveTime::from_hms_opt(4, 0, 0).unwrap(),
            cooldown: BTreeMap::new(),
            no_repeat_within: Delta::hours(2),
            self_mobilisation: limits::ExerciseCap { per_day: 2, min_gap: Delta::hours(3) },
        }
    }

    const UTC: Zone = Zone::Named(crate::core::zone::Tz::UTC);

    /// Shows a `kind` reminder every `step` minutes from 08:00 and returns the chosen ids.
    fn run(catalog: &Catalog, kind: Kind, step: i64, count: usize) -> Vec<String> {
        let r = rules();
        let mut state = LimitState::default();
        let start = Utc.with_ymd_and_hms(2026, 2, 2, 8, 0, 0).unwrap();
        (0..count)
            .map(|i| {
                let now = start + Delta::minutes(step * i as i64);
                let e = catalog.choose(kind, &r, &state, &UTC, now, &Adapt::default()).unwrap();
                state.record(kind, Some(&e.id), e.self_mobilisation, now);
                e.id.clone()
            })
            .collect()
    }

    #[test]
    fn rotates_through_every_entry_of_the_kind_before_repeating() {
        let c = Catalog {
            entries: vec![
                entry("a", &[Kind::Stretch], false),
                entry("tip", &[Kind::Posture], false),
                entry("b", &[Kind::Stretch, Kind::Movement], false),
                entry("c", &[Kind::Stretch], false),
            ],
        };
        assert_eq!(run(&c, Kind::Stretch, 60, 6), ["a", "b", "c", "a", "b", "c"]);
    }

    #[test]
    fn a_small_catalogue_repeats_rather_than_going_silent() {
        let c = Catalog { entries: vec![entry("only", &[Kind::Posture], false)] };
        assert_eq!(run(&c, Kind::Posture, 30, 3), ["only", "only", "only"]);
    }

    #[test]
    fn self_mobilisation_respects_its_cap_even_when_nothing_else_is_left() {
        let c = Catalog {
            entries: vec![entry("pop", &[Kind::Stretch], true), entry("a", &[Kind::Stretch], false)],
        };
        let ids = run(&c, Kind::Stretch, 60, 12);
        let pops: Vec<usize> =
            ids.iter().enumerate().filter(|(_, id)| *id == "pop").map(|(i, _)| i).collect();
        // 08:00 and then not before 11:00 (3 h), and at most twice per day.
        assert_eq!(pops, vec![0, 3]);
    }

    #[test]
    fn recent_reports_steer_the_choice() {
        let mut neck_turn = entry("neck-turn", &[Kind::Stretch], false);
        neck_turn.avoid_with = vec![Symptom::Tingling];
        let mut wrist = entry("wrist", &[Kind::Stretch], false);
        wrist.areas = vec![Area::Wrists];
        let mut pop = entry("pop", &[Kind::Stretch], true);
        pop.areas = vec![Area::UpperBack];
        let c = Catalog { entries: vec![neck_turn, pop, wrist] };
        let (r, state, now) =
            (rules(), LimitState::default(), Utc.with_ymd_and_hms(2026, 2, 2, 9, 0, 0).unwrap());
        let pick =
            |adapt: &Adapt| c.choose(Kind::Stretch, &r, &state, &UTC, now, adapt).map(|e| e.id.clone());
        assert_eq!(pick(&Adapt::default()).as_deref(), Some("neck-turn"));
        let favour_wrists = Adapt { favoured: vec![Area::Wrists], ..Default::default() };
        assert_eq!(pick(&favour_wrists).as_deref(), Some("wrist"));
        let tingling = Adapt { avoid: vec![(Area::Neck, Symptom::Tingling)], ..Default::default() };
        assert_eq!(pick(&tingling).as_deref(), Some("pop"));
        let no_pop = Adapt { no_self_mobilisation: true, ..tingling.clone() };
        assert_eq!(pick(&no_pop).as_deref(), Some("wrist"));
        let everything_paused = Adapt { paused: vec![Area::Wrists], ..no_pop };
        assert_eq!(pick(&everything_paused), None, "nothing suits: the planner falls back to a plain cue");
    }

    /// Stretch reminders every 30 minutes from 08:00 to 20:00 for `days` simulated days, with
    /// `care` in the `[care]` table: the ids of the entries suggested.
    fn suggested(care: &str, days: i64) -> Vec<String> {
        use crate::config::{Source, from_sources};
        use crate::core::PlannerState;
        use crate::core::engine::{Engine, Planned, simulate};
        let mut text = String::from("timezone = \"UTC\"\n[hours]\n");
        for d in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] {
            text += &format!("{d} = [\"08:00-20:00\"]\n");
        }
        text += "[reminders.stretch]\ninterval = \"30m\"\ncooldown = \"0s\"\n\
                 [reminders.posture]\nenabled = false\n[reminders.movement]\nenabled = false\n\
                 [limits]\nmin_gap = \"1m\"\nmax_per_hour = 60\nmax_per_day = 200\nquiet_hours = []\n\
                 [care]\n";
        text += care;
        let source = Source { path: "test.toml".into(), text };
        let settings = from_sources(Some(source), None, |_| Ok(None)).unwrap_or_else(|e| panic!("{e}"));
        let settings = crate::daemon::engine_settings(&settings);
        let mut engine = Engine::new(settings, PlannerState::default(), Vec::new(), (0, 0));
        let from = Utc.with_ymd_and_hms(2026, 6, 1, 7, 0, 0).unwrap();
        let planned = simulate(&mut engine, from, Delta::days(days));
        planned
            .into_iter()
            .filter_map(|p| match p {
                Planned::Reminder(r) => r.entry,
                _ => None,
            })
            .collect()
    }

    #[test]
    fn exclusions_keep_the_self_mobilisation_and_every_entry_whose_cautions_name_them_away() {
        let count = |ids: &[String], id: &str| ids.iter().filter(|i| *i == id).count();
        let all = suggested("", 7);
        for id in ["seated-upper-back-extension", "foam-roller-upper-back", "seated-thoracic-rotation"] {
            assert!(count(&all, id) > 0, "{id} is suggested without exclusions: {all:?}");
        }
        let osteoporosis = suggested("exclusions = [\"osteoporosis\"]\n", 14);
        assert_eq!(count(&osteoporosis, "seated-upper-back-extension"), 0, "{osteoporosis:?}");
        assert_eq!(count(&osteoporosis, "foam-roller-upper-back"), 0, "its cautions name osteoporosis");
        assert!(count(&osteoporosis, "seated-thoracic-rotation") > 0, "its cautions name an injury only");
        let injury = suggested("exclusions = [\"spinal-injury\"]\n", 14);
        for id in ["seated-upper-back-extension", "foam-roller-upper-back", "seated-thoracic-rotation"] {
            assert_eq!(count(&injury, id), 0, "{id}: {injury:?}");
        }
        // Inflammatory spinal arthritis: no built-in caution names it; the self-mobilisation
        // is still never suggested.
        let arthritis = suggested("exclusions = [\"spinal-arthritis\"]\n", 14);
        assert_eq!(count(&arthritis, "seated-upper-back-extension"), 0, "{arthritis:?}");
        assert!(count(&arthritis, "foam-roller-upper-back") > 0);
        let none = suggested("exclusions = []\n", 7);
        assert_eq!(none, all, "an empty list changes nothing");
    }
}
