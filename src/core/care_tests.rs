use super::*;
use chrono::TimeZone;

const UTC: Zone = Zone::Named(crate::core::zone::Tz::UTC);

fn day(d: i64, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, hour, 0, 0).unwrap() + Duration::days(d)
}

fn report(id: i64, at: DateTime<Utc>, area: Area, severity: u8) -> Logged {
    Logged { id, at, logged_at: at, area, severity, symptoms: Vec::new() }
}

/// One report per listed day at 10:00, in `area`, with the given severities.
fn series(area: Area, days_and_severities: &[(i64, u8)]) -> Vec<Logged> {
    days_and_severities
        .iter()
        .enumerate()
        .map(|(i, (d, s))| report(i as i64 + 1, day(*d, 10), area, *s))
        .collect()
}

fn reasons(reports: &[Logged], now: DateTime<Utc>) -> Vec<(Area, Reason)> {
    assess(&CareRules::default(), reports, &UTC, now).iter().map(|f| (f.area, f.reason)).collect()
}

#[test]
fn recurrence_fires_at_five_days_in_fourteen_not_at_four() {
    let four = series(Area::UpperBack, &[(0, 3), (2, 3), (4, 3), (6, 3)]);
    assert_eq!(reasons(&four, day(6, 12)), []);
    let five = series(Area::UpperBack, &[(0, 3), (2, 3), (4, 3), (6, 3), (8, 3)]);
    let found = assess(&CareRules::default(), &five, &UTC, day(8, 12));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].reason, Reason::Recurrence);
    assert_eq!(found[0].why, "upper back discomfort logged on 5 of the last 14 days");
    // Above the threshold as well; and once the first day leaves the window, below again.
    let six = series(Area::UpperBack, &[(0, 3), (2, 3), (4, 3), (6, 3), (8, 3), (9, 3)]);
    assert_eq!(reasons(&six, day(9, 12)), [(Area::UpperBack, Reason::Recurrence)]);
    assert_eq!(reasons(&five, day(14, 11)), []);
}

#[test]
fn recurrence_counts_days_not_taps_and_ignores_reports_below_the_counting_severity() {
    let mut taps = series(Area::Neck, &[(0, 3), (0, 3), (0, 3), (1, 3), (1, 3), (2, 3), (3, 3)]);
    assert_eq!(reasons(&taps, day(3, 12)), [], "7 reports on 4 days");
    taps.push(report(99, day(4, 9), Area::Neck, 1));
    assert_eq!(reasons(&taps, day(4, 12)), [], "a 1/10 does not count");
    taps.push(report(100, day(4, 11), Area::Neck, 2));
    assert_eq!(reasons(&taps, day(4, 12)), [(Area::Neck, Reason::Recurrence)]);
}

#[test]
fn worsening_needs_a_two_point_rise_over_three_reports() {
    let one_point = series(Area::Neck, &[(0, 3), (3, 3), (6, 4)]);
    assert_eq!(reasons(&one_point, day(6, 12)), []);
    let two_points = series(Area::Neck, &[(0, 3), (3, 3), (6, 5)]);
    let found = assess(&CareRules::default(), &two_points, &UTC, day(6, 12));
    assert_eq!(found[0].reason, Reason::Worsening);
    assert_eq!(found[0].why, "neck discomfort rose from 3/10 to 5/10 over 6 days");
    let three_points = series(Area::Neck, &[(0, 3), (3, 3), (6, 6)]);
    assert_eq!(reasons(&three_points, day(6, 12)), [(Area::Neck, Reason::Worsening)]);
    let two_reports = series(Area::Neck, &[(0, 3), (6, 6)]);
    assert_eq!(reasons(&two_reports, day(6, 12)), []);
    let outside_window = series(Area::Neck, &[(0, 3), (10, 3), (15, 5)]);
    assert_eq!(reasons(&outside_window, day(15, 12)), [], "the 3 from day 0 left the 14-day window");
}

#[test]
fn worsening_counts_only_reports_at_or_above_the_counting_severity() {
    // Issue 10, item 1: every report of the series must count, not just the latest.
    for below in [[0, 0, 2], [0, 1, 2], [1, 1, 3], [1, 3, 3], [1, 2, 4]] {
        let r = series(Area::Neck, &[(0, below[0]), (3, below[1]), (6, below[2])]);
        assert_eq!(reasons(&r, day(6, 12)), [], "{below:?}: a report below 2/10 is not part of the series");
    }
    // At the counting severity: 2 → 2 → 4 is a rise of 2 over three counted reports.
    let at = series(Area::Neck, &[(0, 2), (3, 2), (6, 4)]);
    let found = assess(&CareRules::default(), &at, &UTC, day(6, 12));
    assert_eq!(found[0].reason, Reason::Worsening);
    assert_eq!(found[0].why, "neck discomfort rose from 2/10 to 4/10 over 6 days");
    // An uncounted report before three counted ones is left out, not taken as the start.
    let lead = series(Area::Neck, &[(0, 1), (2, 2), (4, 3), (6, 4)]);
    let found = assess(&CareRules::default(), &lead, &UTC, day(6, 12));
    assert_eq!(found[0].why, "neck discomfort rose from 2/10 to 4/10 over 4 days");
    // With a higher counting severity the same series is below it.
    let rules = CareRules { counts_from: 3, ..CareRules::default() };
    assert!(assess(&rules, &at, &UTC, day(6, 12)).is_empty());
    let three = series(Area::Neck, &[(0, 3), (3, 3), (6, 5)]);
    assert_eq!(assess(&rules, &three, &UTC, day(6, 12))[0].reason, Reason::Worsening);
}

#[test]
fn persistence_needs_four_weeks_without_easing() {
    let weekly = |last_day: i64, last: u8| {
        let mut d: Vec<(i64, u8)> = (0..last_day).step_by(7).map(|d| (d, 3)).collect();
        d.push((last_day, last));
        series(Area::Shoulders, &d)
    };
    assert_eq!(reasons(&weekly(27, 3), day(27, 12)), [], "a day short of four weeks");
    let found = assess(&CareRules::default(), &weekly(29, 3), &UTC, day(29, 12));
    assert_eq!(found[0].reason, Reason::Persistence);
    assert_eq!(found[0].why, "shoulder discomfort logged across 4 weeks and 1 day without easing");
    assert_eq!(reasons(&weekly(35, 3), day(35, 12)), [(Area::Shoulders, Reason::Persistence)]);
    // Easing by the meaningful step (3 → 1 is below counting; use 5 → 3) ends it.
    let eased = series(Area::Shoulders, &[(0, 5), (10, 4), (20, 4), (35, 3)]);
    assert_eq!(reasons(&eased, day(35, 12)), []);
    // A month-long gap splits episodes.
    let split = series(Area::Shoulders, &[(0, 3), (31, 3), (40, 3)]);
    assert_eq!(reasons(&split, day(40, 12)), []);
}

#[test]
fn severity_fires_at_seven_not_six_and_only_while_fresh() {
    assert_eq!(reasons(&series(Area::LowerBack, &[(0, 6)]), day(0, 12)), []);
    assert_eq!(reasons(&series(Area::LowerBack, &[(0, 7)]), day(0, 12)), [(Area::LowerBack, Reason::Severe)]);
    assert_eq!(reasons(&series(Area::LowerBack, &[(0, 8)]), day(0, 12)), [(Area::LowerBack, Reason::Severe)]);
    assert_eq!(reasons(&series(Area::LowerBack, &[(0, 8)]), day(2, 11)), []);
}

#[test]
fn the_strongest_routine_reason_wins_per_area() {
    let r = series(Area::Neck, &[(0, 3), (2, 3), (4, 4), (6, 5), (8, 8)]);
    assert_eq!(reasons(&r, day(8, 12)), [(Area::Neck, Reason::Worsening)]);
}

#[test]
fn warning_signs_give_advice_at_once_in_two_tiers() {
    let mut chest = report(7, day(0, 10), Area::UpperBack, 2);
    chest.symptoms = vec![Symptom::Tingling, Symptom::Chest];
    let mut fever = report(8, day(0, 11), Area::Neck, 1);
    fever.symptoms = vec![Symptom::Fever];
    let found = assess(&CareRules::default(), &[chest, fever], &UTC, day(0, 12));
    let warnings: Vec<(i64, Reason, &str)> =
        found.iter().map(|f| (f.report, f.reason, f.why.as_str())).collect();
    assert_eq!(
        warnings,
        [
            (
                7,
                Reason::WarningNow,
                "numbness or tingling and chest pain or breathlessness with upper back discomfort"
            ),
            (8, Reason::WarningToday, "fever with neck discomfort"),
        ]
    );
}

#[test]
fn warning_signs_pass_every_limit_once_per_report() {
    let rules = CareRules::default();
    let mut r = report(3, day(0, 10), Area::Neck, 4);
    r.symptoms = vec![Symptom::Headache];
    let mut state = CareState::default();
    // Booked, told "later" and just advised: none of it quiets a warning sign.
    state.booked(&rules, Area::Neck, day(0, 9));
    state.later(&rules, Area::Neck, day(0, 9));
    state.given.insert(Area::Neck, (day(0, 9), Reason::Persistence));
    let found = assess(&rules, &[r.clone()], &UTC, day(0, 10));
    let due = state.due(&rules, &found, day(0, 10));
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].reason, Reason::WarningNow);
    state.gave(&due[0], day(0, 10));
    assert!(state.due(&rules, &found, day(0, 11)).is_empty(), "shown once per report");
    let mut again = r;
    again.id = 4;
    again.at = day(0, 11);
    let found = assess(&rules, &[again], &UTC, day(0, 11));
    assert_eq!(state.due(&rules, &found, day(0, 11)).len(), 1, "a new report with a sign is new advice");
}

#[test]
fn routine_advice_is_rate_limited_unless_it_gets_stronger() {
    let rules = CareRules::default();
    let mut state = CareState::default();
    let severe = assess(&rules, &series(Area::Neck, &[(0, 7)]), &UTC, day(0, 12));
    assert_eq!(state.due(&rules, &severe, day(0, 12)).len(), 1);
    state.gave(&severe[0], day(0, 12));
    let again = assess(&rules, &series(Area::Neck, &[(0, 7), (1, 6)]), &UTC, day(1, 12));
    assert_eq!(state.due(&rules, &again, day(1, 12)), [], "same reason within 7 days");
    let worse = series(Area::Neck, &[(0, 3), (1, 3), (2, 7)]);
    let worse = assess(&rules, &worse, &UTC, day(2, 12));
    assert_eq!(worse[0].reason, Reason::Worsening);
    assert_eq!(state.due(&rules, &worse, day(2, 12)).len(), 1, "a stronger reason escalates");
    assert_eq!(state.next_change(&rules, day(1, 12)), Some(day(7, 12)));
    assert_eq!(state.due(&rules, &again, day(7, 12)).len(), 1, "after 7 days it may come back");
}

#[test]
fn booked_quiets_that_area_only_and_later_brings_it_back_after_a_day() {
    let rules = CareRules::default();
    let mut state = CareState::default();
    let mut reports = series(Area::Neck, &[(0, 8)]);
    reports.push(report(50, day(0, 11), Area::Wrists, 8));
    let found = assess(&rules, &reports, &UTC, day(0, 12));
    assert_eq!(found.len(), 2);
    state.booked(&rules, Area::Neck, day(0, 12));
    let due: Vec<Area> = state.due(&rules, &found, day(0, 12)).iter().map(|f| f.area).collect();
    assert_eq!(due, [Area::Wrists]);
    assert_eq!(found[0].area, Area::Neck);
    assert!(state.due(&rules, &found[..1], day(27, 12)).is_empty(), "quiet for 28 days");
    assert_eq!(state.due(&rules, &found[..1], day(28, 12)).len(), 1);

    let mut state = CareState::default();
    state.gave(&found[1], day(0, 12));
    state.later(&rules, Area::Wrists, day(0, 12));
    assert!(state.due(&rules, &found[1..], day(0, 20)).is_empty());
    assert_eq!(state.due(&rules, &found[1..], day(1, 12)).len(), 1);
}

#[test]
fn suggestions_adapt_to_recent_reports() {
    let rules = CareRules::default();
    let mut tingling = report(1, day(0, 10), Area::Neck, 4);
    tingling.symptoms = vec![Symptom::Tingling];
    let reports =
        [report(2, day(0, 9), Area::Wrists, 3), tingling, report(3, day(0, 11), Area::UpperBack, 1)];
    let a = adapt(&rules, &reports, day(1, 9));
    assert_eq!(a.favoured, [Area::Neck, Area::Wrists], "most recent first; a 1/10 does not count");
    assert_eq!(a.avoid, [(Area::Neck, Symptom::Tingling)]);
    assert_eq!(a.paused, [Area::Neck]);
    assert!(a.no_self_mobilisation, "any warning sign pauses self-mobilisation");
    let later = adapt(&rules, &reports, day(3, 9));
    assert_eq!(later.paused, [], "the warning pause is 48 hours");
    assert!(!later.no_self_mobilisation);
    assert_eq!(later.avoid, [(Area::Neck, Symptom::Tingling)], "cautions still apply for a week");
    let severe_back = adapt(&rules, &[report(1, day(0, 9), Area::UpperBack, 7)], day(2, 9));
    assert!(severe_back.no_self_mobilisation);
    let moderate_back = adapt(&rules, &[report(1, day(0, 9), Area::UpperBack, 6)], day(2, 9));
    assert!(!moderate_back.no_self_mobilisation);
    assert_eq!(adapt(&rules, &reports, day(8, 9)), Adapt::default(), "a week later, back to normal");
}

#[test]
fn a_warning_sign_replaces_routine_advice_for_its_area_but_not_others() {
    let mut chest = report(1, day(0, 10), Area::Neck, 8);
    chest.symptoms = vec![Symptom::Chest];
    let reports = [chest, report(2, day(0, 11), Area::Wrists, 8)];
    assert_eq!(
        reasons(&reports, day(0, 12)),
        [(Area::Neck, Reason::WarningNow), (Area::Wrists, Reason::Severe)],
        "no 'go gently, see someone if it lasts' beside 'get help now'"
    );
}

#[test]
fn a_backdated_warning_sign_or_severe_report_is_news_when_it_is_logged() {
    let mut r = report(1, day(0, 10), Area::UpperBack, 8);
    r.symptoms = vec![Symptom::Tingling];
    r.logged_at = day(5, 9);
    assert_eq!(reasons(&[r.clone()], day(5, 9)), [(Area::UpperBack, Reason::WarningToday)]);
    assert_eq!(reasons(&[r.clone()], day(7, 10)), [], "48 hours after it was logged");
    r.symptoms.clear();
    assert_eq!(reasons(&[r], day(5, 9)), [(Area::UpperBack, Reason::Severe)]);
}

#[test]
fn a_headache_is_urgent_with_neck_pain_and_a_doctor_today_with_sore_eyes() {
    let mut neck = report(1, day(0, 10), Area::Neck, 4);
    neck.symptoms = vec![Symptom::Headache];
    let mut eyes = report(2, day(0, 10), Area::Eyes, 4);
    eyes.symptoms = vec![Symptom::Headache];
    assert_eq!(
        reasons(&[neck, eyes], day(0, 11)),
        [(Area::Neck, Reason::WarningNow), (Area::Eyes, Reason::WarningToday)]
    );
}

#[test]
fn a_long_warning_pause_keeps_the_area_paused_past_the_adapt_week() {
    let rules = CareRules { warning_pause: Duration::days(10), ..CareRules::default() };
    let mut r = report(1, day(0, 10), Area::Neck, 4);
    r.symptoms = vec![Symptom::Fever];
    assert_eq!(adapt(&rules, &[r.clone()], day(9, 10)).paused, [Area::Neck]);
    assert_eq!(adapt(&rules, &[r], day(10, 11)).paused, []);
}

#[test]
fn severe_chest_discomfort_is_a_warning_sign_at_the_severe_threshold_not_below() {
    // Issue 10, item 3: chest pain can come from the heart (shared/care.md §1.1, §1.3).
    assert_eq!(reasons(&series(Area::Chest, &[(0, 6)]), day(0, 12)), []);
    for at_or_above in [7, 8, 10] {
        let found =
            assess(&CareRules::default(), &series(Area::Chest, &[(0, at_or_above)]), &UTC, day(0, 12));
        assert_eq!(found.len(), 1, "{at_or_above}");
        assert_eq!(found[0].reason, Reason::WarningNow, "{at_or_above}");
        assert_eq!(found[0].why, format!("chest discomfort at {at_or_above}/10"));
    }
    // It follows `care.severe`.
    let rules = CareRules { severe: 8, ..CareRules::default() };
    assert!(assess(&rules, &series(Area::Chest, &[(0, 7)]), &UTC, day(0, 12)).is_empty());
    // Elsewhere a 7/10 stays routine advice.
    assert_eq!(reasons(&series(Area::Neck, &[(0, 7)]), day(0, 12)), [(Area::Neck, Reason::Severe)]);
    // Like any warning sign, it pauses stretches for the area and the self-mobilisation.
    let a = adapt(&CareRules::default(), &series(Area::Chest, &[(0, 7)]), day(1, 9));
    assert_eq!(a.paused, [Area::Chest]);
    assert!(a.no_self_mobilisation);
    let a = adapt(&CareRules::default(), &series(Area::Chest, &[(0, 6)]), day(1, 9));
    assert_eq!(a.paused, []);
}

#[test]
fn no_stretch_is_chosen_for_a_chest_pain_report() {
    let reports = [report(1, day(0, 9), Area::Chest, 5), report(2, day(0, 10), Area::Neck, 3)];
    let a = adapt(&CareRules::default(), &reports, day(0, 12));
    assert_eq!(a.favoured, [Area::Neck], "chest reports never steer stretches towards the chest");
}

fn new_york() -> Zone {
    Zone::Named(crate::adapters::zoneinfo::load("America/New_York").expect("tzdata is installed"))
}

/// `hour`:00 New York time on 2026-02-10 + `d` days (EST, UTC-5, until 8 March).
fn ny(d: i64, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 2, 10, hour, 0, 0).unwrap() + Duration::hours(5) + Duration::days(d)
}

fn ny_series(area: Area, days_hours_severities: &[(i64, u32, u8)]) -> Vec<Logged> {
    days_hours_severities
        .iter()
        .enumerate()
        .map(|(i, (d, h, s))| report(i as i64 + 1, ny(*d, *h), area, *s))
        .collect()
}

#[test]
fn windows_count_calendar_days_in_the_configured_zone() {
    // Issue 10, item 4. Five days at 22:00; on day 14 at 20:00 the first is less than 14 × 24 h
    // back but 15 calendar dates back: outside "the last 14 days".
    let rules = CareRules::default();
    let five = ny_series(Area::Neck, &[(0, 22, 3), (3, 22, 3), (6, 22, 3), (9, 22, 3), (12, 22, 3)]);
    assert!(assess(&rules, &five, &new_york(), ny(14, 20)).is_empty());
    // On day 13 every one of them is within the last 14 calendar dates, even at 08:00.
    let found = assess(&rules, &five, &new_york(), ny(13, 8));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].why, "neck discomfort logged on 5 of the last 14 days");
    // Reports are counted on their local date, not the UTC one: 20:00 and 10:00 the next
    // morning are two dates in New York, one in UTC.
    let evenings = ny_series(Area::Neck, &[(0, 20, 3), (1, 10, 3), (4, 12, 3), (6, 12, 3), (8, 12, 3)]);
    assert_eq!(assess(&rules, &evenings, &new_york(), ny(9, 12)).len(), 1);
    assert!(assess(&rules, &evenings, &UTC, ny(9, 12)).is_empty(), "in UTC two of them share a date");
    // Worsening: the 3/10 from 14 calendar dates back is out of the window.
    let w = ny_series(Area::Neck, &[(0, 22, 3), (10, 9, 4), (11, 9, 4), (14, 9, 5)]);
    assert!(assess(&rules, &w, &new_york(), ny(14, 20)).is_empty());
    let w = ny_series(Area::Neck, &[(1, 22, 3), (10, 9, 4), (11, 9, 4), (14, 9, 5)]);
    assert_eq!(assess(&rules, &w, &new_york(), ny(14, 20))[0].reason, Reason::Worsening);
}

#[test]
fn spans_are_said_in_honest_words() {
    let rules = CareRules::default();
    let hours = ny_series(Area::Neck, &[(0, 9, 3), (0, 10, 4), (0, 11, 5)]);
    let found = assess(&rules, &hours, &new_york(), ny(0, 12));
    assert_eq!(found[0].why, "neck discomfort rose from 3/10 to 5/10 within a day");
    let overnight = ny_series(Area::Neck, &[(0, 22, 3), (0, 23, 4), (1, 7, 5)]);
    let found = assess(&rules, &overnight, &new_york(), ny(1, 8));
    assert_eq!(found[0].why, "neck discomfort rose from 3/10 to 5/10 from one day to the next");
    let week = ny_series(Area::Neck, &[(0, 9, 3), (3, 9, 4), (7, 9, 5)]);
    let found = assess(&rules, &week, &new_york(), ny(7, 12));
    assert_eq!(found[0].why, "neck discomfort rose from 3/10 to 5/10 over 7 days");
}

#[test]
fn p1_recurrence_does_not_fire_when_the_series_eased_by_the_meaningful_step() {
    // Issue 10, item 5, P1: 6 → 5 → 4 → 3 → 2 is getting better.
    let eased = series(Area::Neck, &[(0, 6), (2, 5), (4, 4), (6, 3), (8, 2)]);
    assert_eq!(reasons(&eased, day(8, 12)), []);
    // A fall of 1 (below the step) is not easing.
    let one = series(Area::Neck, &[(0, 4), (2, 4), (4, 4), (6, 3), (8, 3)]);
    assert_eq!(reasons(&one, day(8, 12)), [(Area::Neck, Reason::Recurrence)]);
    // A fall of exactly 2 is; a fall of 3 too.
    let two = series(Area::Neck, &[(0, 5), (2, 4), (4, 4), (6, 3), (8, 3)]);
    assert_eq!(reasons(&two, day(8, 12)), []);
    let three = series(Area::Neck, &[(0, 6), (2, 4), (4, 4), (6, 3), (8, 3)]);
    assert_eq!(reasons(&three, day(8, 12)), []);
}

#[test]
fn p2_persistence_fires_at_28_days_not_27() {
    let weekly = |last_day: i64| {
        let mut d: Vec<(i64, u8)> = (0..last_day).step_by(7).map(|d| (d, 3)).collect();
        d.push((last_day, 3));
        series(Area::Shoulders, &d)
    };
    assert_eq!(reasons(&weekly(27), day(27, 12)), []);
    let found = assess(&CareRules::default(), &weekly(28), &UTC, day(28, 12));
    assert_eq!(found[0].reason, Reason::Persistence);
    assert_eq!(found[0].why, "shoulder discomfort logged across 4 weeks without easing");
    let found = assess(&CareRules::default(), &weekly(30), &UTC, day(30, 12));
    assert_eq!(found[0].why, "shoulder discomfort logged across 4 weeks and 2 days without easing");
}

#[test]
fn s2_two_severe_reports_within_7_days_recommend_booking() {
    let two = series(Area::LowerBack, &[(0, 7), (6, 7)]);
    let found = assess(&CareRules::default(), &two, &UTC, day(6, 12));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].reason, Reason::SevereRepeat);
    assert_eq!(found[0].why, "lower back discomfort logged at 7/10 or more 2 times within 7 days");
    // Eight calendar days apart: just a severe report.
    let apart = series(Area::LowerBack, &[(0, 7), (7, 7)]);
    assert_eq!(reasons(&apart, day(7, 12)), [(Area::LowerBack, Reason::Severe)]);
    // One of them below the threshold: just severe.
    let below = series(Area::LowerBack, &[(0, 6), (6, 7)]);
    assert_eq!(reasons(&below, day(6, 12)), [(Area::LowerBack, Reason::Severe)]);
    // Stronger than one severe report, so it passes the repeat limit of the first.
    assert!(Reason::SevereRepeat > Reason::Severe);
}

fn with(mut r: Logged, symptoms: &[Symptom]) -> Logged {
    r.symptoms = symptoms.to_vec();
    r
}

#[test]
fn f1_discomfort_that_disturbs_sleep_or_stops_activities_recommends_booking() {
    // Issue 10, item 5, F1 (shared/care.md §1.3: T2, suggest booking).
    for s in [Symptom::Sleep, Symptom::Activities] {
        let r = with(report(1, day(0, 10), Area::LowerBack, 4), &[s]);
        let found = assess(&CareRules::default(), std::slice::from_ref(&r), &UTC, day(0, 12));
        assert_eq!(found.len(), 1, "{s:?}");
        assert_eq!(found[0].reason, Reason::Function);
        assert!(Reason::Function > Reason::SevereRepeat);
        assert!(!found[0].reason.is_warning(), "a function symptom is not a warning sign");
        // At the counting severity it counts; below it the report is too mild to count.
        let at = with(report(1, day(0, 10), Area::LowerBack, 2), &[s]);
        assert_eq!(reasons(&[at], day(0, 12)), [(Area::LowerBack, Reason::Function)]);
        let below = with(report(1, day(0, 10), Area::LowerBack, 1), &[s]);
        assert_eq!(reasons(&[below], day(0, 12)), []);
        // It holds for 7 calendar days after it was logged: the 7th date yes, the 8th no.
        assert_eq!(reasons(std::slice::from_ref(&r), day(6, 23)), [(Area::LowerBack, Reason::Function)]);
        assert_eq!(reasons(&[r], day(7, 0)), []);
    }
    let both = with(report(1, day(0, 10), Area::Neck, 5), &[Symptom::Sleep, Symptom::Activities]);
    let found = assess(&CareRules::default(), &[both], &UTC, day(0, 12));
    assert_eq!(found[0].why, "neck discomfort that disturbs sleep and stopped normal activities");
    assert_eq!(Symptom::Sleep.urgency_in(Area::Neck), None);
}

#[test]
fn rc1_three_episodes_in_twelve_months_suggest_a_prevention_plan() {
    // Issue 10, item 5, RC1: episodes are counted reports separated by 30 or more report-free
    // days (31 dates apart); three within 12 months.
    let two_gaps = |gap: i64| series(Area::LowerBack, &[(0, 3), (2, 3), (2 + gap, 3), (2 + 2 * gap, 4)]);
    let found = assess(&CareRules::default(), &two_gaps(31), &UTC, day(64, 12));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].reason, Reason::Episodes);
    assert_eq!(found[0].why, "lower back discomfort came back: 3 separate episodes in the last 12 months");
    // 30 dates apart is only 29 report-free days: one episode goes on (and on: persistence).
    assert_eq!(reasons(&two_gaps(30), day(62, 12)), [(Area::LowerBack, Reason::Persistence)]);
    // Above: a fourth episode.
    let four = series(Area::LowerBack, &[(0, 3), (40, 3), (80, 3), (120, 3)]);
    let found = assess(&CareRules::default(), &four, &UTC, day(120, 12));
    assert_eq!(found[0].reason, Reason::Episodes);
    assert!(found[0].why.contains("4 separate episodes"), "{}", found[0].why);
    // Reports below the counting severity are not part of an episode.
    let mild = series(Area::LowerBack, &[(0, 3), (40, 1), (80, 3)]);
    assert_eq!(reasons(&mild, day(80, 12)), []);
    // The first episode more than 12 months back does not count (365 dates).
    let old = series(Area::LowerBack, &[(0, 3), (200, 3), (400, 3)]);
    assert_eq!(reasons(&old, day(400, 12)), []);
    let in_year = series(Area::LowerBack, &[(36, 3), (200, 3), (400, 3)]);
    assert_eq!(reasons(&in_year, day(400, 12)), [(Area::LowerBack, Reason::Episodes)]);
    // Only while the latest episode is recent (its last report in the last 14 days).
    assert_eq!(reasons(&four, day(133, 12)), [(Area::LowerBack, Reason::Episodes)]);
    assert_eq!(reasons(&four, day(134, 12)), []);
    // Configurable count.
    let rules = CareRules { episodes: 4, ..CareRules::default() };
    assert!(assess(&rules, &two_gaps(31), &UTC, day(64, 12)).is_empty());
}

#[test]
fn persistence_splits_episodes_on_30_report_free_days_as_rc1_does() {
    // 30 dates apart: 29 report-free days, the same episode.
    let same = series(Area::Shoulders, &[(0, 3), (30, 3)]);
    assert_eq!(reasons(&same, day(30, 12)), [(Area::Shoulders, Reason::Persistence)]);
    let split = series(Area::Shoulders, &[(0, 3), (31, 3)]);
    assert_eq!(reasons(&split, day(31, 12)), []);
}

#[test]
fn eyes_point_to_an_optometrist_and_a_sudden_vision_change_is_a_warning_sign() {
    // shared/care.md §2.2: persistent eye symptoms (P1 logic), any sudden vision change.
    let eyes = series(Area::Eyes, &[(0, 3), (2, 3), (4, 3), (6, 3), (8, 3)]);
    let found = assess(&CareRules::default(), &eyes, &UTC, day(8, 12));
    assert_eq!(found[0].reason, Reason::Recurrence);
    assert_eq!(Symptom::Vision.urgency_in(Area::Eyes), Some(Urgency::Today));
    // With neck pain, a change in vision is one of the signs that do not wait.
    assert_eq!(Symptom::Vision.urgency_in(Area::Neck), Some(Urgency::Now));
    let v = with(report(1, day(0, 10), Area::Eyes, 2), &[Symptom::Vision]);
    assert_eq!(reasons(&[v], day(0, 11)), [(Area::Eyes, Reason::WarningToday)]);
}

#[test]
fn wrist_numbness_lasting_two_weeks_or_waking_at_night_points_to_a_doctor_or_pt() {
    // shared/care.md §2.2 (wrists): numbness or tingling lasting more than a couple of weeks,
    // or night waking with hand numbness. Not a same-day warning sign in the wrists.
    let tingle = |d: i64, id: i64| with(report(id, day(d, 10), Area::Wrists, 2), &[Symptom::Tingling]);
    assert_eq!(Symptom::Tingling.urgency_in(Area::Wrists), None);
    assert_eq!(reasons(&[tingle(0, 1)], day(0, 12)), [], "one report: not yet");
    assert_eq!(reasons(&[tingle(0, 1), tingle(13, 2)], day(13, 12)), [], "13 days");
    let found = assess(&CareRules::default(), &[tingle(0, 1), tingle(14, 2)], &UTC, day(14, 12));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].reason, Reason::Numbness);
    assert_eq!(found[0].why, "wrist numbness or tingling logged across 2 weeks");
    assert_eq!(reasons(&[tingle(0, 1), tingle(15, 2)], day(15, 12)), [(Area::Wrists, Reason::Numbness)]);
    // Waking at night with it: at once, not a warning sign there.
    let night = with(report(1, day(0, 10), Area::Wrists, 3), &[Symptom::Tingling, Symptom::Night]);
    let found = assess(&CareRules::default(), &[night], &UTC, day(0, 12));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].reason, Reason::Numbness);
    assert_eq!(found[0].why, "wrist numbness or tingling that wakes you at night");
    // Elsewhere tingling is still a doctor today.
    assert_eq!(
        reasons(&[with(report(1, day(0, 10), Area::Neck, 2), &[Symptom::Tingling])], day(0, 12)),
        [(Area::Neck, Reason::WarningToday)]
    );
}

#[test]
fn p1_and_p2_also_hold_for_the_upper_body_as_a_whole() {
    // shared/care.md §2.2: per area and on an "any upper-body area" basis for P1 and P2.
    let mut mixed = series(Area::Neck, &[(0, 3), (4, 3)]);
    mixed.extend(series(Area::Shoulders, &[(2, 3), (6, 3)]));
    for (i, r) in mixed.iter_mut().enumerate() {
        r.id = i as i64 + 1;
    }
    assert_eq!(reasons(&mixed, day(6, 12)), [], "four days in all");
    let mut five = mixed.clone();
    five.push(report(9, day(8, 10), Area::UpperBack, 3));
    let found = assess(&CareRules::default(), &five, &UTC, day(8, 12));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].area, found[0].reason), (Area::UpperBody, Reason::Recurrence));
    assert_eq!(
        found[0].why,
        "upper-body discomfort (neck, upper back, shoulders) logged on 5 of the last 14 days"
    );
    let mut six = five.clone();
    six.push(report(10, day(9, 10), Area::Neck, 3));
    assert_eq!(reasons(&six, day(9, 12)), [(Area::UpperBody, Reason::Recurrence)]);
    // A neck report takes part in it: `log` prints it.
    let all = assess(&CareRules::default(), &six, &UTC, day(9, 12));
    assert_eq!(for_report(&all, &six[5]).len(), 1);
    assert!(for_report(&all, &report(11, day(9, 10), Area::Wrists, 3)).is_empty());
    // Chest, wrists and eyes are not part of it.
    let mut chest = mixed.clone();
    chest.push(report(9, day(8, 10), Area::Chest, 3));
    assert_eq!(reasons(&chest, day(8, 12)), []);
    // P2 across areas: neck then shoulders, 28 days first to latest.
    let mut long = series(Area::Neck, &[(0, 3), (10, 3)]);
    long.push(report(3, day(20, 10), Area::Shoulders, 3));
    long.push(report(4, day(27, 10), Area::Shoulders, 3));
    assert_eq!(reasons(&long, day(27, 12)), []);
    long.push(report(5, day(28, 10), Area::UpperBack, 3));
    assert_eq!(reasons(&long, day(28, 12)), [(Area::UpperBody, Reason::Persistence)]);
    // One area firing on its own says it; the upper body adds nothing then.
    let neck = series(Area::Neck, &[(0, 3), (2, 3), (4, 3), (6, 3), (8, 3)]);
    assert_eq!(reasons(&neck, day(8, 12)), [(Area::Neck, Reason::Recurrence)]);
    // Easing across the upper body (first to latest) holds it back, as for one area.
    let mut eased = series(Area::Neck, &[(0, 6), (4, 5)]);
    eased.extend(series(Area::Shoulders, &[(2, 5), (6, 4)]));
    eased.push(report(9, day(8, 10), Area::UpperBack, 4));
    for (i, r) in eased.iter_mut().enumerate() {
        r.id = i as i64 + 1;
    }
    assert_eq!(reasons(&eased, day(8, 12)), []);
}

/// `per_day` pops at 09:00, 09:10, … on each listed day.
fn pops(days: &[i64], per_day: usize) -> Vec<(i64, DateTime<Utc>)> {
    let mut out = Vec::new();
    for d in days {
        for i in 0..per_day {
            out.push((out.len() as i64 + 1, day(*d, 9) + Duration::minutes(10 * i as i64)));
        }
    }
    out
}

#[test]
fn popping_more_than_three_times_a_day_on_five_of_fourteen_days_gets_one_note() {
    // shared/care.md §4.2.4.
    assert_eq!(popping(&pops(&[0, 2, 4, 6], 4), &UTC, day(6, 12)), None, "4 days");
    let five = pops(&[0, 2, 4, 6, 8], 4);
    let f = popping(&five, &UTC, day(8, 12)).expect("5 days");
    assert_eq!((f.area, f.reason), (Area::UpperBack, Reason::Popping));
    assert_eq!(f.why, "more than 3 pops a day on 5 of the last 14 days");
    assert!(!f.reason.is_warning());
    assert!(popping(&pops(&[0, 2, 4, 6, 8, 9], 4), &UTC, day(9, 12)).is_some(), "6 days");
    // Three a day is not "more than 3".
    assert_eq!(popping(&pops(&[0, 2, 4, 6, 8], 3), &UTC, day(8, 12)), None);
    // Calendar days: on day 13 all five are within the last 14 dates, on day 14 the first is not.
    assert!(popping(&five, &UTC, day(13, 23)).is_some());
    assert_eq!(popping(&five, &UTC, day(14, 0)), None);
    // Future pops (a clock set back) don't count.
    assert_eq!(popping(&five, &UTC, day(7, 12)), None);

    // At most once every 14 days, whatever else the upper back gets.
    let rules = CareRules::default();
    let mut state = CareState::default();
    let found = [f];
    assert_eq!(state.due(&rules, &found, day(8, 12)).len(), 1);
    state.gave(&found[0], day(8, 12));
    assert!(state.given.is_empty(), "the note does not count as the area's routine advice");
    assert!(state.due(&rules, &found, day(21, 12)).is_empty(), "13 days later");
    assert_eq!(state.next_change(&rules, day(9, 12)), Some(day(22, 12)));
    assert_eq!(state.due(&rules, &found, day(22, 12)).len(), 1, "14 days later");
    // The upper back's own advice is not held by the note.
    let severe = assess(&rules, &series(Area::UpperBack, &[(9, 8)]), &UTC, day(9, 12));
    assert_eq!(state.due(&rules, &severe, day(9, 12)).len(), 1);
}

#[test]
fn findings_say_since_when_from_the_earliest_report_they_rest_on() {
    let five = series(Area::Neck, &[(0, 3), (2, 3), (4, 3), (6, 3), (8, 3)]);
    assert_eq!(assess(&CareRules::default(), &five, &UTC, day(8, 12))[0].since, day(0, 10));
    let worse = series(Area::Neck, &[(3, 3), (5, 4), (7, 5)]);
    assert_eq!(assess(&CareRules::default(), &worse, &UTC, day(7, 12))[0].since, day(3, 10));
    let severe = series(Area::Neck, &[(1, 8)]);
    assert_eq!(assess(&CareRules::default(), &severe, &UTC, day(1, 12))[0].since, day(1, 10));
    let f = popping(&pops(&[0, 2, 4, 6, 8], 4), &UTC, day(8, 12)).unwrap();
    assert_eq!(f.since, day(0, 9));
}
