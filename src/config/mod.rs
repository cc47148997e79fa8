//! Loading the config: the embedded default, overridden key by key by the user's file, checked
//! into typed settings. Parsing is pure (text in, settings or an error out); only `load`
//! touches the file system.

pub mod care;
mod catalog;
pub mod error;
pub mod fields;
mod raw;
mod session;
mod toml_text;

pub use error::{ConfigError, Source};
pub use session::Session;

use crate::adapters::zoneinfo::{self, ZoneError};
use crate::core::limits::ExerciseCap;
use crate::core::schedule::WEEKDAYS;
use crate::core::{Catalog, Kind, LimitRules, Rules, TimeRange, WeekHours, Zone};
use care::{Care, CarePart};
use chrono::NaiveTime;
use fields::{At, Doc, show_duration};
use raw::RawConfig;
use session::SessionPart;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const DEFAULT_CONFIG: &str = include_str!("../../config/default.toml");
pub const DEFAULT_CATALOG: &str = include_str!("../../config/catalog.toml");
/// No config or catalogue file is this large (1 MiB; the built-in catalogue is a few KiB): a
/// bigger one is a mistake, not a config.
const MAX_FILE_BYTES: u64 = 1 << 20;

/// Everything the program runs with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub rules: Rules,
    pub catalog: Catalog,
    pub notifications: Notifications,
    pub care: Care,
    pub session: Session,
    /// The files read, default first.
    pub files: Vec<PathBuf>,
    /// Things that are allowed but probably not meant.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Notifications {
    pub snooze: Duration,
    pub expire: Duration,
    /// How long `postured toggle` pauses.
    pub pause: Duration,
}

/// Where to look for the user's config.
#[derive(Debug, Clone)]
pub enum ConfigPath {
    /// `--config PATH`: must exist.
    Explicit(PathBuf),
    /// The XDG location: used if it exists.
    Default(Option<PathBuf>),
}

impl ConfigPath {
    pub fn from_arg(arg: Option<PathBuf>) -> Self {
        match arg {
            Some(p) => ConfigPath::Explicit(p),
            None => ConfigPath::Default(crate::adapters::paths::config_dir().map(|d| d.join("config.toml"))),
        }
    }

    pub fn path(&self) -> Option<&Path> {
        match self {
            ConfigPath::Explicit(p) => Some(p),
            ConfigPath::Default(p) => p.as_deref(),
        }
    }
}

/// Reads a config or catalogue file: only a regular file of at most `MAX_FILE_BYTES`, read
/// with a bound (a file may grow after it was looked at), as UTF-8 text. A FIFO, a device or
/// a folder gets a clear error instead of blocking or reading forever.
pub fn read_source(path: &Path) -> Result<Source, ConfigError> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let fail = |why: String| ConfigError::file(path, why);
    let meta = std::fs::metadata(path).map_err(|e| fail(format!("can't read it: {e}")))?;
    check_file_type(&meta).map_err(|why| fail(why.into()))?;
    // Non-blocking, so a FIFO swapped in after the check above can't hang the open.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .map_err(|e| fail(format!("can't read it: {e}")))?;
    let opened = file.metadata().map_err(|e| fail(format!("can't read it: {e}")))?;
    check_file_type(&opened).map_err(|why| fail(why.into()))?;
    let too_big = |size: u64| fail(format!("is {size} bytes; config and catalogue files are at most 1 MiB"));
    if opened.len() > MAX_FILE_BYTES {
        return Err(too_big(opened.len()));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| fail(format!("can't read it: {e}")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    decode(path, bytes)
}

/// A file's bytes as its text, or where the first byte that is not UTF-8 is.
pub fn decode(path: &Path, bytes: Vec<u8>) -> Result<Source, ConfigError> {
    let text = String::from_utf8(bytes).map_err(|e| {
        // Point at the first bad byte; the text before it is valid, so lines and columns hold.
        let at = e.utf8_error().valid_up_to();
        let byte = e.as_bytes()[at];
        let lossy =
            Source { path: path.to_owned(), text: String::from_utf8_lossy(e.as_bytes()).into_owned() };
        ConfigError::at(
            &lossy,
            Some(at..at + 1),
            format!("not valid UTF-8 (byte {byte:#04x}); save the file as UTF-8 text"),
        )
    })?;
    Ok(Source { path: path.to_owned(), text })
}

/// Only regular files are read: why anything else is not.
fn check_file_type(meta: &std::fs::Metadata) -> Result<(), &'static str> {
    use std::os::unix::fs::FileTypeExt;
    let kind = meta.file_type();
    if kind.is_file() {
        Ok(())
    } else if kind.is_dir() {
        Err("is a folder, not a file")
    } else if kind.is_fifo() {
        Err("is a named pipe (FIFO), not a regular file")
    } else if kind.is_socket() {
        Err("is a socket, not a regular file")
    } else {
        Err("is a device, not a regular file")
    }
}

/// Loads the default, the user's config and the user's catalogue, if any.
pub fn load(which: &ConfigPath) -> Result<Settings, ConfigError> {
    let user = match which {
        ConfigPath::Explicit(p) => Some(read_source(p)?),
        ConfigPath::Default(Some(p)) if p.exists() => Some(read_source(p)?),
        ConfigPath::Default(_) => None,
    };
    let user_dir = which.path().and_then(Path::parent).map(Path::to_owned);
    from_sources(user, user_dir.as_deref(), |p| if p.exists() { read_source(p).map(Some) } else { Ok(None) })
}

/// Parses and checks the config from its text. `read_catalog` fetches a user catalogue file
/// (tests pass a closure that never touches the disk).
pub fn from_sources(
    user: Option<Source>,
    user_dir: Option<&Path>,
    read_catalog: impl Fn(&Path) -> Result<Option<Source>, ConfigError>,
) -> Result<Settings, ConfigError> {
    let mut sources =
        vec![Source { path: PathBuf::from("<built-in default.toml>"), text: DEFAULT_CONFIG.to_owned() }];
    let mut merged = Partial::read(&Doc { index: 0, source: &sources[0] })?;
    if let Some(user) = user {
        sources.push(user);
        let top = Partial::read(&Doc { index: 1, source: &sources[1] })?;
        merged.overlay(top);
    }

    let catalog_path = match &merged.catalog {
        Some(c) => {
            let p = PathBuf::from(&c.value);
            Some(if p.is_relative() { user_dir.unwrap_or(Path::new(".")).join(p) } else { p })
        }
        None => user_dir.map(|d| d.join("catalog.toml")),
    };
    let explicit_catalog = merged.catalog.is_some();
    let user_catalog = match &catalog_path {
        Some(p) => match read_catalog(p)? {
            Some(s) => Some(s),
            None if explicit_catalog => {
                let c = merged.catalog.as_ref().map(|c| c.loc.clone());
                let at = c.map(|l| {
                    ConfigError::at(
                        &sources[l.source],
                        Some(l.span),
                        format!("catalogue file {} does not exist", p.display()),
                    )
                });
                return Err(at.unwrap_or_else(|| ConfigError::file(p, "does not exist")));
            }
            None => None,
        },
        None => None,
    };
    let catalog = catalog::build(user_catalog.as_ref())?;
    merged.finish(&sources, catalog)
}

#[derive(Default)]
struct KindPart {
    enabled: Option<At<bool>>,
    interval: Option<At<Duration>>,
    cooldown: Option<At<Duration>>,
}

/// One file's typed values; the user's is laid over the default's.
#[derive(Default)]
struct Partial {
    zone: Option<At<Zone>>,
    catalog: Option<At<String>>,
    hours: [Option<At<Vec<TimeRange>>>; 7],
    kinds: BTreeMap<Kind, KindPart>,
    max_per_hour: Option<At<u32>>,
    max_per_day: Option<At<u32>>,
    min_gap: Option<At<Duration>>,
    quiet: Option<At<Vec<TimeRange>>>,
    day_starts: Option<At<NaiveTime>>,
    no_repeat: Option<At<Duration>>,
    back_off_after: Option<At<u32>>,
    pop_per_day: Option<At<u32>>,
    pop_gap: Option<At<Duration>>,
    snooze: Option<At<Duration>>,
    expire: Option<At<Duration>>,
    pause: Option<At<Duration>>,
    care: CarePart,
    session: SessionPart,
}

const SEC: Duration = Duration::from_secs(1);
const fn hours(h: u64) -> Duration {
    Duration::from_secs(h * 3600)
}

impl Partial {
    fn read(doc: &Doc) -> Result<Partial, ConfigError> {
        let raw: RawConfig = toml_text::parse(doc.source)?;
        let mut p = Partial { catalog: doc.string(&raw.catalog), ..Default::default() };
        if let Some(tz) = &raw.timezone {
            let zone = zoneinfo::load(tz.get_ref()).map_err(|e| {
                let message = match e {
                    ZoneError::BadName | ZoneError::Unknown => format!("unknown time zone \"{}\"; use an IANA name such as \"Europe/Berlin\" or \"America/New_York\"", tz.get_ref()),
                    other => format!("time zone \"{}\": {other}", tz.get_ref()),
                };
                doc.error(tz.span(), message)
            })?;
            p.zone = Some(At {
                value: Zone::Named(zone),
                loc: fields::Loc { source: doc.index, span: tz.span() },
            });
        }
        for (i, day) in raw.hours.days().into_iter().enumerate() {
            p.hours[i] = doc.ranges(day, &format!("hours.{}", WEEKDAYS[i]))?;
        }
        let kinds = [
            (Kind::Posture, &raw.reminders.posture),
            (Kind::Eyes, &raw.reminders.eyes),
            (Kind::Stretch, &raw.reminders.stretch),
            (Kind::Movement, &raw.reminders.movement),
        ];
        for (kind, r) in kinds {
            let Some(r) = r else { continue };
            let key = |k: &str| format!("reminders.{kind}.{k}");
            p.kinds.insert(
                kind,
                KindPart {
                    enabled: r.enabled.as_ref().map(|b| At {
                        value: *b.get_ref(),
                        loc: fields::Loc { source: doc.index, span: b.span() },
                    }),
                    interval: doc.duration(&r.interval, &key("interval"), SEC, hours(24))?,
                    cooldown: doc.duration(&r.cooldown, &key("cooldown"), Duration::ZERO, hours(24))?,
                },
            );
        }
        let l = &raw.limits;
        p.max_per_hour = doc.int(&l.max_per_hour, "limits.max_per_hour", 1, 60)?;
        p.max_per_day = doc.int(&l.max_per_day, "limits.max_per_day", 1, 200)?;
        p.min_gap = doc.duration(&l.min_gap, "limits.min_gap", SEC, hours(4))?;
        p.quiet = doc.ranges(&l.quiet_hours, "limits.quiet_hours")?;
        p.day_starts = doc.clock(&l.day_starts, "limits.day_starts")?;
        p.no_repeat =
            doc.duration(&l.no_repeat_within, "limits.no_repeat_within", Duration::ZERO, hours(24))?;
        p.back_off_after = doc.int(&l.back_off_after, "limits.back_off_after", 0, 20)?;
        let cap = &l.self_mobilisation;
        p.pop_per_day = doc.int(&cap.per_day, "limits.self_mobilisation.per_day", 0, 2)?;
        p.pop_gap =
            doc.duration(&cap.min_gap, "limits.self_mobilisation.min_gap", hours(3), hours(24 * 7))?;
        let n = &raw.notifications;
        p.snooze = doc.duration(&n.snooze, "notifications.snooze", SEC, hours(4))?;
        p.expire = doc.duration(&n.expire, "notifications.expire", SEC, hours(1))?;
        p.pause = doc.duration(&n.pause, "notifications.pause", SEC, hours(24))?;
        p.care = CarePart::read(doc, &raw.care)?;
        p.session = SessionPart::read(doc, &raw.session)?;
        Ok(p)
    }

    /// Lays `top` over `self`: every key `top` sets wins.
    fn overlay(&mut self, top: Partial) {
        fields::overlay_keys!(
            self, top;
            zone,
            catalog,
            max_per_hour,
            max_per_day,
            min_gap,
            quiet,
            day_starts,
            no_repeat,
            back_off_after,
            pop_per_day,
            pop_gap,
            snooze,
            expire,
            pause
        );
        self.care.overlay(top.care);
        self.session.overlay(top.session);
        for (i, day) in top.hours.into_iter().enumerate() {
            if day.is_some() {
                self.hours[i] = day;
            }
        }
        for (kind, part) in top.kinds {
            let mine = self.kinds.entry(kind).or_default();
            fields::overlay_keys!(mine, part; enabled, interval, cooldown);
        }
    }

    fn finish(self, sources: &[Source], catalog: Catalog) -> Result<Settings, ConfigError> {
        let error_at = |loc: &fields::Loc, message: String| {
            ConfigError::at(&sources[loc.source], Some(loc.span.clone()), message)
        };
        let user = sources.last().map_or(Path::new(""), |s| &s.path);
        fn get<T: Clone>(v: &Option<At<T>>, user: &Path, key: &str) -> Result<T, ConfigError> {
            v.as_ref()
                .map(|a| a.value.clone())
                .ok_or_else(|| ConfigError::file(user, format!("`{key}` is missing")))
        }

        let days: [Vec<TimeRange>; 7] =
            std::array::from_fn(|i| self.hours[i].as_ref().map(|a| a.value.clone()).unwrap_or_default());
        let hours = WeekHours::new(days);
        if let Some(o) = hours.first_overlap() {
            let (d1, r1) = o.first;
            let (d2, r2) = o.second;
            let (a, b) = (WEEKDAYS[d1], WEEKDAYS[d2]);
            let message = if d1 == d2 {
                format!("`hours.{a}`: ranges {r1} and {r2} overlap")
            } else {
                format!("`hours.{a}` {r1} runs into `hours.{b}` {r2}; working ranges must not overlap")
            };
            // Point at whichever of the two days the user wrote, else at the default's.
            let loc = [d2, d1]
                .iter()
                .filter_map(|d| self.hours[*d].as_ref())
                .max_by_key(|a| a.loc.source)
                .map(|a| a.loc.clone());
            return Err(match loc {
                Some(l) => error_at(&l, message),
                None => ConfigError::file(user, message),
            });
        }

        let mut warnings = Vec::new();
        if hours.is_empty() {
            warnings.push("no working hours are set in [hours], so no reminder will ever fire".to_owned());
        }

        let mut intervals = BTreeMap::new();
        let mut cooldown = BTreeMap::new();
        for (kind, part) in &self.kinds {
            let key = format!("reminders.{kind}");
            if get(&part.enabled, user, &format!("{key}.enabled"))? {
                let interval = get(&part.interval, user, &format!("{key}.interval"))?;
                intervals.insert(
                    *kind,
                    chrono::Duration::from_std(interval).unwrap_or(chrono::Duration::hours(1)),
                );
                let c = get(&part.cooldown, user, &format!("{key}.cooldown"))?;
                cooldown.insert(*kind, chrono::Duration::from_std(c).unwrap_or_default());
                if !catalog.entries.iter().any(|e| e.kinds.contains(kind) && !e.self_mobilisation) {
                    let message = format!(
                        "no catalogue entry is meant for `{kind}` reminders; add one with kinds = [\"{kind}\"] or set {key}.enabled = false"
                    );
                    return Err(match &part.enabled {
                        Some(a) => error_at(&a.loc, message),
                        None => ConfigError::file(user, message),
                    });
                }
            }
        }
        if intervals.is_empty() && !hours.is_empty() {
            warnings.push(
                "every reminder kind is disabled in [reminders], so no reminder will ever fire".to_owned(),
            );
        }
        let chrono_of = |d: Duration| chrono::Duration::from_std(d).unwrap_or_default();

        let limits = LimitRules {
            max_per_hour: get(&self.max_per_hour, user, "limits.max_per_hour")?,
            max_per_day: get(&self.max_per_day, user, "limits.max_per_day")?,
            min_gap: chrono_of(get(&self.min_gap, user, "limits.min_gap")?),
            quiet_hours: WeekHours::every_day(get(&self.quiet, user, "limits.quiet_hours")?),
            day_starts: get(&self.day_starts, user, "limits.day_starts")?,
            cooldown,
            no_repeat_within: chrono_of(get(&self.no_repeat, user, "limits.no_repeat_within")?),
            self_mobilisation: ExerciseCap {
                per_day: get(&self.pop_per_day, user, "limits.self_mobilisation.per_day")?,
                min_gap: chrono_of(get(&self.pop_gap, user, "limits.self_mobilisation.min_gap")?),
            },
        };
        if !hours.is_empty() && quiet_covers_work(&hours, &limits.quiet_hours) {
            warnings.push("quiet hours cover all working hours, so no reminder will ever fire".to_owned());
        }
        let notifications = Notifications {
            snooze: get(&self.snooze, user, "notifications.snooze")?,
            expire: get(&self.expire, user, "notifications.expire")?,
            pause: get(&self.pause, user, "notifications.pause")?,
        };
        let (session, breaks) = self.session.finish(user)?;
        let rules = Rules {
            zone: self.zone.map_or(Zone::System, |z| z.value),
            hours,
            intervals,
            limits,
            back_off_after: get(&self.back_off_after, user, "limits.back_off_after")?,
            breaks,
        };
        let care = self.care.finish(user)?;
        Ok(Settings {
            rules,
            catalog,
            notifications,
            care,
            session,
            files: sources.iter().map(|s| s.path.clone()).collect(),
            warnings,
        })
    }
}

/// True when every working minute of the week is inside quiet hours (checked per minute of a
/// plain week; DST does not change which wall minutes are quiet).
fn quiet_covers_work(work: &WeekHours, quiet: &WeekHours) -> bool {
    let minute_set = |w: &WeekHours| {
        let mut set = vec![false; 7 * 1440];
        for day in 0..7 {
            for r in w.day(day) {
                let start = day * 1440 + r.start_minute() as usize;
                for m in 0..r.minutes() as usize {
                    set[(start + m) % (7 * 1440)] = true;
                }
            }
        }
        set
    };
    let (w, q) = (minute_set(work), minute_set(quiet));
    w.iter().zip(&q).all(|(w, q)| !w || *q)
}

/// How a duration reads in messages and `status`.
pub fn describe(d: Duration) -> String {
    show_duration(d)
}

#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod tests;
