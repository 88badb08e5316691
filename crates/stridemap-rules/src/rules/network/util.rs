//! Shared pieces of the network rules: the pod templates of a scan, namespaces with workloads,
//! a lenient shell tokenizer for build and container commands, and port parsing.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use stridemap_model::k8s::K8sObject;
use stridemap_model::network_policy::{PodView, PolicyIndex};
use stridemap_model::{Corpus, Node};

// ---------------------------------------------------------------------------------------------
// Pod templates

/// Kinds that create pods, and where their pod template's metadata and spec live.
fn template_paths(kind: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
    Some(match kind {
        "Pod" => (&["metadata"], &["spec"]),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job"
        | "Rollout"
        | "DeploymentConfig" => (
            &["spec", "template", "metadata"],
            &["spec", "template", "spec"],
        ),
        "CronJob" => (
            &["spec", "jobTemplate", "spec", "template", "metadata"],
            &["spec", "jobTemplate", "spec", "template", "spec"],
        ),
        "PodTemplate" => (&["template", "metadata"], &["template", "spec"]),
        _ => return None,
    })
}

/// A pod template of the scan: any object that creates pods, even one written without a pod
/// spec (its labels still say which pods it makes).
#[derive(Debug, Clone)]
pub struct PodTemplate<'a> {
    pub object: &'a K8sObject,
    pub labels: BTreeMap<String, String>,
    /// The pod spec, when written.
    pub spec: Option<&'a Node>,
}

impl<'a> PodTemplate<'a> {
    pub fn of(object: &'a K8sObject) -> Option<Self> {
        let (meta, spec) = match template_paths(&object.kind) {
            Some((m, s)) => (object.root.path(m), object.root.path(s)),
            None => {
                let w = object.workload()?;
                (w.pod_metadata, Some(w.spec))
            }
        };
        let labels = string_map(meta.and_then(|m| m.get("labels")));
        Some(PodTemplate {
            object,
            labels,
            spec: spec.filter(|s| s.is_map()),
        })
    }

    pub fn namespace(&self) -> Option<&'a str> {
        self.object.namespace.as_deref()
    }

    /// The pod shares the node's network namespace: network policies do not apply to it.
    pub fn host_network(&self) -> bool {
        self.spec
            .and_then(|s| s.get("hostNetwork"))
            .and_then(Node::as_bool)
            == Some(true)
    }

    /// Containers of every kind (init, app, ephemeral).
    pub fn containers(&self) -> Vec<&'a Node> {
        let Some(spec) = self.spec else {
            return Vec::new();
        };
        ["initContainers", "containers", "ephemeralContainers"]
            .iter()
            .filter_map(|f| spec.get(f))
            .flat_map(|l| l.as_seq().iter())
            .filter(|c| c.is_map())
            .collect()
    }

    /// `(containerPort, name, protocol)` of every declared port.
    pub fn ports(&self) -> Vec<(Option<i64>, Option<&'a str>, &'a str)> {
        self.containers()
            .into_iter()
            .flat_map(|c| c.get("ports").map(Node::as_seq).unwrap_or(&[]).iter())
            .map(|p| {
                (
                    p.get("containerPort").and_then(Node::as_i64),
                    p.get("name").and_then(Node::as_str),
                    p.get("protocol").and_then(Node::as_str).unwrap_or("TCP"),
                )
            })
            .collect()
    }

    /// The pod as the policies of `index` see it (an unset namespace resolved).
    pub fn view<'s>(&'s self, index: &'s PolicyIndex) -> PodView<'s> {
        let namespace = index.resolve(self.namespace());
        PodView {
            namespace,
            labels: &self.labels,
            namespace_labels: index.labels_of_namespace(namespace),
        }
    }
}

pub fn string_map(node: Option<&Node>) -> BTreeMap<String, String> {
    node.map(|n| {
        n.entries()
            .filter_map(|(k, _, v)| v.as_str().map(|v| (k.to_string(), v.to_string())))
            .collect()
    })
    .unwrap_or_default()
}

/// Every pod template of the corpus, in corpus order.
pub fn pod_templates(corpus: &Corpus) -> Vec<PodTemplate<'_>> {
    corpus.objects.iter().filter_map(PodTemplate::of).collect()
}

/// Pod templates by label pair, so that a selector's pods are found without testing every pod
/// of the scan (one Service per workload makes that test quadratic).
pub struct PodsByLabel<'p, 'a> {
    pods: &'p [PodTemplate<'a>],
    by_pair: HashMap<(&'p str, &'p str), Vec<usize>>,
}

impl<'p, 'a> PodsByLabel<'p, 'a> {
    pub fn new(pods: &'p [PodTemplate<'a>]) -> Self {
        let mut by_pair: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        for (i, p) in pods.iter().enumerate() {
            for (k, v) in &p.labels {
                by_pair.entry((k.as_str(), v.as_str())).or_default().push(i);
            }
        }
        PodsByLabel { pods, by_pair }
    }

    /// The pods (in corpus order) whose labels hold every pair of a non-empty `selector` and
    /// whose namespace may be `namespace`.
    pub fn matching(
        &self,
        selector: &[(&str, &str)],
        namespace: Option<&str>,
    ) -> Vec<&'p PodTemplate<'a>> {
        // Start from the rarest pair; the others are then checked on few pods.
        let Some(rarest) = selector
            .iter()
            .map(|pair| self.by_pair.get(pair).map_or(&[][..], Vec::as_slice))
            .min_by_key(|list| list.len())
        else {
            return Vec::new();
        };
        rarest
            .iter()
            .map(|&i| &self.pods[i])
            .filter(|p| {
                same_namespace(p.namespace(), namespace)
                    && selector
                        .iter()
                        .all(|(k, v)| p.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .collect()
    }
}

/// Namespaces that hold pod templates, resolved as `index` does (`None`: manifests without a
/// namespace whose destination the scan does not tell).
pub fn workload_namespaces<'a>(
    pods: &[PodTemplate<'a>],
    index: &'a PolicyIndex,
) -> BTreeSet<Option<&'a str>> {
    pods.iter().map(|p| index.resolve(p.namespace())).collect()
}

/// Whether the scan holds pods a namespaced object of `namespace` could refer to (an unset
/// namespace on either side matches any).
pub fn has_pods_in(namespaces: &BTreeSet<Option<&str>>, namespace: Option<&str>) -> bool {
    match namespace {
        None => !namespaces.is_empty(),
        Some(_) => namespaces.contains(&namespace) || namespaces.contains(&None),
    }
}

pub fn same_namespace(a: Option<&str>, b: Option<&str>) -> bool {
    a.is_none() || b.is_none() || a == b
}

/// The namespace as a reader names it.
pub fn namespace_name(ns: Option<&str>) -> &str {
    ns.unwrap_or("default")
}

// ---------------------------------------------------------------------------------------------
// Shell commands

/// One simple command of a shell line: the variables it sets (`A=1 cmd`, `export A=1`,
/// `env A=1 cmd`), the program (base name, past `sudo`/`env`/`exec`…) and its arguments.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SimpleCommand {
    pub env: Vec<(String, String)>,
    pub program: Option<String>,
    pub args: Vec<String>,
    /// Output redirection targets (`> file`, `>> file`).
    pub redirects: Vec<String>,
}

impl SimpleCommand {
    pub fn is(&self, names: &[&str]) -> bool {
        self.program.as_deref().is_some_and(|p| names.contains(&p))
    }
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `NAME=value` as an assignment.
pub fn assignment(word: &str) -> Option<(String, String)> {
    let (k, v) = word.split_once('=')?;
    is_name(k).then(|| (k.to_string(), v.to_string()))
}

pub fn base_name(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    /// `;`, `&&`, `||`, `|`, `&`, newline, parentheses, backquotes: ends a simple command.
    Break,
    /// `>`/`>>`: the next word is a redirection target.
    Redirect,
}

/// Splits a shell line into words and command separators. Quotes are removed; a backslash
/// escapes the next character (also inside quotes — lenient, so odd quoting never hides a
/// command); `$(…)` and backquotes start nested commands.
fn tokenize(text: &str) -> Vec<Tok> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut i = 0;
    let flush = |cur: &mut String, in_word: &mut bool, out: &mut Vec<Tok>| {
        if *in_word {
            out.push(Tok::Word(std::mem::take(cur)));
            *in_word = false;
        }
    };
    while i < chars.len() {
        let c = chars[i];
        if let Some(q) = quote {
            if c == '\\' && i + 1 < chars.len() && (q == '"' || chars[i + 1] == '\'') {
                cur.push(chars[i + 1]);
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            } else {
                cur.push(c);
            }
            i += 1;
            continue;
        }
        match c {
            '\\' => {
                if let Some(&n) = chars.get(i + 1) {
                    if n != '\n' {
                        cur.push(n);
                        in_word = true;
                    }
                    i += 2;
                } else {
                    i += 1;
                }
                continue;
            }
            '\'' | '"' => {
                quote = Some(c);
                in_word = true;
            }
            '#' if !in_word => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            c if c.is_whitespace() && c != '\n' => flush(&mut cur, &mut in_word, &mut out),
            '$' if chars.get(i + 1) == Some(&'(') => {
                flush(&mut cur, &mut in_word, &mut out);
                out.push(Tok::Break);
                i += 2;
                continue;
            }
            ';' | '\n' | '&' | '|' | '(' | ')' | '`' => {
                flush(&mut cur, &mut in_word, &mut out);
                out.push(Tok::Break);
            }
            '>' | '<' => {
                // `2>&1`, `&>`: a file descriptor number before `>` is not a word.
                if in_word && cur.chars().all(|d| d.is_ascii_digit()) {
                    cur.clear();
                    in_word = false;
                }
                flush(&mut cur, &mut in_word, &mut out);
                while chars.get(i + 1) == Some(&'>') {
                    i += 1;
                }
                if chars.get(i + 1) == Some(&'&') {
                    // `>&2`: duplicates a descriptor, no file.
                    i += 2;
                    while chars.get(i).is_some_and(|d| d.is_ascii_digit()) {
                        i += 1;
                    }
                    continue;
                }
                if c == '>' {
                    out.push(Tok::Redirect);
                } else {
                    out.push(Tok::Break);
                }
            }
            _ => {
                cur.push(c);
                in_word = true;
            }
        }
        i += 1;
    }
    flush(&mut cur, &mut in_word, &mut out);
    out
}

const KEYWORDS: &[&str] = &[
    "then", "do", "else", "elif", "if", "while", "until", "!", "{", "}", "fi", "done", "time",
];
const WRAPPERS: &[&str] = &[
    "sudo", "exec", "command", "nohup", "xargs", "doas", "builtin",
];
const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh"];

/// The simple commands of a shell line, with `sh -c '…'` scripts expanded in place.
pub fn simple_commands(text: &str) -> Vec<SimpleCommand> {
    let mut out = Vec::new();
    commands_into(text, &mut out, 0);
    out
}

/// The simple commands of an exec-form argument vector (`["curl", "-k", …]`).
pub fn argv_commands(argv: &[&str]) -> Vec<SimpleCommand> {
    let mut out = Vec::new();
    words_into(
        argv.iter().map(|s| s.to_string()).collect(),
        Vec::new(),
        &mut out,
        0,
    );
    out
}

fn commands_into(text: &str, out: &mut Vec<SimpleCommand>, depth: usize) {
    let mut words = Vec::new();
    let mut redirects = Vec::new();
    let mut redirect_next = false;
    for tok in tokenize(text).into_iter().chain([Tok::Break]) {
        match tok {
            Tok::Word(w) if redirect_next => {
                redirects.push(w);
                redirect_next = false;
            }
            Tok::Word(w) => words.push(w),
            Tok::Redirect => redirect_next = true,
            Tok::Break => {
                redirect_next = false;
                if !words.is_empty() || !redirects.is_empty() {
                    words_into(
                        std::mem::take(&mut words),
                        std::mem::take(&mut redirects),
                        out,
                        depth,
                    );
                }
            }
        }
    }
}

fn words_into(
    words: Vec<String>,
    redirects: Vec<String>,
    out: &mut Vec<SimpleCommand>,
    depth: usize,
) {
    let mut cmd = SimpleCommand {
        redirects,
        ..Default::default()
    };
    let mut rest = words.into_iter().peekable();
    while let Some(w) = rest.peek().cloned() {
        if KEYWORDS.contains(&w.as_str()) {
            rest.next();
        } else if let Some(a) = assignment(&w) {
            cmd.env.push(a);
            rest.next();
        } else if WRAPPERS.contains(&base_name(&w)) || base_name(&w) == "env" {
            rest.next();
            while rest.peek().is_some_and(|a| a.starts_with('-')) {
                rest.next();
            }
        } else {
            break;
        }
    }
    cmd.program = rest.next().map(|p| base_name(&p).to_string());
    cmd.args = rest.collect();
    if cmd.is(&["export", "declare", "typeset", "readonly", "local"]) {
        cmd.env
            .extend(cmd.args.iter().filter_map(|a| assignment(a)));
    }
    // `sh -c 'script'`: the script's commands run too.
    if depth < 3 && cmd.program.as_deref().is_some_and(|p| SHELLS.contains(&p)) {
        if let Some(i) = cmd
            .args
            .iter()
            .position(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('c'))
        {
            if let Some(script) = cmd.args.get(i + 1).cloned() {
                out.push(cmd);
                commands_into(&script, out, depth + 1);
                return;
            }
        }
    }
    if cmd.program.is_some() || !cmd.env.is_empty() || !cmd.redirects.is_empty() {
        out.push(cmd);
    }
}

// ---------------------------------------------------------------------------------------------
// Commands of containers

/// The command line of a Kubernetes container (`command` + `args`) or a Compose `command`/
/// `entrypoint`/`healthcheck.test` as simple commands.
pub fn node_commands(parts: &[&Node]) -> Vec<SimpleCommand> {
    let mut out = Vec::new();
    let mut argv: Vec<&str> = Vec::new();
    for p in parts {
        if let Some(s) = p.as_str() {
            // A plain string is a command line of its own.
            out.extend(simple_commands(s));
        }
        argv.extend(p.as_seq().iter().filter_map(Node::as_str));
    }
    // Compose healthchecks start with `CMD` or `CMD-SHELL`.
    match argv.first() {
        Some(&"CMD-SHELL") => out.extend(argv[1..].iter().flat_map(|s| simple_commands(s))),
        Some(&"CMD") => out.extend(argv_commands(&argv[1..])),
        Some(&"NONE") | None => {}
        Some(_) => out.extend(argv_commands(&argv)),
    }
    out
}

// ---------------------------------------------------------------------------------------------
// URLs and hosts

/// Loopback hosts: a certificate check against them guards nothing on the network.
pub fn is_loopback_host(host: &str) -> bool {
    let h = host
        .trim_matches(|c| c == '[' || c == ']')
        .to_ascii_lowercase();
    h == "localhost" || h.starts_with("127.") || h == "::1" || h.ends_with(".localhost")
}

/// The host of an `https://host:port/…` argument.
pub fn url_host(arg: &str) -> Option<&str> {
    let rest = arg.split_once("://").map(|(_, r)| r)?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let host = if authority.starts_with('[') {
        authority.split(']').next().map(|h| &h[1..]).unwrap_or("")
    } else {
        authority.split(':').next().unwrap_or("")
    };
    (!host.is_empty()).then_some(host)
}

/// Whether every URL among the arguments points at the local host (and there is one).
pub fn only_loopback_urls(args: &[String]) -> bool {
    let hosts: Vec<&str> = args.iter().filter_map(|a| url_host(a)).collect();
    !hosts.is_empty() && hosts.iter().all(|h| is_loopback_host(h))
}

// ---------------------------------------------------------------------------------------------
// Ports

/// A port or port range (`80`, `8000-8010`, `${PORT:-80}` is not one).
pub fn port_range(text: &str) -> Option<(u32, u32)> {
    let t = text.trim();
    let t = t.split('/').next().unwrap_or(t);
    match t.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
            (a <= b).then_some((a, b))
        }
        None => {
            let p: u32 = t.parse().ok()?;
            Some((p, p))
        }
    }
}

/// The protocol suffix of a Compose or `EXPOSE` port (`53/udp`), lower-cased; `tcp` if none.
pub fn port_protocol(text: &str) -> String {
    text.split_once('/')
        .map(|(_, p)| p.trim().to_ascii_lowercase())
        .unwrap_or_else(|| "tcp".into())
}

// ---------------------------------------------------------------------------------------------
// Certificate verification turned off

/// Which TLS rule a finding belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsConcern {
    /// A command-line client (curl, wget, kubectl…) skips verification.
    Client,
    /// A package manager, VCS or registry client fetches code without verification.
    Package,
    /// A language runtime verifies no certificate for the whole process.
    Runtime,
}

/// One way verification is turned off, as written (`curl -k`, `GIT_SSL_NO_VERIFY=1`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TlsHit {
    pub concern: TlsConcern,
    /// The tool or runtime affected (`curl`, `git`, `Node.js`).
    pub tool: &'static str,
    /// The setting as written.
    pub what: String,
}

fn hit(concern: TlsConcern, tool: &'static str, what: impl Into<String>) -> TlsHit {
    TlsHit {
        concern,
        tool,
        what: what.into(),
    }
}

fn falsy(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "0" | "false" | "no" | "off"
    )
}

/// An environment variable that turns verification off. `value` is `None` for a declaration
/// without a value (an `ARG` with no default sets nothing).
pub fn env_var_hit(name: &str, value: Option<&str>) -> Option<TlsHit> {
    use TlsConcern::*;
    let value = value?;
    let v = value.trim();
    let shown = format!("{name}={v}");
    let upper = name.to_ascii_uppercase();
    match upper.as_str() {
        "NODE_TLS_REJECT_UNAUTHORIZED" if name == upper && v == "0" => {
            Some(hit(Runtime, "Node.js", shown))
        }
        "PYTHONHTTPSVERIFY" if name == upper && v == "0" => Some(hit(Runtime, "Python", shown)),
        // git only checks that the variable exists.
        "GIT_SSL_NO_VERIFY" if name == upper => Some(hit(Package, "git", shown)),
        "PIP_TRUSTED_HOST" if name == upper && !v.is_empty() => Some(hit(Package, "pip", shown)),
        // npm reads `npm_config_*` in any case.
        "NPM_CONFIG_STRICT_SSL" if v.eq_ignore_ascii_case("false") => {
            Some(hit(Package, "npm", shown))
        }
        "YARN_STRICT_SSL" | "YARN_ENABLE_STRICT_SSL" if name == upper && falsy(v) => {
            Some(hit(Package, "yarn", shown))
        }
        "CONDA_SSL_VERIFY" if name == upper && falsy(v) => Some(hit(Package, "conda", shown)),
        "GOINSECURE" if name == upper && !v.is_empty() => Some(hit(Package, "go", shown)),
        "GOFLAGS" if name == upper && v.split_whitespace().any(|f| f == "-insecure") => {
            Some(hit(Package, "go", shown))
        }
        _ => None,
    }
}

/// Short-option letters of curl that take an argument: in `-sSLo file` the cluster ends at `o`.
const CURL_ARG_LETTERS: &str = "AbcCdDeEFHKmoPQrtTuUwxXyYz";

fn curl_insecure(args: &[String]) -> Option<String> {
    for a in args {
        if a == "--" {
            break;
        }
        if a == "--insecure" || a == "--proxy-insecure" {
            return Some(format!("curl {a}"));
        }
        if let Some(cluster) = a.strip_prefix('-').filter(|c| !c.starts_with('-')) {
            for ch in cluster.chars() {
                if ch == 'k' {
                    return Some(format!("curl {a}"));
                }
                if CURL_ARG_LETTERS.contains(ch) {
                    break;
                }
            }
        }
    }
    None
}

/// `--opt=value` or `--opt value`: the values of an option.
fn option_values<'a>(args: &'a [String], names: &[&str]) -> Vec<&'a str> {
    let mut out = Vec::new();
    for (i, a) in args.iter().enumerate() {
        for n in names {
            if a == n {
                if let Some(v) = args.get(i + 1) {
                    out.push(v.as_str());
                }
            } else if let Some(v) = a.strip_prefix(n).and_then(|r| r.strip_prefix('=')) {
                out.push(v);
            }
        }
    }
    out
}

/// `key=value`, or `key value` in the words after `key`.
fn key_value(words: &[String], i: usize) -> Option<(&str, &str)> {
    let w = words.get(i)?;
    match w.split_once('=') {
        Some((k, v)) => Some((k, v)),
        None => Some((w.as_str(), words.get(i + 1).map_or("", String::as_str))),
    }
}

/// The package-manager subcommand `config set <key> <value>` (`npm c set`, `yarn set`…).
fn config_set(args: &[String]) -> Option<(&str, &str)> {
    let i = args.iter().position(|a| a == "set")?;
    let before_ok = args[..i]
        .iter()
        .all(|a| a == "config" || a == "c" || a.starts_with('-'));
    if !before_ok {
        return None;
    }
    let j = (i + 1..args.len()).find(|&j| !args[j].starts_with('-'))?;
    key_value(args, j)
}

fn is_pip(cmd: &SimpleCommand) -> bool {
    let p = cmd.program.as_deref().unwrap_or("");
    (p.starts_with("pip") && p[3..].chars().all(|c| c.is_ascii_digit() || c == '.'))
        || (p.starts_with("python")
            && cmd.args.len() >= 2
            && cmd.args[0] == "-m"
            && cmd.args[1].starts_with("pip"))
}

/// Content written into a tool's configuration file with `echo … > file`.
fn config_file_hit(cmd: &SimpleCommand) -> Option<TlsHit> {
    use TlsConcern::*;
    if !cmd.is(&["echo", "printf", "tee"]) {
        return None;
    }
    let content = cmd.args.join(" ").to_ascii_lowercase();
    let compact: String = content.chars().filter(|c| !c.is_whitespace()).collect();
    let targets: Vec<&str> = cmd
        .redirects
        .iter()
        .map(String::as_str)
        .chain(if cmd.is(&["tee"]) {
            cmd.args
                .iter()
                .filter(|a| !a.starts_with('-'))
                .map(String::as_str)
                .collect::<Vec<_>>()
        } else {
            Vec::new()
        })
        .collect();
    for t in targets {
        let file = base_name(t).to_ascii_lowercase();
        let path = t.to_ascii_lowercase();
        let off = |key: &str| {
            ["=0", "=false", "=no", "=off", "\"false\"", "false"]
                .iter()
                .any(|v| compact.contains(&format!("{key}{v}")))
        };
        if file == ".curlrc"
            && (compact.contains("insecure") || content.split_whitespace().any(|w| w == "-k"))
        {
            return Some(hit(Client, "curl", format!("insecure in {t}")));
        }
        if file.ends_with("wgetrc") && off("check_certificate") {
            return Some(hit(Client, "wget", format!("check_certificate off in {t}")));
        }
        if path.contains("apt.conf")
            && (compact.contains("verify-peer") || compact.contains("verify-host"))
            && compact.contains("false")
        {
            return Some(hit(Package, "apt", format!("Verify-Peer false in {t}")));
        }
        if (file == "yum.conf" || file == "dnf.conf" || file.ends_with(".repo")) && off("sslverify")
        {
            return Some(hit(Package, "yum", format!("sslverify off in {t}")));
        }
        if (file == ".npmrc" || file == ".yarnrc") && off("strict-ssl") {
            return Some(hit(Package, "npm", format!("strict-ssl false in {t}")));
        }
        if (file == "pip.conf" || file == "pip.ini") && compact.contains("trusted-host") {
            return Some(hit(Package, "pip", format!("trusted-host in {t}")));
        }
    }
    None
}

/// The ways one simple command turns verification off (its variable assignments included).
pub fn command_hits(cmd: &SimpleCommand) -> Vec<TlsHit> {
    use TlsConcern::*;
    let mut out: Vec<TlsHit> = cmd
        .env
        .iter()
        .filter_map(|(k, v)| env_var_hit(k, Some(v)))
        .collect();
    let args = &cmd.args;
    let has = |flag: &str| args.iter().any(|a| a == flag);
    let has_prefix = |flag: &str| {
        args.iter()
            .find(|a| a.as_str() == flag || a.starts_with(&format!("{flag}=")))
    };
    let p = cmd.program.as_deref().unwrap_or("");
    match p {
        "curl" => {
            if let Some(what) = curl_insecure(args) {
                if !only_loopback_urls(args) {
                    out.push(hit(Client, "curl", what));
                }
            }
        }
        "wget" => {
            let off = has("--no-check-certificate")
                || option_values(args, &["--check-certificate"])
                    .iter()
                    .any(|v| falsy(v));
            if off && !only_loopback_urls(args) {
                out.push(hit(Client, "wget", "wget --no-check-certificate"));
            }
        }
        "kubectl" | "oc" | "etcdctl" => {
            if let Some(a) = has_prefix("--insecure-skip-tls-verify") {
                if !a.ends_with("=false") {
                    out.push(hit(Client, "kubectl", format!("{p} {a}")));
                }
            }
        }
        "aws" if has("--no-verify-ssl") => out.push(hit(Client, "aws", "aws --no-verify-ssl")),
        "http" | "https" if option_values(args, &["--verify"]).iter().any(|v| falsy(v)) => {
            out.push(hit(Client, "httpie", "http --verify=no"))
        }
        "npm" | "yarn" | "pnpm" => {
            let tool = if p == "npm" { "npm" } else { "yarn" };
            if let Some((k, v)) = config_set(args) {
                let k = k.to_ascii_lowercase();
                if (k == "strict-ssl" || k == "enablestrictssl") && falsy(v) {
                    out.push(hit(Package, tool, format!("{p} config set {k} {v}")));
                }
            }
            if has("--no-strict-ssl")
                || option_values(args, &["--strict-ssl"])
                    .iter()
                    .any(|v| falsy(v))
            {
                out.push(hit(Package, tool, format!("{p} --strict-ssl=false")));
            }
        }
        "yum" | "dnf" | "microdnf" | "yum-config-manager" | "dnf-config-manager" | "tdnf" => {
            for v in option_values(args, &["--setopt"]) {
                if let Some((k, val)) = v.split_once('=') {
                    let k = k.to_ascii_lowercase();
                    if (k == "sslverify" || k.ends_with(".sslverify")) && falsy(val) {
                        out.push(hit(Package, "yum", format!("{p} --setopt={v}")));
                    }
                }
            }
        }
        "apt" | "apt-get" | "aptitude" => {
            let mut opts = option_values(args, &["-o", "--option"]);
            opts.extend(args.iter().filter_map(|a| {
                a.strip_prefix("-o")
                    .filter(|r| !r.is_empty() && !r.starts_with('='))
            }));
            for o in opts {
                let lower = o.to_ascii_lowercase();
                if (lower.contains("verify-peer") || lower.contains("verify-host"))
                    && lower.split_once('=').is_some_and(|(_, v)| falsy(v))
                {
                    out.push(hit(Package, "apt", format!("{p} -o {o}")));
                }
            }
        }
        "apk" if has("--no-check-certificate") => {
            out.push(hit(Package, "apk", "apk --no-check-certificate"))
        }
        "git" => {
            let lower: Vec<String> = args.iter().map(|a| a.to_ascii_lowercase()).collect();
            let is_verify_key = |k: &str| {
                k == "http.sslverify" || (k.starts_with("http.") && k.ends_with(".sslverify"))
            };
            for v in option_values(&lower, &["-c"]) {
                if let Some((k, val)) = v.split_once('=') {
                    if is_verify_key(k) && falsy(val) {
                        out.push(hit(Package, "git", format!("git -c {v}")));
                    }
                }
            }
            if let Some(i) = lower.iter().position(|a| a == "config") {
                let rest: Vec<String> = lower[i + 1..]
                    .iter()
                    .filter(|a| !a.starts_with('-'))
                    .cloned()
                    .collect();
                if let Some((k, v)) = key_value(&rest, 0) {
                    if is_verify_key(k) && falsy(v) {
                        out.push(hit(Package, "git", format!("git config {k} {v}")));
                    }
                }
            }
        }
        "conda" | "mamba" | "micromamba" => {
            let set = option_values(args, &["--set"]);
            let ssl = args
                .windows(3)
                .any(|w| w[0] == "--set" && w[1] == "ssl_verify" && falsy(&w[2]));
            if ssl
                || has("--insecure")
                || set
                    .iter()
                    .any(|v| v.starts_with("ssl_verify=") && falsy(&v[11..]))
            {
                out.push(hit(Package, "conda", format!("{p} ssl_verify off")));
            }
        }
        "composer" => {
            if let Some(i) = args.iter().position(|a| a == "disable-tls") {
                if args.get(i + 1).is_some_and(|v| v == "true" || v == "1") {
                    out.push(hit(Package, "composer", "composer config disable-tls true"));
                }
            }
        }
        "mvn" | "mvnw" => {
            if let Some(a) = args.iter().find(|a| {
                a.starts_with("-Dmaven.wagon.http.ssl.insecure=true")
                    || a.starts_with("-Dmaven.wagon.http.ssl.allowall=true")
            }) {
                out.push(hit(Package, "maven", format!("mvn {a}")));
            }
        }
        "go" if has("-insecure") => out.push(hit(Package, "go", "go get -insecure")),
        "helm" => {
            if let Some(a) = has_prefix("--insecure-skip-tls-verify") {
                if !a.ends_with("=false") {
                    out.push(hit(Package, "helm", format!("helm {a}")));
                }
            }
        }
        "skopeo" | "podman" | "buildah" | "crane" => {
            for a in args {
                let lower = a.to_ascii_lowercase();
                let off = [
                    "--tls-verify=false",
                    "--src-tls-verify=false",
                    "--dest-tls-verify=false",
                ]
                .contains(&lower.as_str())
                    || (p == "crane" && lower == "--insecure");
                if off {
                    out.push(hit(Package, "container registry", format!("{p} {a}")));
                }
            }
        }
        _ if is_pip(cmd) => {
            if let Some(a) = has_prefix("--trusted-host") {
                out.push(hit(Package, "pip", format!("pip {a}")));
            } else if let Some((k, _)) = config_set(args) {
                if k.ends_with("trusted-host") {
                    out.push(hit(Package, "pip", format!("pip config set {k}")));
                }
            }
        }
        "uv" => {
            if let Some(a) =
                has_prefix("--allow-insecure-host").or_else(|| has_prefix("--trusted-host"))
            {
                out.push(hit(Package, "pip", format!("uv {a}")));
            }
        }
        _ => {}
    }
    out.extend(config_file_hit(cmd));
    out.sort();
    out.dedup();
    out
}

// ---------------------------------------------------------------------------------------------
// Finding TLS hits in each kind of document

use crate::helpers::{on_container, on_dockerfile, on_service};
use crate::{Context, Sink};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::dockerfile::{Detail, Dockerfile};
use stridemap_model::k8s::Workload;

/// Reports every `concern` hit of a Dockerfile: `ENV`/`ARG` values, and the commands of `RUN`,
/// `CMD`, `ENTRYPOINT` and `HEALTHCHECK`.
pub fn tls_dockerfile(
    concern: TlsConcern,
    df: &Dockerfile,
    cx: &Context,
    out: &mut Sink,
    consequence: fn(&TlsHit) -> String,
) {
    let path = &cx.corpus.file(df.file).path;
    for (i, ins) in df.instructions.iter().enumerate() {
        let kw = ins.keyword.as_str();
        match &ins.detail {
            Detail::Env(kvs) | Detail::Arg(kvs) => {
                for kv in kvs {
                    let Some(h) = env_var_hit(&kv.key, kv.value.as_deref()) else {
                        continue;
                    };
                    if h.concern != concern {
                        continue;
                    }
                    on_dockerfile(
                        out,
                        cx.corpus,
                        df,
                        kv.loc,
                        format!("`{kw} {}` in `{path}` {}", h.what, consequence(&h)),
                    )
                    .key_part(format!("{kw}{i}:{}", kv.key));
                }
            }
            _ => {
                let text = match (&ins.detail, kw) {
                    (Detail::Command { text, .. }, _) => text.clone(),
                    (_, "HEALTHCHECK") => {
                        let words: Vec<&str> = ins.args.split_whitespace().collect();
                        match words.iter().position(|w| w.eq_ignore_ascii_case("CMD")) {
                            Some(p) => words[p + 1..].join(" "),
                            None => continue,
                        }
                    }
                    _ => continue,
                };
                let mut hits: Vec<TlsHit> = simple_commands(&text)
                    .iter()
                    .flat_map(command_hits)
                    .filter(|h| h.concern == concern)
                    .collect();
                hits.dedup();
                for h in hits {
                    on_dockerfile(
                        out,
                        cx.corpus,
                        df,
                        ins.loc,
                        format!(
                            "`{}` in a `{kw}` step of `{path}` {}",
                            h.what,
                            consequence(&h)
                        ),
                    )
                    .key_part(format!("{kw}{i}:{}", h.what));
                }
            }
        }
    }
}

/// Exec commands of a container besides its main command: probes and lifecycle hooks.
fn exec_commands(c: &Node) -> Vec<&Node> {
    let mut out = Vec::new();
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        out.extend(c.path(&[probe, "exec", "command"]));
    }
    for hook in ["postStart", "preStop"] {
        out.extend(c.path(&["lifecycle", hook, "exec", "command"]));
    }
    out
}

/// Reports every `concern` hit of a workload's containers: `env` values, `command`/`args`,
/// probe and lifecycle `exec` commands.
pub fn tls_workload(
    concern: TlsConcern,
    w: &Workload,
    out: &mut Sink,
    consequence: fn(&TlsHit) -> String,
) {
    for c in w.containers() {
        for e in c.node.get("env").map(Node::as_seq).unwrap_or(&[]) {
            let Some(name) = e.get("name").and_then(Node::as_str) else {
                continue;
            };
            if e.get("valueFrom").is_some() {
                continue;
            }
            let value = e.get("value");
            let Some(h) = env_var_hit(name, Some(value.and_then(Node::as_str).unwrap_or("")))
            else {
                continue;
            };
            if h.concern != concern {
                continue;
            }
            on_container(
                out,
                w,
                &c,
                value.map_or(e.loc, |v| v.loc),
                format!(
                    "{} of {} sets `{}`, which {}",
                    c.describe(),
                    w.object.resource_id(),
                    h.what,
                    consequence(&h)
                ),
            )
            .key_part(format!("env:{name}"));
        }
        let main: Vec<&Node> = ["command", "args"]
            .iter()
            .filter_map(|k| c.node.get(k))
            .collect();
        let mut sets = vec![(
            main.first().map_or(c.node.loc, |n| n.loc),
            node_commands(&main),
        )];
        for n in exec_commands(c.node) {
            sets.push((n.loc, node_commands(&[n])));
        }
        let mut seen = Vec::new();
        for (loc, cmds) in sets {
            for h in cmds
                .iter()
                .flat_map(command_hits)
                .filter(|h| h.concern == concern)
            {
                if seen.contains(&h.what) {
                    continue;
                }
                seen.push(h.what.clone());
                on_container(
                    out,
                    w,
                    &c,
                    loc,
                    format!(
                        "{} of {} runs `{}`, which {}",
                        c.describe(),
                        w.object.resource_id(),
                        h.what,
                        consequence(&h)
                    ),
                )
                .key_part(format!("cmd:{}", h.what));
            }
        }
    }
}

/// Reports every `concern` hit of a Compose service: `environment`, `command`, `entrypoint`
/// and `healthcheck.test`.
pub fn tls_compose(
    concern: TlsConcern,
    compose: &ComposeFile,
    service: &ComposeService,
    out: &mut Sink,
    consequence: fn(&TlsHit) -> String,
) {
    for e in service.environment() {
        let Some(h) =
            env_var_hit(e.name, Some(e.value.unwrap_or(""))).filter(|_| e.value.is_some())
        else {
            continue;
        };
        if h.concern != concern {
            continue;
        }
        on_service(
            out,
            compose,
            service,
            e.loc,
            format!(
                "Compose service `{}` sets `{}`, which {}",
                service.name,
                h.what,
                consequence(&h)
            ),
        )
        .key_part(format!("env:{}", e.name));
    }
    let mut seen = Vec::new();
    for key in ["entrypoint", "command"] {
        let Some(n) = service.get(key) else { continue };
        for h in node_commands(&[n])
            .iter()
            .flat_map(command_hits)
            .filter(|h| h.concern == concern)
        {
            if seen.contains(&h.what) {
                continue;
            }
            seen.push(h.what.clone());
            on_service(
                out,
                compose,
                service,
                n.loc,
                format!(
                    "Compose service `{}` runs `{}`, which {}",
                    service.name,
                    h.what,
                    consequence(&h)
                ),
            )
            .key_part(format!("cmd:{}", h.what));
        }
    }
    if let Some(test) = service.node.path(&["healthcheck", "test"]) {
        let cmds = if test.as_str().is_some() {
            simple_commands(test.as_str().unwrap_or(""))
        } else {
            node_commands(&[test])
        };
        for h in cmds
            .iter()
            .flat_map(command_hits)
            .filter(|h| h.concern == concern)
        {
            if seen.contains(&h.what) {
                continue;
            }
            seen.push(h.what.clone());
            on_service(
                out,
                compose,
                service,
                test.loc,
                format!(
                    "the healthcheck of Compose service `{}` runs `{}`, which {}",
                    service.name,
                    h.what,
                    consequence(&h)
                ),
            )
            .key_part(format!("health:{}", h.what));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progs(text: &str) -> Vec<(Option<String>, Vec<String>)> {
        simple_commands(text)
            .into_iter()
            .map(|c| (c.program, c.args))
            .collect()
    }

    #[test]
    fn splits_commands_and_assignments() {
        let cmds = simple_commands("ABC=123 echo test&&PYTHONHTTPSVERIFY=0 python x.py|DEF=4 echo");
        assert_eq!(cmds.len(), 3);
        assert_eq!(cmds[1].env, vec![("PYTHONHTTPSVERIFY".into(), "0".into())]);
        assert_eq!(cmds[1].program.as_deref(), Some("python"));
        let q = simple_commands(r#"LOL='123\'' NODE_TLS_REJECT_UNAUTHORIZED='0' node x"#);
        assert_eq!(
            q[0].env[1],
            ("NODE_TLS_REJECT_UNAUTHORIZED".into(), "0".into())
        );
        let q = simple_commands(r#"NODE_TLS_REJECT_UNAUTHORIZED="0\"" node x"#);
        assert_eq!(q[0].env[0].1, "0\"");
    }

    #[test]
    fn wrappers_keywords_and_nested_shells() {
        let p = progs("if [ -n \"$P\" ]; then sudo -E npm config set strict-ssl false; fi");
        assert!(p
            .iter()
            .any(|(p, a)| p.as_deref() == Some("npm")
                && a == &["config", "set", "strict-ssl", "false"]));
        let p = progs("sh -c 'curl -k https://x.example'");
        assert!(p
            .iter()
            .any(|(p, a)| p.as_deref() == Some("curl") && a[0] == "-k"));
        let e = simple_commands("export GIT_SSL_NO_VERIFY=1 && git clone x");
        assert_eq!(e[0].env, vec![("GIT_SSL_NO_VERIFY".into(), "1".into())]);
        let r = simple_commands("echo insecure >> ~/.curlrc 2>&1");
        assert_eq!(r[0].redirects, vec!["~/.curlrc".to_string()]);
        let s = simple_commands("X=$(curl -k https://a) && echo $X");
        assert!(s.iter().any(|c| c.is(&["curl"])));
    }

    fn hits(text: &str) -> Vec<(TlsConcern, String)> {
        simple_commands(text)
            .iter()
            .flat_map(command_hits)
            .map(|h| (h.concern, h.what))
            .collect()
    }

    #[test]
    fn tls_commands() {
        use TlsConcern::*;
        assert_eq!(hits("curl -Lkv https://example.com")[0].0, Client);
        assert!(hits("curl -lol https://example.com").is_empty());
        assert!(hits("curl -sSLo k https://example.com").is_empty());
        assert!(hits("curl https://example.com | grep -k lol").is_empty());
        assert!(hits("curl -k https://localhost:8443/healthz").is_empty());
        assert_eq!(
            hits("echo x && wget --no-check-certificate https://e.com").len(),
            1
        );
        assert!(hits("wget https://e.com; grep \"--no-check-certificate\" /etc/passwd").is_empty());
        assert_eq!(hits("pip install x --trusted-host=pypi.org")[0].0, Package);
        assert_eq!(
            hits("python3 -m pip install --trusted-host pypi.org x").len(),
            1
        );
        assert!(hits("pip install checkov | grep \"--trusted-host\"").is_empty());
        assert_eq!(hits("npm config set \"strict-ssl\"='false'").len(), 1);
        assert_eq!(hits("yarn set strict-ssl false --global").len(), 1);
        assert_eq!(hits("npm c set strict-ssl false").len(), 1);
        assert!(hits("npm install strict-ssl false").is_empty());
        assert!(hits("npm config get strict-ssl || false").is_empty());
        assert!(hits("npm config set strict-ssl true || false").is_empty());
        assert_eq!(
            hits("yum-config-manager --save --setopt=\\*.sslverify=0").len(),
            1
        );
        assert_eq!(
            hits("yum-config-manager --setopt=\"lol.sslverify\"=0 --save").len(),
            1
        );
        assert!(hits("yum-config-manager --save --setopt=sslverify=yes").is_empty());
        assert_eq!(
            hits("dnf config-manager --save --setopt=sslverify=0").len(),
            1
        );
        assert_eq!(
            hits("git -c http.sslVerify=false clone https://g.example/r.git").len(),
            1
        );
        assert_eq!(hits("git config --global http.sslverify false").len(), 1);
        assert_eq!(
            hits("export GIT_SSL_NO_VERIFY=1 && git clone x")[0].0,
            Package
        );
        assert!(hits("unset GIT_SSL_NO_VERIFY").is_empty());
        assert_eq!(
            hits("apt-get -o Acquire::https::Verify-Peer=false update").len(),
            1
        );
        assert_eq!(
            hits("echo 'Acquire::https::Verify-Peer \"false\";' > /etc/apt/apt.conf.d/99v").len(),
            1
        );
        assert_eq!(hits("echo insecure >> ~/.curlrc")[0].0, Client);
        assert_eq!(
            hits("TEST=1 PYTHONHTTPSVERIFY='0' python x.py")[0].0,
            Runtime
        );
        assert!(hits("PYTHONHTTPSVERIFY='0\\'' python x.py").is_empty());
        assert!(hits("ASDFNODE_TLS_REJECT_UNAUTHORIZED=0 node x").is_empty());
    }

    #[test]
    fn hosts_and_ports() {
        assert_eq!(url_host("https://user@h.example:8443/x"), Some("h.example"));
        assert!(only_loopback_urls(&[
            "-k".into(),
            "https://127.0.0.1:8443/health".into()
        ]));
        assert!(!only_loopback_urls(&["-k".into()]));
        assert_eq!(port_range("70-8000"), Some((70, 8000)));
        assert_eq!(port_range("22/tcp"), Some((22, 22)));
        assert_eq!(port_range("$PORT"), None);
        assert_eq!(port_protocol("53/UDP"), "udp");
    }
}
