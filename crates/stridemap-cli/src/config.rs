//! `stridemap.toml` (or `.stridemap.toml`): found by walking up from the scanned path, or named
//! with `--config`. Every key is checked: unknown keys, bad values and unknown rule ids are
//! errors that name the file, the line and the key.

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use stridemap_model::{Group, Severity};
use toml::Spanned;

pub const FILE_NAMES: [&str; 2] = ["stridemap.toml", ".stridemap.toml"];

/// The threshold of `fail-on`, as written in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Info,
    None,
}

impl FailOn {
    /// The lowest severity that fails the scan; `None` for `none`.
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Critical => Some(Severity::Critical),
            FailOn::High => Some(Severity::High),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::Low => Some(Severity::Low),
            FailOn::Info => Some(Severity::Info),
            FailOn::None => None,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    fail_on: Option<FailOn>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    trusted_registries: Vec<String>,
    #[serde(default)]
    rules: RawRules,
    #[serde(default)]
    architecture: RawArchitecture,
    #[serde(default)]
    overrides: Vec<RawOverride>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    /// When present, only these rules or groups run.
    enable: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    disable: Vec<Spanned<String>>,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Severity>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawArchitecture {
    #[serde(default)]
    entry_points: Vec<Spanned<String>>,
    #[serde(default)]
    crown_jewels: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverride {
    paths: Vec<Spanned<String>>,
    #[serde(default)]
    disable: Vec<Spanned<String>>,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Severity>,
}

/// A name from the file with the line it is on, for errors found after parsing.
#[derive(Debug, Clone)]
pub struct Located {
    pub value: String,
    pub line: usize,
}

/// Rule disables and severities for the files some globs match.
#[derive(Debug)]
pub struct PathOverride {
    pub paths: GlobSet,
    pub disabled: BTreeSet<&'static str>,
    pub severity: BTreeMap<&'static str, Severity>,
}

/// A checked configuration, with rule ids resolved against the registry.
#[derive(Debug, Default)]
pub struct Config {
    /// The file it was read from; `None` when there is none.
    pub file: Option<PathBuf>,
    pub fail_on: Option<FailOn>,
    pub exclude: Option<GlobSet>,
    pub trusted_registries: Vec<String>,
    /// `None`: every rule; otherwise only these.
    pub enabled: Option<BTreeSet<&'static str>>,
    pub disabled: BTreeSet<&'static str>,
    pub severity: BTreeMap<&'static str, Severity>,
    pub entry_points: Vec<Located>,
    pub crown_jewels: Vec<Located>,
    pub overrides: Vec<PathOverride>,
}

/// The closest of `candidates` to a mistyped `input`, when one is close enough to suggest.
pub fn suggest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let input = input.to_ascii_uppercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&input, &c.to_ascii_uppercase()), c))
        .filter(|(score, _)| *score > 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// ` Did you mean `X`?` or nothing.
pub fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
}

struct Reader<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Reader<'_> {
    fn line_of(&self, span: std::ops::Range<usize>) -> usize {
        self.text[..span.start.min(self.text.len())]
            .matches('\n')
            .count()
            + 1
    }

    fn error(&self, span: std::ops::Range<usize>, key: &str, message: String) -> String {
        format!(
            "{}:{}: `{key}`: {message}",
            self.path.display(),
            self.line_of(span)
        )
    }

    /// Rule ids and group slugs → rule ids.
    fn rules(
        &self,
        key: &str,
        names: &[Spanned<String>],
    ) -> Result<BTreeSet<&'static str>, String> {
        let mut out = BTreeSet::new();
        for name in names {
            out.extend(self.rule_or_group(key, name)?);
        }
        Ok(out)
    }

    fn rule_or_group(
        &self,
        key: &str,
        name: &Spanned<String>,
    ) -> Result<Vec<&'static str>, String> {
        let registry = stridemap_rules::registry();
        if let Some(rule) = stridemap_rules::find_rule(name.get_ref()) {
            return Ok(vec![rule.meta().id]);
        }
        if let Some(group) = Group::from_slug(name.get_ref()) {
            return Ok(registry
                .iter()
                .filter(|r| r.meta().group == group)
                .map(|r| r.meta().id)
                .collect());
        }
        let names = registry
            .iter()
            .map(|r| r.meta().id)
            .chain(Group::ALL.iter().map(|g| g.slug()));
        Err(self.error(
            name.span(),
            key,
            format!(
                "`{}` is neither a rule id nor a group{}",
                name.get_ref(),
                did_you_mean(suggest(name.get_ref(), names))
            ),
        ))
    }

    fn severities(
        &self,
        key: &str,
        map: &BTreeMap<Spanned<String>, Severity>,
    ) -> Result<BTreeMap<&'static str, Severity>, String> {
        let mut out = BTreeMap::new();
        for (name, severity) in map {
            for id in self.rule_or_group(key, name)? {
                out.insert(id, *severity);
            }
        }
        Ok(out)
    }

    fn globs(&self, key: &str, patterns: &[Spanned<String>]) -> Result<GlobSet, String> {
        let mut set = GlobSetBuilder::new();
        for p in patterns {
            // A pattern without a `/` matches at any depth, as in .gitignore.
            let pattern = p.get_ref().trim_start_matches("./");
            let pattern = if pattern.contains('/') {
                pattern.trim_start_matches('/').to_string()
            } else {
                format!("**/{pattern}")
            };
            let glob = globset::GlobBuilder::new(&pattern)
                .literal_separator(true)
                .build()
                .map_err(|e| self.error(p.span(), key, format!("invalid glob: {e}")))?;
            set.add(glob);
            // `dir/**` also excludes `dir` itself, so the walk does not descend into it.
            if let Some(dir) = pattern.strip_suffix("/**") {
                set.add(Glob::new(dir).expect("prefix of a valid glob"));
            }
        }
        set.build()
            .map_err(|e| format!("{}: `{key}`: {e}", self.path.display()))
    }
}

fn located(reader: &Reader, names: &[Spanned<String>]) -> Vec<Located> {
    names
        .iter()
        .map(|n| Located {
            value: n.get_ref().clone(),
            line: reader.line_of(n.span()),
        })
        .collect()
}

impl Config {
    /// Parses and checks a configuration file's text.
    pub fn parse(path: &Path, text: &str) -> Result<Config, String> {
        let raw: RawConfig = toml::from_str(text)
            .map_err(|e| format!("{}: {}", path.display(), e.to_string().trim_end()))?;
        let reader = Reader { path, text };
        let overrides = raw
            .overrides
            .iter()
            .map(|o| {
                Ok(PathOverride {
                    paths: reader.globs("overrides.paths", &o.paths)?,
                    disabled: reader.rules("overrides.disable", &o.disable)?,
                    severity: reader.severities("overrides.severity", &o.severity)?,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Config {
            file: Some(path.to_path_buf()),
            fail_on: raw.fail_on,
            exclude: if raw.exclude.is_empty() {
                None
            } else {
                Some(reader.globs("exclude", &raw.exclude)?)
            },
            trusted_registries: raw.trusted_registries,
            enabled: raw
                .rules
                .enable
                .as_deref()
                .map(|names| reader.rules("rules.enable", names))
                .transpose()?,
            disabled: reader.rules("rules.disable", &raw.rules.disable)?,
            severity: reader.severities("rules.severity", &raw.rules.severity)?,
            entry_points: located(&reader, &raw.architecture.entry_points),
            crown_jewels: located(&reader, &raw.architecture.crown_jewels),
            overrides,
        })
    }

    pub fn load(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read the configuration: {e}", path.display()))?;
        Config::parse(path, &text)
    }

    /// The configuration file for a scan of `scanned`: the first `stridemap.toml` or
    /// `.stridemap.toml` in its directory or a directory above.
    pub fn find(scanned: &Path) -> Option<PathBuf> {
        let start = scanned.canonicalize().ok()?;
        let start = if start.is_file() {
            start.parent()?.to_path_buf()
        } else {
            start
        };
        start.ancestors().find_map(|dir| {
            FILE_NAMES
                .iter()
                .map(|name| dir.join(name))
                .find(|p| p.is_file())
        })
    }

    /// The directory that relative paths in the file are relative to.
    pub fn base_dir(&self) -> Option<PathBuf> {
        let file = self.file.as_ref()?;
        let dir = file.parent().unwrap_or(Path::new("."));
        Some(if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir.to_path_buf()
        })
    }

    /// Whether a rule runs at all.
    pub fn runs(&self, id: &str) -> bool {
        self.enabled.as_ref().is_none_or(|e| e.contains(id)) && !self.disabled.contains(id)
    }

    /// A `file:line: `key`: …` error for a name checked after the scan (entry points and crown
    /// jewels, which are only known once the architecture is built).
    pub fn error_at(&self, line: usize, key: &str, message: String) -> String {
        let file = self
            .file
            .as_ref()
            .map(|f| f.display().to_string())
            .unwrap_or_default();
        format!("{file}:{line}: `{key}`: {message}")
    }
}

/// What `stridemap init` writes: every key, commented, with its default.
pub const TEMPLATE: &str = r#"# stridemap configuration. stridemap finds this file by walking up from the scanned path;
# `stridemap scan --config FILE` names another one. Paths are relative to this file's directory.

# Exit with 1 when a threat at or above this severity is reported:
# critical, high, medium, low, info or none. `--fail-on` overrides it.
fail-on = "high"

# Files and directories never read (globs; a pattern without `/` matches at any depth).
exclude = [
  # "vendor/**",
  # "*.generated.yaml",
]

# Registries or repository prefixes you control: their images are not required to be pinned
# by digest (IMG-NO-DIGEST).
trusted-registries = [
  # "registry.internal.example",
  # "ghcr.io/your-org",
]

[rules]
# Rule ids (`stridemap rules`) or groups: service-to-service, container-security,
# secrets-management, api-gateway, message-queue, service-mesh, distributed-dos,
# cicd-pipeline, service-discovery, sidecar-init.
# enable = ["container-security", "secrets-management"]  # only these run
disable = [
  # "IMG-NO-DIGEST",
]

[rules.severity]
# IMG-LATEST-TAG = "high"

[architecture]
# Architecture node ids or names (see `stridemap graph`), correcting what stridemap infers.
# Reachable from the internet, whatever the manifests say:
entry-points = []
# What an attacker must not reach; attack paths to them are critical:
crown-jewels = []

# Rules off, or other severities, for some paths only.
# [[overrides]]
# paths = ["legacy/**"]
# disable = ["CTR-WRITABLE-ROOT-FILESYSTEM"]
# severity = { "IMG-LATEST-TAG" = "low" }

# Inline suppressions, for one finding: `# stridemap:ignore[RULE-ID] reason` on the line or
# the line above (`//` in JavaScript, TypeScript, Go and Java); in Kubernetes, on or above the
# object's first line for the whole object, or the annotation
# `stridemap.io/ignore: "RULE-ID reason"`.
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(Path::new("stridemap.toml"), text)
    }

    #[test]
    fn the_template_is_valid() {
        let c = parse(TEMPLATE).unwrap();
        assert_eq!(c.fail_on, Some(FailOn::High));
        assert!(c.disabled.is_empty() && c.enabled.is_none());
    }

    #[test]
    fn rules_by_id_and_group() {
        let c = parse(
            "[rules]\ndisable = [\"ctr-privileged\", \"cicd-pipeline\"]\nseverity = { IMG-LATEST-TAG = \"high\" }\n",
        )
        .unwrap();
        assert!(c.disabled.contains("CTR-PRIVILEGED"));
        assert!(c.disabled.contains("CICD-UNPINNED-ACTION"));
        assert!(!c.runs("CTR-PRIVILEGED") && c.runs("CTR-HOST-PID"));
        assert_eq!(c.severity.get("IMG-LATEST-TAG"), Some(&Severity::High));
    }

    #[test]
    fn enable_keeps_only_what_it_names_and_disable_still_wins() {
        let c = parse(
            "[rules]\nenable = [\"secrets-management\", \"CTR-PRIVILEGED\"]\ndisable = [\"SEC-ENV-CREDENTIAL\"]\n",
        )
        .unwrap();
        assert!(c.runs("CTR-PRIVILEGED") && c.runs("SEC-SECRET-ENV-VAR"));
        assert!(!c.runs("CTR-HOST-PID") && !c.runs("SEC-ENV-CREDENTIAL"));
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let e =
            parse("fail-on = \"high\"\n\n[rules]\ndisable = [\"CTR-PRIVILEDGED\"]\n").unwrap_err();
        assert!(
            e.starts_with("stridemap.toml:4: `rules.disable`")
                && e.contains("did you mean `CTR-PRIVILEGED`?"),
            "{e}"
        );
        let e = parse("[rules]\ndisabel = []\n").unwrap_err();
        assert!(e.contains("line 2") && e.contains("disabel"), "{e}");
        let e = parse("fail-on = \"severe\"\n").unwrap_err();
        assert!(e.contains("line 1") && e.contains("severe"), "{e}");
        let e = parse("[rules.severity]\nIMG-LATEST-TAG = \"urgent\"\n").unwrap_err();
        assert!(e.contains("line 2") && e.contains("urgent"), "{e}");
    }
}
