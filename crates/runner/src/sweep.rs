//! `agelab sweep`: a grid of variants of one experiment, each run as a normal run.

use crate::{Experiment, RunnerError};

/// One `--set key=v1,v2` axis: a dotted key of the experiment and its values (TOML literals;
/// bare words are strings).
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// Dotted key, e.g. `optimizer.lr` or `train.batch_size`.
    pub key: String,
    /// Values as written.
    pub values: Vec<String>,
}

impl std::str::FromStr for Axis {
    type Err = String;
    fn from_str(s: &str) -> Result<Axis, String> {
        let (key, values) = s.split_once('=').ok_or_else(|| format!("expected key=value[,value...], got '{s}'"))?;
        let values: Vec<String> = values.split(',').map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect();
        if key.trim().is_empty() || values.is_empty() {
            return Err(format!("expected key=value[,value...], got '{s}'"));
        }
        Ok(Axis { key: key.trim().to_string(), values })
    }
}

fn literal(v: &str) -> toml::Value {
    let doc = format!("v = {v}");
    doc.parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(v.to_string()))
}

/// The grid: every combination of the axes' values applied to `base`, named
/// `<base>-<key>=<value>-...`, each validated.
pub fn expand(base: &Experiment, axes: &[Axis]) -> Result<Vec<Experiment>, RunnerError> {
    let mut combos: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for axis in axes {
        combos = combos
            .into_iter()
            .flat_map(|c| axis.values.iter().map(move |v| [c.clone(), vec![(axis.key.clone(), v.clone())]].concat()))
            .collect();
    }
    let origin = std::path::PathBuf::from(format!("sweep over {}", base.name));
    combos
        .into_iter()
        .map(|combo| {
            let mut table: toml::Table = base.to_toml().parse().expect("resolved experiments re-parse");
            let mut name = base.name.clone();
            for (key, value) in &combo {
                set(&mut table, key, literal(value))
                    .map_err(|message| RunnerError::Config { path: origin.clone(), message })?;
                let short = key.rsplit('.').next().unwrap_or(key);
                name.push_str(&format!("-{short}={value}"));
            }
            table.insert("name".into(), toml::Value::String(name));
            Experiment::from_toml(&toml::to_string(&table).expect("table serialises"), &origin)
        })
        .collect()
}

fn set(table: &mut toml::Table, key: &str, value: toml::Value) -> Result<(), String> {
    let mut parts: Vec<&str> = key.split('.').collect();
    let last = parts.pop().ok_or("empty key")?;
    let mut t = table;
    for p in parts {
        t = t
            .entry(p)
            .or_insert_with(|| toml::Value::Table(Default::default()))
            .as_table_mut()
            .ok_or_else(|| format!("`{key}`: `{p}` is not a table"))?;
    }
    t.insert(last.to_string(), value);
    Ok(())
}
