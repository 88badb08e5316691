//! Recognises the Kubernetes control-plane components a container runs and parses their
//! command-line flags once, keeping the YAML node of each flag so findings point at it.
//!
//! A component is recognised by its executable: the first word of `command` (or of a shell
//! script passed with `sh -c`), a `hyperkube <component>` pair, or, when the container has no
//! `command` but passes flags in `args`, the image's entrypoint as its repository name tells it
//! (`…/etcd:3.5.9`). etcd's `ETCD_*` environment variables count as flags.

use crate::helpers::{key_loc, on_container, on_object};
use crate::secrets::split_command;
use crate::{Finding, Sink};
use stridemap_model::image::ImageRef;
use stridemap_model::k8s::{Container, K8sObject, Workload};
use stridemap_model::{Location, Node};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    ApiServer,
    ControllerManager,
    Scheduler,
    Etcd,
    Kubelet,
}

impl Component {
    pub fn binary(self) -> &'static str {
        match self {
            Component::ApiServer => "kube-apiserver",
            Component::ControllerManager => "kube-controller-manager",
            Component::Scheduler => "kube-scheduler",
            Component::Etcd => "etcd",
            Component::Kubelet => "kubelet",
        }
    }

    /// The component an executable name (path stripped) stands for.
    fn from_executable(word: &str) -> Option<Component> {
        let base = word.rsplit('/').next().unwrap_or(word);
        match base {
            "kube-apiserver" => Some(Component::ApiServer),
            "kube-controller-manager" => Some(Component::ControllerManager),
            "kube-scheduler" => Some(Component::Scheduler),
            "etcd" => Some(Component::Etcd),
            "kubelet" => Some(Component::Kubelet),
            _ => None,
        }
    }

    /// `hyperkube` sub-commands.
    fn from_hyperkube(word: &str) -> Option<Component> {
        match word {
            "apiserver" | "kube-apiserver" => Some(Component::ApiServer),
            "controller-manager" | "kube-controller-manager" => Some(Component::ControllerManager),
            "scheduler" | "kube-scheduler" => Some(Component::Scheduler),
            "kubelet" => Some(Component::Kubelet),
            _ => None,
        }
    }

    /// The component whose image this repository name is (`registry.k8s.io/kube-apiserver`,
    /// `gcr.io/google_containers/etcd-amd64`).
    fn from_image(image: &str) -> Option<Component> {
        let repo = ImageRef::parse(image).repository;
        let last = repo.rsplit('/').next().unwrap_or(&repo);
        let last = ["-amd64", "-arm64", "-arm", "-ppc64le", "-s390x"]
            .iter()
            .find_map(|s| last.strip_suffix(s))
            .unwrap_or(last);
        Component::from_executable(last)
    }
}

/// One command-line flag: `--name=value`, `--name value` or a bare `--name`.
#[derive(Debug, Clone)]
pub struct Flag<'a> {
    pub name: String,
    /// `None` for a bare flag.
    pub value: Option<String>,
    pub node: &'a Node,
}

/// A control-plane component run by a container, with its parsed flags.
#[derive(Debug, Clone)]
pub struct Invocation<'a> {
    pub component: Component,
    pub container: Container<'a>,
    /// Where the executable is named (the command word, or the image when implied).
    pub exe: &'a Node,
    pub flags: Vec<Flag<'a>>,
}

const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh"];

/// The words of `command` then `args`; strings passed to a shell are split into words.
fn words<'a>(container: &Container<'a>) -> (Vec<(String, &'a Node)>, bool) {
    let command = container.node.get("command").filter(|n| !n.is_null());
    let args = container.node.get("args").filter(|n| !n.is_null());
    let shell = command
        .and_then(|c| c.strings().first().map(|(s, _)| s.to_string()))
        .is_some_and(|first| SHELLS.contains(&first.rsplit('/').next().unwrap_or(&first)));
    let mut out = Vec::new();
    for list in [command, args].into_iter().flatten() {
        for (text, node) in list.strings() {
            if shell && text.contains(char::is_whitespace) {
                out.extend(split_command(text).into_iter().map(|w| (w, node)));
            } else {
                out.push((text.to_string(), node));
            }
        }
    }
    (out, command.is_some_and(|c| !c.strings().is_empty()))
}

fn is_separator(word: &str) -> bool {
    matches!(word, ";" | "&&" | "||" | "|" | "&")
}

/// Parses the words after the executable into flags.
fn parse_flags<'a>(words: &[(String, &'a Node)]) -> Vec<Flag<'a>> {
    let mut flags = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let (word, node) = (&words[i].0, words[i].1);
        if is_separator(word) || word.ends_with(';') && !word.starts_with('-') {
            break;
        }
        let stripped = word.strip_prefix("--").or_else(|| word.strip_prefix('-'));
        let Some(body) = stripped.filter(|b| !b.is_empty() && !b.starts_with('-')) else {
            i += 1;
            continue;
        };
        let body = body.trim_end_matches(';');
        match body.split_once('=') {
            Some((name, value)) => {
                flags.push(Flag {
                    name: name.to_string(),
                    value: Some(unquote(value).to_string()),
                    node,
                });
                i += 1;
            }
            None => {
                let next = words
                    .get(i + 1)
                    .filter(|(w, _)| !w.starts_with('-') && !is_separator(w));
                flags.push(Flag {
                    name: body.to_string(),
                    value: next.map(|(w, _)| unquote(w).to_string()),
                    node,
                });
                i += if next.is_some() { 2 } else { 1 };
            }
        }
    }
    flags
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .or_else(|| s.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')))
        .unwrap_or(s)
}

/// The control-plane component a container runs, if any.
pub fn invocation<'a>(container: Container<'a>) -> Option<Invocation<'a>> {
    let (words, has_command) = words(&container);
    if has_command {
        for i in 0..words.len() {
            let word = words[i].0.as_str();
            // A word that is the value of a preceding option (`--name etcd`) is not a command.
            if i > 0 {
                let prev = words[i - 1].0.as_str();
                if prev.starts_with('-') && prev != "-c" && prev != "--" && !prev.contains('=') {
                    continue;
                }
            }
            if let Some(component) = Component::from_executable(word) {
                let mut flags = env_flags(&container, component);
                flags.extend(parse_flags(&words[i + 1..]));
                return Some(Invocation {
                    component,
                    container,
                    exe: words[i].1,
                    flags,
                });
            }
            if word.rsplit('/').next() == Some("hyperkube") {
                if let Some(component) = words
                    .get(i + 1)
                    .and_then(|w| Component::from_hyperkube(&w.0))
                {
                    return Some(Invocation {
                        component,
                        container,
                        exe: words[i].1,
                        flags: parse_flags(&words[i + 2..]),
                    });
                }
            }
        }
        return None;
    }
    // No command: the image's entrypoint runs, with `args` as its flags. Images whose
    // entrypoint is a wrapper script are common, so the image name alone is not enough: the
    // args must pass flags, or (etcd) `ETCD_*` variables must configure it.
    let image = container.image()?;
    let component = Component::from_image(image.as_str()?)?;
    let env = env_flags(&container, component);
    if !words.iter().any(|(w, _)| w.starts_with('-')) && env.is_empty() {
        return None;
    }
    let mut flags = env;
    flags.extend(parse_flags(&words));
    Some(Invocation {
        component,
        container,
        exe: image,
        flags,
    })
}

/// etcd reads every flag from an `ETCD_<FLAG>` environment variable too
/// (`ETCD_CLIENT_CERT_AUTH=true` is `--client-cert-auth=true`).
fn env_flags<'a>(container: &Container<'a>, component: Component) -> Vec<Flag<'a>> {
    if component != Component::Etcd {
        return Vec::new();
    }
    let env = container.node.get("env").map(Node::as_seq).unwrap_or(&[]);
    env.iter()
        .filter_map(|e| {
            let name = e.get("name")?.as_str()?.strip_prefix("ETCD_")?;
            let value = e.get("value")?;
            Some(Flag {
                name: name.to_ascii_lowercase().replace('_', "-"),
                value: Some(value.as_str().unwrap_or("").to_string()),
                node: value,
            })
        })
        .collect()
}

/// Every container of the workload that runs one of `components`.
pub fn invocations<'a>(w: &Workload<'a>, components: &[Component]) -> Vec<Invocation<'a>> {
    w.containers()
        .into_iter()
        .filter_map(invocation)
        .filter(|inv| components.contains(&inv.component))
        .collect()
}

impl<'a> Invocation<'a> {
    /// The last occurrence of a flag (later flags override earlier ones).
    pub fn flag(&self, name: &str) -> Option<&Flag<'a>> {
        self.flags.iter().rev().find(|f| f.name == name)
    }

    /// A flag's value, when it is given and not empty.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.flag(name)
            .and_then(|f| f.value.as_deref())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    /// True when the flag carries a non-empty value.
    pub fn has_value(&self, name: &str) -> bool {
        self.value(name).is_some()
    }

    /// A boolean flag: a bare flag is `true`; values follow Go's `strconv.ParseBool`.
    pub fn bool_value(&self, name: &str) -> Option<bool> {
        let flag = self.flag(name)?;
        match flag.value.as_deref() {
            None => Some(true),
            Some(v) => parse_bool(v),
        }
    }

    /// A comma-separated list flag, items trimmed, empty items dropped.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.value(name)
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A gate of `--feature-gates=A=true,B=false`.
    pub fn feature_gate(&self, gate: &str) -> Option<bool> {
        self.list("feature-gates").iter().find_map(|item| {
            let (name, value) = item.split_once('=')?;
            (name.trim() == gate)
                .then(|| parse_bool(value.trim()))
                .flatten()
        })
    }

    /// Where the executable is named: the anchor for findings about a missing flag.
    pub fn anchor(&self) -> Location {
        self.exe.loc
    }

    /// The flag's node, else the executable.
    pub fn loc_of(&self, name: &str) -> Location {
        self.flag(name).map_or(self.anchor(), |f| f.node.loc)
    }

    /// `kube-apiserver in container "api" of Pod/kube-apiserver`.
    pub fn describe(&self, w: &Workload) -> String {
        format!(
            "`{}` in {} of {}",
            self.component.binary(),
            self.container.describe(),
            w.object.resource_id()
        )
    }

    /// The Kubernetes minor release the image tag names (`v1.19.4` → `(1, 19)`), for flags
    /// whose default changed between releases. `None` for etcd and for unversioned images.
    pub fn k8s_version(&self) -> Option<(u32, u32)> {
        if self.component == Component::Etcd {
            return None;
        }
        let image = self.container.image()?.as_str()?;
        let parsed = ImageRef::parse(image);
        let last = parsed.repository.rsplit('/').next().unwrap_or("");
        if !last.starts_with("kube") && !last.starts_with("hyperkube") {
            return None;
        }
        let tag = parsed.tag?;
        let tag = tag.strip_prefix('v').unwrap_or(&tag);
        let mut parts = tag.split(['.', '-', '+']);
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        Some((major, minor))
    }

    /// Reports this invocation when it leaves any of `flags` unset: the finding points at the
    /// first missing flag's place and names every missing one. `consequence` completes the
    /// sentence "<component> does not set <flags>, so …".
    pub fn report_missing(&self, out: &mut Sink, w: &Workload, flags: &[&str], consequence: &str) {
        let missing: Vec<&str> = flags
            .iter()
            .copied()
            .filter(|f| !self.has_value(f))
            .collect();
        let Some(first) = missing.first() else { return };
        let named: Vec<String> = missing.iter().map(|f| format!("`--{f}`")).collect();
        let description = format!(
            "{} does not set {}, so {consequence}",
            self.describe(w),
            named.join(" or ")
        );
        self.report(out, w, self.loc_of(first), description);
    }

    /// Starts a finding on this container.
    pub fn report<'s>(
        &self,
        out: &'s mut Sink,
        w: &Workload,
        loc: Location,
        description: impl Into<String>,
    ) -> &'s mut Finding {
        on_container(out, w, &self.container, loc, description)
    }
}

/// Go's `strconv.ParseBool`.
pub fn parse_bool(value: &str) -> Option<bool> {
    match unquote(value) {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// A Go duration (`90s`, `1h30m`, `1s9m3h`, plain `0`) in seconds.
pub fn parse_duration(value: &str) -> Option<f64> {
    let s = unquote(value).trim();
    let (negative, mut s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if s == "0" {
        return Some(0.0);
    }
    if s.is_empty() {
        return None;
    }
    let mut total = 0.0;
    while !s.is_empty() {
        let num_end = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(s.len());
        if num_end == 0 {
            return None;
        }
        let number: f64 = s[..num_end].parse().ok()?;
        s = &s[num_end..];
        let unit_end = s
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(s.len());
        let factor = match &s[..unit_end] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += number * factor;
        s = &s[unit_end..];
    }
    Some(if negative { -total } else { total })
}

/// A listen address that only the node itself can reach.
pub fn is_loopback(address: &str) -> bool {
    let a = unquote(address)
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']');
    a == "localhost" || a == "::1" || a.starts_with("127.")
}

/// Kinds of the component configuration files.
pub const KUBELET_CONFIG: &str = "KubeletConfiguration";

pub fn is_kubelet_config(o: &K8sObject) -> bool {
    o.kind == KUBELET_CONFIG
}

/// The value at `path` of a configuration object, if set (not null).
pub fn config_value<'a>(o: &'a K8sObject, path: &[&str]) -> Option<&'a Node> {
    o.root.path(path).filter(|n| !n.is_null())
}

/// Where to point for a configuration field: its value, else the object's `kind`.
pub fn config_loc(o: &K8sObject, path: &[&str]) -> Location {
    config_value(o, path).map_or_else(|| key_loc(&o.root, "kind"), |n| n.loc)
}

/// A boolean field of a configuration object (quoted or not).
pub fn config_bool(o: &K8sObject, path: &[&str]) -> Option<bool> {
    let node = config_value(o, path)?;
    node.as_bool()
        .or_else(|| node.as_str().and_then(parse_bool))
}

/// Starts a finding on a configuration object.
pub fn report_config<'s>(
    out: &'s mut Sink,
    o: &K8sObject,
    loc: Location,
    description: impl Into<String>,
) -> &'s mut Finding {
    on_object(out, o, loc, description)
}

/// `KubeletConfiguration/unnamed` or its name, for messages.
pub fn config_name(o: &K8sObject) -> String {
    o.resource_id()
}

/// The admission plugins an API server turns on, and off.
pub struct Admission {
    pub enabled: Vec<String>,
    pub disabled: Vec<String>,
    /// The legacy `--admission-control` flag replaces the default set instead of adding to it.
    pub legacy: bool,
}

/// Plugins the API server runs without being asked to (since 1.10, where
/// `--enable-admission-plugins` appeared).
pub const DEFAULT_PLUGINS: &[&str] = &[
    "NamespaceLifecycle",
    "LimitRanger",
    "ServiceAccount",
    "TaintNodesByCondition",
    "PodSecurity",
    "Priority",
    "DefaultTolerationSeconds",
    "DefaultStorageClass",
    "StorageObjectInUseProtection",
    "PersistentVolumeClaimResize",
    "RuntimeClass",
    "CertificateApproval",
    "CertificateSigning",
    "ClusterTrustBundleAttest",
    "CertificateSubjectRestriction",
    "DefaultIngressClass",
    "MutatingAdmissionWebhook",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionWebhook",
    "ResourceQuota",
];

impl Admission {
    pub fn of(inv: &Invocation) -> Admission {
        let legacy = inv.has_value("admission-control");
        let mut enabled = inv.list("enable-admission-plugins");
        enabled.extend(inv.list("admission-control"));
        Admission {
            enabled,
            disabled: inv.list("disable-admission-plugins"),
            legacy,
        }
    }

    pub fn explicitly_enabled(&self, plugin: &str) -> bool {
        self.enabled.iter().any(|p| p == plugin)
    }

    pub fn explicitly_disabled(&self, plugin: &str) -> bool {
        self.disabled.iter().any(|p| p == plugin)
    }

    /// Whether `plugin` runs, counting the defaults.
    pub fn runs(&self, plugin: &str) -> bool {
        if self.explicitly_disabled(plugin) {
            return false;
        }
        self.explicitly_enabled(plugin) || (!self.legacy && DEFAULT_PLUGINS.contains(&plugin))
    }
}

/// The admission-plugin flag to point at for a finding about `plugin`.
pub fn admission_loc(inv: &Invocation, plugin: &str) -> Location {
    let a = Admission::of(inv);
    if a.explicitly_disabled(plugin) {
        return inv.loc_of("disable-admission-plugins");
    }
    for flag in ["enable-admission-plugins", "admission-control"] {
        if inv.flag(flag).is_some() {
            return inv.loc_of(flag);
        }
    }
    inv.anchor()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("300s"), Some(300.0));
        assert_eq!(parse_duration("1h0s"), Some(3600.0));
        assert_eq!(parse_duration("1s9m3h"), Some(3.0 * 3600.0 + 540.0 + 1.0));
        assert_eq!(parse_duration("0"), Some(0.0));
        assert_eq!(parse_duration("2m3s"), Some(123.0));
        assert_eq!(parse_duration("1.5m"), Some(90.0));
        assert_eq!(parse_duration("12"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn loopback() {
        assert!(is_loopback("127.0.0.1"));
        assert!(is_loopback("[::1]"));
        assert!(!is_loopback("0.0.0.0"));
        assert!(!is_loopback("10.0.0.4"));
    }

    #[test]
    fn images() {
        assert_eq!(
            Component::from_image("gcr.io/google_containers/etcd-amd64:3.2.18"),
            Some(Component::Etcd)
        );
        assert_eq!(
            Component::from_image("registry.k8s.io/kube-apiserver:v1.29.0"),
            Some(Component::ApiServer)
        );
        assert_eq!(Component::from_image("quay.io/coreos/etcd-operator"), None);
    }

    #[test]
    fn flags() {
        let n = Node::scalar("x", false, Location::new(1, 1));
        let words: Vec<(String, &Node)> = [
            "--a=1", "--b", "two", "-c=3", "--bare", "--next=x", "--empty=", "--last",
        ]
        .iter()
        .map(|w| (w.to_string(), &n))
        .collect();
        let flags = parse_flags(&words);
        let get = |name: &str| flags.iter().find(|f| f.name == name).unwrap().value.clone();
        assert_eq!(get("a").as_deref(), Some("1"));
        assert_eq!(get("b").as_deref(), Some("two"));
        assert_eq!(get("c").as_deref(), Some("3"));
        assert_eq!(get("bare"), None);
        assert_eq!(get("empty").as_deref(), Some(""));
        assert_eq!(get("last"), None);
    }
}
