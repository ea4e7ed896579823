//! Reading rule files: parse, apply the chosen variants and `--set` overrides, validate,
//! and merge several files.
//!
//! Precedence: the file as written, then each `--variant` in command-line order, then each
//! `--set` in command-line order (later wins). Several `--rules` files keep their own ids
//! (`property.complaint`, `hospital.discharge_general`); two files with the same id are an
//! error rather than a silent override.

use super::raw::RawRuleFile;
use super::validate::validate;
use super::{RuleSet, Rules};
use crate::calendar::file::toml_error;
use crate::diag::Diagnostic;
use std::path::Path;

/// What to change in the files as loaded.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// Variant names to apply (each must exist in some file).
    pub variants: Vec<String>,
    /// `RULE.key=value` or `RULESET.RULE.key=value` assignments.
    pub sets: Vec<String>,
}

/// The rule files (`*.toml`) in `dir`, sorted by path.
pub fn files_in(dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

/// Loads and validates every file, returning all problems from all files.
pub fn load_all(paths: &[impl AsRef<Path>], ov: &Overrides) -> Result<Rules, Vec<Diagnostic>> {
    let mut sets = Vec::new();
    let mut diags = Vec::new();
    for p in paths {
        match load_one(p.as_ref(), ov) {
            Ok(s) => sets.push(s),
            Err(d) => diags.extend(d),
        }
    }
    for v in &ov.variants {
        if !sets.iter().any(|s: &RuleSet| s.variants.iter().any(|x| &x.name == v)) && diags.is_empty() {
            let known: Vec<String> = sets
                .iter()
                .flat_map(|s| s.variants.iter().map(|x| x.name.clone()))
                .collect();
            diags.push(Diagnostic::new(
                Path::new("--variant"),
                0,
                "",
                format!(
                    "unknown variant `{v}`; the rule files offer: {}",
                    if known.is_empty() {
                        "none".into()
                    } else {
                        known.join(", ")
                    }
                ),
            ));
        }
    }
    let mut ids = std::collections::BTreeMap::new();
    for s in &sets {
        if let Some(first) = ids.insert(s.id.clone(), s.path.clone()) {
            diags.push(Diagnostic::file(
                &s.path,
                format!(
                    "rule file id `{}` is also used by {}; give one of them another `id`",
                    s.id,
                    first.display()
                ),
            ));
        }
    }
    if diags.is_empty() {
        Ok(Rules { sets })
    } else {
        Err(diags)
    }
}

/// Loads one rule file.
pub fn load_one(path: &Path, ov: &Overrides) -> Result<RuleSet, Vec<Diagnostic>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| vec![Diagnostic::file(path, format!("cannot read rule file: {e}"))])?;
    let raw: RawRuleFile = toml::from_str(&text).map_err(|e| vec![toml_error(path, &text, &e)])?;
    let stem = raw.id.clone().unwrap_or_else(|| {
        path.file_stem()
            .map_or(String::new(), |s| s.to_string_lossy().into_owned())
    });
    let variant_names: Vec<String> = raw.variants.iter().map(|v| v.name.clone()).collect();
    let mut set = validate(path, &text, raw)?;

    // Collect the assignments that concern this file.
    let mut assigns: Vec<(String, String)> = Vec::new();
    let mut applied = Vec::new();
    for v in &ov.variants {
        if let Some(var) = set.variants.iter().find(|x| &x.name == v) {
            assigns.extend(var.set.iter().cloned());
            applied.push(v.clone());
        }
    }
    for s in &ov.sets {
        let Some((k, val)) = s.split_once('=') else {
            return Err(vec![Diagnostic::new(
                Path::new("--set"),
                0,
                "",
                format!("expected RULE.key=value, found {s:?}"),
            )]);
        };
        let k = k.trim();
        // `property.repair.within` targets file `property`; `repair.within` targets any file
        // that has a rule `repair`.
        let key = match k.split_once('.') {
            Some((first, rest)) if first == stem => rest.to_string(),
            Some((first, _))
                if set.rules.iter().any(|r| r.short_id == first) || first == "defaults" || first == "calendar" =>
            {
                k.to_string()
            }
            _ => continue,
        };
        assigns.push((key, val.trim().to_string()));
    }
    if assigns.is_empty() {
        return Ok(set);
    }
    let mut table: toml::Table = toml::from_str(&text).map_err(|e| vec![toml_error(path, &text, &e)])?;
    for (k, v) in &assigns {
        apply(&mut table, k, v).map_err(|m| vec![Diagnostic::new(path, 0, "--set/--variant", m)])?;
    }
    let new_text = toml::to_string(&table).map_err(|e| vec![Diagnostic::file(path, e.to_string())])?;
    let label = path.with_extension(format!("toml (with {})", applied.join(", ")).trim_end_matches("()"));
    let raw: RawRuleFile = toml::from_str(&new_text).map_err(|e| vec![toml_error(&label, &new_text, &e)])?;
    let mut out = validate(path, &new_text, raw)?;
    out.variants = set.variants.clone();
    out.applied = applied;
    if out.applied.is_empty() && !variant_names.is_empty() {
        out.applied = Vec::new();
    }
    set = out;
    Ok(set)
}

/// Sets `path = value` in a rule-file table. The first segment names a rule (or
/// `defaults`/`calendar`); `step.N` addresses the Nth step (1-based).
fn apply(table: &mut toml::Table, path: &str, value: &str) -> Result<(), String> {
    let val: toml::Value = toml::from_str::<toml::Table>(&format!("v = {value}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(value.to_string()));
    let mut segs = path.split('.');
    let first = segs.next().unwrap_or_default();
    let mut cur: &mut toml::Value = if first == "defaults" || first == "calendar" {
        table
            .entry(first)
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
    } else {
        let rules = table
            .get_mut("rule")
            .and_then(|r| r.as_array_mut())
            .ok_or_else(|| format!("cannot set {path:?}: the file has no rules"))?;
        rules
            .iter_mut()
            .find(|r| r.get("id").and_then(|i| i.as_str()) == Some(first))
            .ok_or_else(|| format!("cannot set {path:?}: no rule `{first}`"))?
    };
    let rest: Vec<&str> = segs.collect();
    if rest.is_empty() {
        return Err(format!("cannot set {path:?}: name a key, e.g. {first}.within"));
    }
    for (i, seg) in rest.iter().enumerate() {
        let last = i + 1 == rest.len();
        if *seg == "step" {
            continue;
        }
        if let Ok(n) = seg.parse::<usize>() {
            let arr = cur
                .get_mut("step")
                .and_then(|s| s.as_array_mut())
                .ok_or_else(|| format!("cannot set {path:?}: the rule has no steps"))?;
            cur = arr
                .get_mut(n.wrapping_sub(1))
                .ok_or_else(|| format!("cannot set {path:?}: no step {n}"))?;
            continue;
        }
        let t = cur
            .as_table_mut()
            .ok_or_else(|| format!("cannot set {path:?}: {seg} is not inside a table"))?;
        if last {
            t.insert((*seg).to_string(), val);
            return Ok(());
        }
        cur = t
            .entry((*seg).to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    }
    Err(format!("cannot set {path:?}"))
}
