//! Reading the catalogue: the built-in entries, then the user's, which add new ids, replace
//! entries of the same id whole, or hide one with `disabled = true`.

use super::error::{ConfigError, Source};
use super::fields::{Doc, parse_duration};
use super::raw::{List, RawCatalog, RawEntry};
use super::toml_text;
use crate::core::{Area, Catalog, Entry, Kind, Symptom};
use std::path::PathBuf;
use std::time::Duration;
use toml::Spanned;

const MAX_TITLE: usize = 64;
const MAX_STEPS: usize = 300;
const MAX_CAUTION: usize = 160;
const MAX_SOURCE: usize = 200;

pub fn build(user: Option<&Source>) -> Result<Catalog, ConfigError> {
    let mut entries = builtin()?;
    if let Some(user) = user {
        let doc = Doc { index: 1, source: user };
        let raw: RawCatalog = toml_text::parse(user)?;
        for item in &raw.entry {
            let e = item.get_ref();
            let existing = entries.iter().position(|have| have.id == *e.id.get_ref());
            if e.disabled == Some(true) {
                match existing {
                    Some(i) => {
                        entries.remove(i);
                    }
                    None => {
                        return Err(doc.error(
                            e.id.span(),
                            format!(
                                "`disabled = true` names no built-in entry: there is no entry \"{}\"",
                                e.id.get_ref()
                            ),
                        ));
                    }
                }
                continue;
            }
            let entry = entry(&doc, item)?;
            match existing {
                Some(i) => entries[i] = entry,
                None => entries.push(entry),
            }
        }
    }
    Ok(Catalog { entries })
}

/// The built-in entries, read once per process: the text is part of the binary, so every read
/// gives the same result (and the config fuzz tests read configs by the thousand).
fn builtin() -> Result<Vec<Entry>, ConfigError> {
    static BUILTIN: std::sync::OnceLock<Result<Vec<Entry>, ConfigError>> = std::sync::OnceLock::new();
    BUILTIN
        .get_or_init(|| {
            let source = Source {
                path: PathBuf::from("<built-in catalog.toml>"),
                text: super::DEFAULT_CATALOG.to_owned(),
            };
            read(&Doc { index: 0, source: &source })
        })
        .clone()
}

fn read(doc: &Doc) -> Result<Vec<Entry>, ConfigError> {
    let raw: RawCatalog = toml_text::parse(doc.source)?;
    let mut entries: Vec<Entry> = Vec::new();
    for item in &raw.entry {
        let e = entry(doc, item)?;
        if entries.iter().any(|have| have.id == e.id) {
            return Err(doc.error(item.get_ref().id.span(), format!("entry id \"{}\" is used twice", e.id)));
        }
        entries.push(e);
    }
    Ok(entries)
}

fn entry(doc: &Doc, item: &Spanned<RawEntry>) -> Result<Entry, ConfigError> {
    let raw = item.get_ref();
    let id = raw.id.get_ref().clone();
    let valid_id = !id.is_empty()
        && id.len() <= 48
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid_id {
        return Err(doc.error(
            raw.id.span(),
            format!("entry id \"{id}\" must be 1 to 48 lowercase letters, digits and dashes"),
        ));
    }
    let missing = |key: &str| doc.error(item.span(), format!("entry \"{id}\" has no `{key}`"));
    let text = |v: &Option<Spanned<String>>, key: &str, max: usize| -> Result<String, ConfigError> {
        let v = v.as_ref().ok_or_else(|| missing(key))?;
        check_text(doc, v.get_ref(), v.span(), &format!("`{key}` of \"{id}\""), max)?;
        Ok(v.get_ref().trim().to_owned())
    };
    let list = |v: &Option<List>, key: &str| -> Result<Vec<Spanned<String>>, ConfigError> {
        Ok(v.as_ref().ok_or_else(|| missing(key))?.get_ref().clone())
    };
    let nonempty = |items: Vec<Spanned<String>>, key: &str| -> Result<Vec<Spanned<String>>, ConfigError> {
        if items.is_empty() {
            return Err(doc.error(raw.id.span(), format!("entry \"{id}\": `{key}` must not be empty")));
        }
        Ok(items)
    };

    let title = text(&raw.title, "title", MAX_TITLE)?;
    let source = text(&raw.source, "source", MAX_SOURCE)?;
    let mut kinds = Vec::new();
    for k in nonempty(list(&raw.kinds, "kinds")?, "kinds")? {
        kinds.push(
            k.get_ref()
                .parse::<Kind>()
                .map_err(|why| doc.error(k.span(), format!("entry \"{id}\": {why}")))?,
        );
    }
    let mut areas = Vec::new();
    for a in nonempty(list(&raw.areas, "areas")?, "areas")? {
        areas.push(
            a.get_ref()
                .parse::<Area>()
                .map_err(|why| doc.error(a.span(), format!("entry \"{id}\": {why}")))?,
        );
    }
    let steps: Vec<String> = nonempty(list(&raw.steps, "steps")?, "steps")?
        .into_iter()
        .map(|s| s.into_inner().trim().to_owned())
        .collect();
    let joined = steps.join(" ");
    if let Some(s) = &raw.steps {
        check_text(doc, &joined, s.span(), &format!("`steps` of \"{id}\" (joined)"), MAX_STEPS)?;
    }
    let cautions: Vec<String> = match &raw.cautions {
        Some(list) => {
            for c in list.get_ref() {
                check_text(doc, c.get_ref(), c.span(), &format!("a caution of \"{id}\""), MAX_CAUTION)?;
            }
            list.get_ref().iter().map(|c| c.get_ref().trim().to_owned()).collect()
        }
        None => Vec::new(),
    };
    let d = raw.duration.as_ref().ok_or_else(|| missing("duration"))?;
    let duration = parse_duration(d.get_ref())
        .and_then(|v| {
            if v < Duration::from_secs(5) || v > Duration::from_secs(30 * 60) {
                Err(format!("must be from 5s to 30m, got \"{}\"", d.get_ref()))
            } else {
                Ok(v)
            }
        })
        .map_err(|why| doc.error(d.span(), format!("`duration` of \"{id}\": {why}")))?;
    let self_mobilisation = raw.self_mobilisation.unwrap_or(false);
    if self_mobilisation && areas.contains(&Area::Neck) {
        return Err(doc.error(raw.id.span(), format!("entry \"{id}\": self-mobilisation is never suggested for the neck; remove \"neck\" from its areas")));
    }
    let mut avoid_with = Vec::new();
    for a in raw.avoid_with.as_ref().map(|l| l.get_ref().clone()).unwrap_or_default() {
        avoid_with.push(
            a.get_ref()
                .parse::<Symptom>()
                .map_err(|why| doc.error(a.span(), format!("entry \"{id}\": {why}")))?,
        );
    }
    Ok(Entry { id, title, kinds, areas, duration, steps, cautions, source, self_mobilisation, avoid_with })
}

fn check_text(
    doc: &Doc,
    text: &str,
    span: std::ops::Range<usize>,
    what: &str,
    max: usize,
) -> Result<(), ConfigError> {
    let len = text.trim().chars().count();
    if len == 0 {
        return Err(doc.error(span, format!("{what} is empty")));
    }
    if len > max {
        return Err(
            doc.error(span, format!("{what} is {len} characters; at most {max} fit in a notification"))
        );
    }
    Ok(())
}
