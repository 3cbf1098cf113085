//! Label maps: score a system that uses another label set (`PER` for `PERSON`, ...).
//!
//! ```toml
//! [labels]
//! PER = "PERSON"
//! MISC = ""        # dropped: an empty target removes the span
//! ```
//! Labels not in the map are kept as they are.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::Error;

/// A mapping from predicted labels to gold labels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelMap {
    map: BTreeMap<String, String>,
}

impl FromIterator<(String, String)> for LabelMap {
    /// A label map from (predicted label, gold label) pairs; an empty gold label drops the
    /// span, as in a file.
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> LabelMap {
        LabelMap { map: pairs.into_iter().collect() }
    }
}

impl LabelMap {
    /// Reads a label map file.
    pub fn read(path: &Path) -> Result<LabelMap, Error> {
        let err = |message: String| Error::LabelMap { file: path.to_owned(), message };
        let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read: {e}")))?;
        let table: toml::Table = toml::from_str(&text).map_err(|e| err(e.message().to_owned()))?;
        let Some(toml::Value::Table(labels)) = table.get("labels") else {
            return Err(err("expected a [labels] table".into()));
        };
        let mut map = BTreeMap::new();
        for (from, to) in labels {
            let toml::Value::String(to) = to else {
                return Err(err(format!("label {from:?}: the target must be a string")));
            };
            map.insert(from.clone(), to.clone());
        }
        Ok(LabelMap { map })
    }

    /// The gold label for `label`, or `None` if the span is dropped.
    pub fn apply(&self, label: &str) -> Option<String> {
        match self.map.get(label) {
            Some(to) if to.is_empty() => None,
            Some(to) => Some(to.clone()),
            None => Some(label.to_owned()),
        }
    }

    /// The labels it maps to, sorted (an empty one, which drops spans, left out).
    pub fn targets(&self) -> impl Iterator<Item = &str> {
        let mut targets: Vec<&str> = self.map.values().map(String::as_str).filter(|t| !t.is_empty()).collect();
        targets.sort();
        targets.dedup();
        targets.into_iter()
    }

    /// Every (label, target) pair, sorted by label.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Whether the map changes nothing.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}
