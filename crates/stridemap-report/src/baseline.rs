//! Baselines (the fingerprints of threats already known, so that only new ones are reported)
//! and diffs between two JSON reports.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use stridemap_model::Report;

/// What `--write-baseline` records: one entry per threat, sorted by fingerprint.
#[derive(Debug, Serialize, Deserialize)]
pub struct Baseline {
    pub stridemap_baseline: u32,
    pub threats: Vec<BaselineEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub fingerprint: String,
    /// For people reading the file; only the fingerprint is compared.
    pub rule: String,
    pub file: String,
}

const FORMAT_VERSION: u32 = 1;

/// The baseline of a report, as deterministic JSON.
pub fn write(report: &Report) -> String {
    let mut threats: Vec<BaselineEntry> = report
        .threats
        .iter()
        .map(|t| BaselineEntry {
            fingerprint: t.fingerprint.clone(),
            rule: t.rule.to_string(),
            file: t
                .evidence
                .first()
                .map(|e| e.file.clone())
                .unwrap_or_default(),
        })
        .collect();
    threats.sort();
    threats.dedup();
    let mut out = serde_json::to_string_pretty(&Baseline {
        stridemap_baseline: FORMAT_VERSION,
        threats,
    })
    .expect("baseline serialises");
    out.push('\n');
    out
}

/// The fingerprints of a baseline file — or of a JSON report, which works as a baseline too.
pub fn read(text: &str) -> Result<BTreeSet<String>, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON ({e})"))?;
    let threats = value
        .get("threats")
        .and_then(Value::as_array)
        .ok_or("neither a stridemap baseline nor a JSON report: no `threats` list")?;
    threats
        .iter()
        .map(|t| {
            t.get("fingerprint")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| "a threat without a `fingerprint`".to_string())
        })
        .collect()
}

/// What changed between two JSON reports. Threats are matched by fingerprint, attack paths by
/// their entry, target and the footholds they pass through.
#[derive(Debug, Serialize)]
pub struct Diff {
    pub new_threats: Vec<Value>,
    pub fixed_threats: Vec<Value>,
    pub unchanged_threats: Vec<Value>,
    pub new_attack_paths: Vec<Value>,
    pub fixed_attack_paths: Vec<Value>,
    pub unchanged_attack_paths: Vec<Value>,
}

fn list<'a>(report: &'a Value, key: &str) -> Result<&'a [Value], String> {
    report
        .get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .ok_or_else(|| format!("not a stridemap JSON report: no `{key}` list"))
}

fn path_key(path: &Value) -> String {
    let mut key = vec![
        path["entry"].as_str().unwrap_or("").to_string(),
        path["target"].as_str().unwrap_or("").to_string(),
    ];
    for step in path["steps"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
        key.push(step["to"].as_str().unwrap_or("").to_string());
    }
    key.join(" > ")
}

/// Splits `old` and `new` into what appeared, what went away and what stayed (the `new`
/// report's version of what stayed).
fn compare(old: &[Value], new: &[Value], key: &dyn Fn(&Value) -> String) -> [Vec<Value>; 3] {
    let old_keys: BTreeMap<String, &Value> = old.iter().map(|v| (key(v), v)).collect();
    let new_keys: BTreeSet<String> = new.iter().map(key).collect();
    let mut appeared = Vec::new();
    let mut stayed = Vec::new();
    for v in new {
        if old_keys.contains_key(&key(v)) {
            stayed.push(v.clone());
        } else {
            appeared.push(v.clone());
        }
    }
    let gone = old
        .iter()
        .filter(|v| !new_keys.contains(&key(v)))
        .cloned()
        .collect();
    [appeared, gone, stayed]
}

pub fn diff(old: &Value, new: &Value) -> Result<Diff, String> {
    let fingerprint = |t: &Value| t["fingerprint"].as_str().unwrap_or("").to_string();
    let [new_threats, fixed_threats, unchanged_threats] =
        compare(list(old, "threats")?, list(new, "threats")?, &fingerprint);
    let [new_attack_paths, fixed_attack_paths, unchanged_attack_paths] = compare(
        list(old, "attack_paths")?,
        list(new, "attack_paths")?,
        &path_key,
    );
    Ok(Diff {
        new_threats,
        fixed_threats,
        unchanged_threats,
        new_attack_paths,
        fixed_attack_paths,
        unchanged_attack_paths,
    })
}

fn threat_line(sign: char, t: &Value) -> String {
    let evidence = &t["evidence"][0];
    format!(
        "  {sign} {:<8} {:<36} {}:{}  {}\n",
        t["severity"].as_str().unwrap_or(""),
        t["rule"].as_str().unwrap_or(""),
        evidence["file"].as_str().unwrap_or(""),
        evidence["line"],
        t["title"].as_str().unwrap_or(""),
    )
}

fn path_line(sign: char, p: &Value) -> String {
    format!(
        "  {sign} {:<8} {}\n",
        p["severity"].as_str().unwrap_or(""),
        p["title"].as_str().unwrap_or("")
    )
}

impl Diff {
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let section =
            |out: &mut String, title: &str, items: &[Value], line: &dyn Fn(&Value) -> String| {
                out.push_str(&format!("{title} ({}):\n", items.len()));
                for v in items {
                    out.push_str(&line(v));
                }
            };
        section(&mut out, "New threats", &self.new_threats, &|t| {
            threat_line('+', t)
        });
        section(&mut out, "Fixed threats", &self.fixed_threats, &|t| {
            threat_line('-', t)
        });
        out.push_str(&format!(
            "Unchanged threats: {}\n",
            self.unchanged_threats.len()
        ));
        section(&mut out, "New attack paths", &self.new_attack_paths, &|p| {
            path_line('+', p)
        });
        section(
            &mut out,
            "Fixed attack paths",
            &self.fixed_attack_paths,
            &|p| path_line('-', p),
        );
        out.push_str(&format!(
            "Unchanged attack paths: {}\n",
            self.unchanged_attack_paths.len()
        ));
        out
    }

    pub fn to_json(&self) -> String {
        let mut out = serde_json::to_string_pretty(self).expect("diff serialises");
        out.push('\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn threats_match_by_fingerprint_and_paths_by_route() {
        let old = json!({
            "threats": [{"fingerprint": "a", "rule": "R1"}, {"fingerprint": "b", "rule": "R2"}],
            "attack_paths": [{"entry": "internet", "target": "node", "steps": [{"to": "container:x"}, {"to": "node"}]}]
        });
        let new = json!({
            "threats": [{"fingerprint": "b", "rule": "R2"}, {"fingerprint": "c", "rule": "R3"}],
            "attack_paths": [{"entry": "internet", "target": "node", "steps": [{"to": "container:y"}, {"to": "node"}]}]
        });
        let d = diff(&old, &new).unwrap();
        assert_eq!(d.new_threats[0]["fingerprint"], "c");
        assert_eq!(d.fixed_threats[0]["fingerprint"], "a");
        assert_eq!(d.unchanged_threats.len(), 1);
        assert_eq!(d.new_attack_paths.len(), 1);
        assert_eq!(d.fixed_attack_paths.len(), 1);
        assert!(diff(&json!({}), &new).is_err());
    }

    #[test]
    fn reads_baselines_and_reports() {
        let text = r#"{"stridemap_baseline": 1, "threats": [{"fingerprint": "x", "rule": "R", "file": "f"}]}"#;
        assert_eq!(read(text).unwrap(), BTreeSet::from(["x".to_string()]));
        assert!(read("[]").is_err());
        assert!(read("{").is_err());
    }
}
