//! Shared pieces of the service-discovery rules: command lines of registry servers (Consul,
//! etcd) in pods and Compose services, a lenient reader for Consul's HCL/JSON configuration,
//! and the architecture node a workload or Compose service became.

use crate::secrets::split_command;
use stridemap_model::architecture::{ArchNode, Exposure, Flow, Role};
use stridemap_model::compose::{ComposeFile, ComposeService};
use stridemap_model::image::ImageRef;
use stridemap_model::k8s::{Container, K8sObject, Workload};
use stridemap_model::{Corpus, Location, Node};

use crate::Context;

const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh"];

/// A word of a command line and the YAML node it came from.
pub type Word<'a> = (String, &'a Node);

/// Words of one list (`command`, `args`, `entrypoint`): strings run by a shell (`sh -c "…"`)
/// and plain strings with spaces (Compose `command: agent -server`) are split into words.
fn list_words<'a>(list: Option<&'a Node>, shell: bool, out: &mut Vec<Word<'a>>) {
    let Some(list) = list.filter(|n| !n.is_null()) else {
        return;
    };
    let scalar = list.as_str().is_some();
    for (text, node) in list.strings() {
        if (shell || scalar) && text.contains(char::is_whitespace) {
            out.extend(split_command(text).into_iter().map(|w| (w, node)));
        } else {
            out.push((text.to_string(), node));
        }
    }
}

fn starts_with_shell(list: Option<&Node>) -> bool {
    list.and_then(|c| c.strings().first().map(|(s, _)| s.to_string()))
        .is_some_and(|first| {
            let first = first.split_whitespace().next().unwrap_or("");
            SHELLS.contains(&first.rsplit('/').next().unwrap_or(first))
        })
}

/// The command line of a container: its `command` then `args`. The flag says whether the
/// image's entrypoint is replaced (`command` given).
pub fn container_words<'a>(c: &Container<'a>) -> (Vec<Word<'a>>, bool) {
    let command = c.node.get("command").filter(|n| !n.is_null());
    let args = c.node.get("args").filter(|n| !n.is_null());
    let shell = starts_with_shell(command);
    let mut out = Vec::new();
    list_words(command, shell, &mut out);
    list_words(args, shell, &mut out);
    (out, command.is_some_and(|n| !n.strings().is_empty()))
}

/// The command line of a Compose service: `entrypoint` then `command`. The flag says whether the
/// image's entrypoint is replaced.
pub fn service_words<'a>(s: &ComposeService<'a>) -> (Vec<Word<'a>>, bool) {
    let entrypoint = s.get("entrypoint").filter(|n| !n.is_null());
    let command = s.get("command").filter(|n| !n.is_null());
    let shell = starts_with_shell(entrypoint.or(command));
    let mut out = Vec::new();
    list_words(entrypoint, shell, &mut out);
    list_words(command, shell, &mut out);
    (out, entrypoint.is_some_and(|n| !n.strings().is_empty()))
}

/// One command-line flag (`-name=value`, `--name value`, bare `-name`).
#[derive(Debug, Clone)]
pub struct Flag<'a> {
    pub name: String,
    pub value: Option<String>,
    pub node: &'a Node,
}

fn is_separator(word: &str) -> bool {
    matches!(word, ";" | "&&" | "||" | "|" | "&")
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .or_else(|| s.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')))
        .unwrap_or(s)
}

/// Flags of the words after an executable, up to a shell separator. `bare` names flags that
/// never take a value (`-server`, `-ui`), so the word after them is not swallowed.
pub fn parse_flags<'a>(words: &[Word<'a>], bare: &[&str]) -> Vec<Flag<'a>> {
    let mut flags = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let (word, node) = (&words[i].0, words[i].1);
        if is_separator(word) || (word.ends_with(';') && !word.starts_with('-')) {
            break;
        }
        let body = word
            .strip_prefix("--")
            .or_else(|| word.strip_prefix('-'))
            .filter(|b| !b.is_empty() && !b.starts_with('-'));
        let Some(body) = body else {
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
            None if bare.contains(&body) => {
                flags.push(Flag {
                    name: body.to_string(),
                    value: None,
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

/// Go's `strconv.ParseBool`, plus the YAML-ish words people write in env values.
pub fn parse_bool(value: &str) -> Option<bool> {
    match unquote(value).to_ascii_lowercase().as_str() {
        "1" | "t" | "true" | "yes" | "on" => Some(true),
        "0" | "f" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// The last segment of an image's repository, lower case, without an architecture suffix
/// (`quay.io/coreos/etcd-amd64:v3.3` → `etcd`).
pub fn image_name(image: &str) -> String {
    let repo = ImageRef::parse(image).repository.to_ascii_lowercase();
    let last = repo.rsplit('/').next().unwrap_or(&repo).to_string();
    ["-amd64", "-arm64", "-arm", "-ppc64le", "-s390x"]
        .iter()
        .find_map(|s| last.strip_suffix(s))
        .map(str::to_string)
        .unwrap_or(last)
}

pub fn image_repository(image: &str) -> String {
    ImageRef::parse(image).repository.to_ascii_lowercase()
}

/// An environment variable of a container or Compose service.
#[derive(Debug, Clone)]
pub struct EnvVar<'a> {
    pub name: &'a str,
    /// The literal value, when one is written.
    pub value: Option<&'a str>,
    /// Filled from a Secret, ConfigMap or field reference: set, but not visible here.
    pub from_ref: bool,
    pub loc: Location,
}

impl EnvVar<'_> {
    /// Set to something: a non-empty literal or a reference.
    pub fn is_set(&self) -> bool {
        self.from_ref || self.value.is_some_and(|v| !v.trim().is_empty())
    }
}

pub fn container_env<'a>(c: &Container<'a>) -> Vec<EnvVar<'a>> {
    c.node
        .get("env")
        .map(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(|e| {
            let name = e.get("name")?.as_str()?;
            let value = e.get("value");
            let from = e.get("valueFrom").filter(|n| !n.is_null());
            Some(EnvVar {
                name,
                value: value.and_then(Node::as_str),
                from_ref: from.is_some(),
                loc: value.or(from).map_or(e.loc, |n| n.loc),
            })
        })
        .collect()
}

pub fn service_env<'a>(s: &ComposeService<'a>) -> Vec<EnvVar<'a>> {
    s.environment()
        .into_iter()
        .map(|e| EnvVar {
            name: e.name,
            // `${VAR}` is filled in from the shell or an env file when Compose runs.
            from_ref: e
                .value
                .is_some_and(|v| v.contains("${") || v.starts_with('$')),
            value: e.value,
            loc: e.loc,
        })
        .collect()
}

pub fn env_var<'e, 'a>(env: &'e [EnvVar<'a>], name: &str) -> Option<&'e EnvVar<'a>> {
    env.iter().rev().find(|e| e.name == name)
}

/// A host part of a listen URL or address that only the machine itself can reach.
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim().trim_start_matches('[').trim_end_matches(']');
    h == "localhost" || h == "::1" || h.starts_with("127.")
}

/// The host of `scheme://host:port` or `host:port`.
pub fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.split('/').next().unwrap_or(rest);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    if let Some(v6) = rest.strip_prefix('[') {
        return v6.split(']').next().unwrap_or(v6);
    }
    rest.split(':').next().unwrap_or(rest)
}

// ---------------------------------------------------------------------------------------------
// Consul configuration (HCL or JSON), flattened.

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    OpenList,
    CloseList,
    Assign,
    Comma,
    Text(String),
}

fn tokenize(text: &str) -> Vec<Tok> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            _ if c.is_whitespace() => i += 1,
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                    i += 1;
                }
                i += 2;
            }
            '{' => {
                out.push(Tok::Open);
                i += 1;
            }
            '}' => {
                out.push(Tok::Close);
                i += 1;
            }
            '[' => {
                out.push(Tok::OpenList);
                i += 1;
            }
            ']' => {
                out.push(Tok::CloseList);
                i += 1;
            }
            '=' | ':' => {
                out.push(Tok::Assign);
                i += 1;
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1;
            }
            '"' | '\'' => {
                let quote = c;
                let mut s = String::new();
                i += 1;
                while i < chars.len() && chars[i] != quote {
                    if chars[i] == '\\' && i + 1 < chars.len() {
                        i += 1;
                    }
                    s.push(chars[i]);
                    i += 1;
                }
                i += 1;
                out.push(Tok::Text(s));
            }
            '<' if chars.get(i + 1) == Some(&'<') => {
                // Heredoc: `<<EOF` … `EOF`; its body is one value.
                let mut j = i + 2;
                if chars.get(j) == Some(&'-') {
                    j += 1;
                }
                let start = j;
                while j < chars.len() && !chars[j].is_whitespace() {
                    j += 1;
                }
                let marker: String = chars[start..j].iter().collect();
                let rest: String = chars[j..].iter().collect();
                let mut consumed = rest.len();
                let mut body = String::new();
                let mut offset = 0;
                for line in rest.split_inclusive('\n') {
                    offset += line.len();
                    if !marker.is_empty() && line.trim() == marker {
                        consumed = offset;
                        break;
                    }
                    body.push_str(line);
                }
                i = j + rest[..consumed].chars().count();
                out.push(Tok::Text(body));
            }
            _ => {
                let mut s = String::new();
                while i < chars.len()
                    && !chars[i].is_whitespace()
                    && !matches!(chars[i], '{' | '}' | '[' | ']' | '=' | ',' | '"' | '#')
                    && !(chars[i] == ':'
                        && !(chars.get(i + 1) == Some(&'/') && chars.get(i + 2) == Some(&'/')))
                {
                    s.push(chars[i]);
                    i += 1;
                }
                if s.is_empty() {
                    i += 1;
                } else {
                    out.push(Tok::Text(s));
                }
            }
        }
    }
    out
}

struct ConfigParser {
    toks: Vec<Tok>,
    pos: usize,
    out: Vec<(String, String)>,
}

impl ConfigParser {
    fn peek(&self, k: usize) -> Option<&Tok> {
        self.toks.get(self.pos + k)
    }

    fn join(prefix: &str, key: &str) -> String {
        let key = key.to_ascii_lowercase();
        if prefix.is_empty() {
            key
        } else {
            format!("{prefix}.{key}")
        }
    }

    /// Entries up to the closing brace (or the end).
    fn body(&mut self, prefix: &str, depth: usize) {
        if depth > 32 {
            return;
        }
        while let Some(tok) = self.peek(0).cloned() {
            match tok {
                Tok::Close => {
                    self.pos += 1;
                    return;
                }
                Tok::Text(key) => {
                    self.pos += 1;
                    let path = Self::join(prefix, &key);
                    // Block labels: `service "web" { … }`.
                    let mut k = 0;
                    while matches!(self.peek(k), Some(Tok::Text(_))) {
                        k += 1;
                    }
                    match self.peek(k) {
                        Some(Tok::Assign) if k == 0 => {
                            self.pos += 1;
                            self.value(&path, depth);
                        }
                        Some(Tok::Open) => {
                            self.pos += k + 1;
                            self.body(&path, depth + 1);
                        }
                        _ => {}
                    }
                }
                Tok::Open => {
                    self.pos += 1;
                    self.body(prefix, depth + 1);
                }
                _ => self.pos += 1,
            }
        }
    }

    fn value(&mut self, path: &str, depth: usize) {
        match self.peek(0).cloned() {
            Some(Tok::Open) => {
                self.pos += 1;
                self.body(path, depth + 1);
            }
            Some(Tok::OpenList) => {
                self.pos += 1;
                while let Some(tok) = self.peek(0).cloned() {
                    match tok {
                        Tok::CloseList => {
                            self.pos += 1;
                            return;
                        }
                        Tok::Open => {
                            self.pos += 1;
                            self.body(path, depth + 1);
                        }
                        Tok::Text(v) => {
                            self.out.push((path.to_string(), v));
                            self.pos += 1;
                        }
                        _ => self.pos += 1,
                    }
                }
            }
            Some(Tok::Text(v)) => {
                self.out.push((path.to_string(), v));
                self.pos += 1;
            }
            _ => {}
        }
    }
}

/// Settings of an HCL or JSON configuration as `(dotted.path, value)` pairs in file order
/// (`acl { enabled = true }` and `{"acl": {"enabled": true}}` both give `acl.enabled = true`).
/// Keys are lower-cased; block labels are dropped.
pub fn flatten_config(text: &str) -> Vec<(String, String)> {
    let mut p = ConfigParser {
        toks: tokenize(text),
        pos: 0,
        out: Vec::new(),
    };
    p.body("", 0);
    p.out
}

/// What one Consul configuration source says, later sources overriding earlier ones.
#[derive(Debug, Clone, Default)]
pub struct ConsulSettings {
    pub acl_enabled: Option<bool>,
    pub acl_default_policy: Option<String>,
    pub ui: Option<bool>,
    pub client_addr: Option<String>,
    pub http_port: Option<i64>,
    pub https_port: Option<i64>,
    pub server: Option<bool>,
}

impl ConsulSettings {
    pub fn apply_config(&mut self, entries: &[(String, String)]) {
        for (path, value) in entries {
            let v = value.trim();
            match path.as_str() {
                "acl.enabled" => self.acl_enabled = parse_bool(v).or(self.acl_enabled),
                // Before Consul 1.4 naming the ACL datacenter is what turned ACLs on.
                "acl_datacenter" if !v.is_empty() => self.acl_enabled = Some(true),
                "acl.default_policy" | "acl_default_policy" => {
                    self.acl_default_policy = Some(v.to_ascii_lowercase())
                }
                "ui" | "ui_config.enabled" => self.ui = parse_bool(v).or(self.ui),
                "client_addr" | "addresses.http" => self.client_addr = Some(v.to_string()),
                "ports.http" => self.http_port = v.parse().ok().or(self.http_port),
                "ports.https" => self.https_port = v.parse().ok().or(self.https_port),
                "server" => self.server = parse_bool(v).or(self.server),
                _ => {}
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Consul agents.

/// Where an agent's configuration could not be read (a Secret, an emptyDir filled at start-up,
/// a ConfigMap or host directory outside the scanned repository).
#[derive(Debug, Clone)]
pub struct Unknown {
    pub what: String,
}

/// A Consul agent run by a container or Compose service, with the configuration we can see.
#[derive(Debug, Clone)]
pub struct ConsulAgent {
    pub settings: ConsulSettings,
    pub dev: bool,
    /// Where the agent is started (the `agent` word, or the image when its default command runs).
    pub anchor: Location,
    /// Where the UI is switched on, when a flag or setting does it.
    pub ui_loc: Option<Location>,
    /// Where the client address is set.
    pub client_loc: Option<Location>,
    /// Where ACLs are configured (for findings on `enabled = false`).
    pub acl_loc: Option<Location>,
    /// Configuration sources we could not read.
    pub unknown: Vec<Unknown>,
}

impl ConsulAgent {
    /// The UI is served (flags, configuration, or `-dev`, which turns it on).
    pub fn ui_enabled(&self) -> bool {
        self.settings.ui.unwrap_or(self.dev)
    }

    /// ACLs are on and deny by default: requests without a token get nothing.
    pub fn acl_enforced(&self) -> bool {
        self.settings.acl_enabled == Some(true)
            && self.settings.acl_default_policy.as_deref() != Some("allow")
    }

    /// The HTTP API listens beyond the pod's or container's loopback interface.
    pub fn api_reachable(&self) -> bool {
        if self.settings.http_port.is_some_and(|p| p < 0)
            && self.settings.https_port.is_none_or(|p| p <= 0)
        {
            return false;
        }
        match self.settings.client_addr.as_deref() {
            // The default client address is the loopback interface.
            None => false,
            Some(addr) => addr
                .split_whitespace()
                .any(|a| !is_loopback_host(a) && !a.is_empty()),
        }
    }

    /// The HTTP API is served in clear (no HTTPS port, or the plain port is still open).
    pub fn plaintext_http(&self) -> bool {
        self.settings.https_port.is_none_or(|p| p <= 0)
            || self.settings.http_port.is_none_or(|p| p >= 0)
    }

    /// Ports the HTTP API answers on.
    pub fn http_ports(&self) -> Vec<u16> {
        let mut ports = Vec::new();
        match self.settings.http_port {
            Some(p) if p < 0 => {}
            Some(p) => ports.extend(u16::try_from(p).ok()),
            None => ports.push(8500),
        }
        if let Some(p) = self.settings.https_port.filter(|p| *p > 0) {
            ports.extend(u16::try_from(p).ok());
        }
        ports
    }
}

/// Consul flags that take no value.
const CONSUL_BARE_FLAGS: &[&str] = &[
    "dev",
    "server",
    "ui",
    "bootstrap",
    "rejoin",
    "disable-host-node-id",
    "disable-keyring-file",
    "enable-script-checks",
    "enable-local-script-checks",
    "syslog",
];

/// Official Consul images: their entrypoint runs `consul agent` with `/consul/config` as a
/// configuration directory, and their default command is a dev agent on all interfaces.
fn official_consul_image(image: &str) -> bool {
    matches!(
        image_repository(image).as_str(),
        "consul" | "library/consul" | "hashicorp/consul" | "hashicorp/consul-enterprise"
    )
}

fn consul_image(image: &str) -> bool {
    matches!(image_name(image).as_str(), "consul" | "consul-enterprise")
}

/// The configuration a Consul agent reads: flags, then `-hcl` snippets, the image's
/// `CONSUL_LOCAL_CONFIG`, and files in its configuration directories.
pub struct ConsulInput<'a> {
    pub words: Vec<Word<'a>>,
    /// The image's entrypoint runs (not replaced by `command`/`entrypoint`).
    pub entrypoint_runs: bool,
    pub image: Option<&'a Node>,
    pub env: Vec<EnvVar<'a>>,
}

/// Reads the configuration files mounted at a directory into the settings, recording what
/// cannot be read; returns where the configuration was found.
pub type ConfigDirReader<'r> =
    dyn FnMut(&str, &mut ConsulSettings, &mut Vec<Unknown>) -> Option<Location> + 'r;

/// Recognises a Consul agent and reads its flags and inline configuration. Configuration
/// directories are resolved by the caller through `config_dir`, which returns the settings of
/// the files mounted at a path (or records why they cannot be read).
pub fn consul_agent(input: &ConsulInput, config_dir: &mut ConfigDirReader) -> Option<ConsulAgent> {
    let image = input.image.and_then(Node::as_str).unwrap_or("");
    let official = official_consul_image(image);
    let words = &input.words;
    // Where `agent` is: after a `consul` executable, or first when the image's entrypoint
    // receives it as its argument.
    let agent_at = words.iter().enumerate().position(|(i, (w, _))| {
        w == "agent"
            && ((i > 0 && words[i - 1].0.rsplit('/').next() == Some("consul"))
                || (i == 0 && input.entrypoint_runs && consul_image(image)))
    });
    let default_cmd = words.is_empty() && official;
    if agent_at.is_none() && !default_cmd {
        return None;
    }
    let mut agent = ConsulAgent {
        settings: ConsulSettings::default(),
        dev: false,
        anchor: input.image.map_or(Location::default(), |n| n.loc),
        ui_loc: None,
        client_loc: None,
        acl_loc: None,
        unknown: Vec::new(),
    };
    let flags: Vec<Flag> = match agent_at {
        Some(i) => {
            agent.anchor = words[i].1.loc;
            parse_flags(&words[i + 1..], CONSUL_BARE_FLAGS)
        }
        None => Vec::new(),
    };
    if default_cmd {
        // `agent -dev -client 0.0.0.0`
        agent.dev = true;
        agent.settings.client_addr = Some("0.0.0.0".into());
        agent.client_loc = Some(agent.anchor);
    }
    let through_entrypoint = input.entrypoint_runs && official;
    let mut dirs: Vec<String> = Vec::new();
    if through_entrypoint {
        dirs.push("/consul/config".into());
        // The entrypoint turns `CONSUL_CLIENT_INTERFACE` into `-client=<address of it>`.
        if let Some(e) = env_var(&input.env, "CONSUL_CLIENT_INTERFACE").filter(|e| e.is_set()) {
            agent.settings.client_addr = Some("interface".into());
            agent.client_loc = Some(e.loc);
        }
        if let Some(e) = env_var(&input.env, "CONSUL_LOCAL_CONFIG") {
            match e.value.filter(|_| !e.from_ref) {
                Some(text) => {
                    let entries = flatten_config(text);
                    note_locs(&mut agent, &entries, e.loc);
                    agent.settings.apply_config(&entries);
                }
                None => agent.unknown.push(Unknown {
                    what: "CONSUL_LOCAL_CONFIG from a reference".into(),
                }),
            }
        }
    }
    // Consul merges configuration files first and flags last.
    let mut hcl: Vec<(String, Location)> = Vec::new();
    for f in &flags {
        match (f.name.as_str(), f.value.as_deref()) {
            ("config-dir" | "config-file", Some(path)) => dirs.push(path.to_string()),
            ("hcl", Some(text)) => hcl.push((text.to_string(), f.node.loc)),
            _ => {}
        }
    }
    dirs.sort();
    dirs.dedup();
    for dir in &dirs {
        let mut s = agent.settings.clone();
        if let Some(loc) = config_dir(dir, &mut s, &mut agent.unknown) {
            if s.acl_enabled != agent.settings.acl_enabled {
                agent.acl_loc = Some(loc);
            }
            if s.ui != agent.settings.ui && s.ui == Some(true) {
                agent.ui_loc = Some(loc);
            }
            if s.client_addr != agent.settings.client_addr {
                agent.client_loc = Some(loc);
            }
        }
        agent.settings = s;
    }
    for (text, loc) in &hcl {
        let entries = flatten_config(text);
        note_locs(&mut agent, &entries, *loc);
        agent.settings.apply_config(&entries);
    }
    for f in &flags {
        let loc = f.node.loc;
        let on = f.value.as_deref().map_or(Some(true), parse_bool);
        match f.name.as_str() {
            "dev" => agent.dev = on.unwrap_or(true),
            "server" => agent.settings.server = on,
            "ui" => {
                agent.settings.ui = on;
                agent.ui_loc = Some(loc);
            }
            "client" => {
                if let Some(v) = &f.value {
                    agent.settings.client_addr = Some(v.clone());
                    agent.client_loc = Some(loc);
                }
            }
            "http-port" => {
                agent.settings.http_port = f.value.as_deref().and_then(|v| v.parse().ok())
            }
            "https-port" => {
                agent.settings.https_port = f.value.as_deref().and_then(|v| v.parse().ok())
            }
            _ => {}
        }
    }
    if agent.dev && agent.ui_loc.is_none() && agent.settings.ui.is_none() {
        agent.ui_loc = Some(
            flags
                .iter()
                .find(|f| f.name == "dev")
                .map_or(agent.anchor, |f| f.node.loc),
        );
    }
    Some(agent)
}

fn note_locs(agent: &mut ConsulAgent, entries: &[(String, String)], loc: Location) {
    for (path, value) in entries {
        match path.as_str() {
            "acl.enabled" | "acl_datacenter" | "acl.default_policy" | "acl_default_policy" => {
                agent.acl_loc = Some(loc)
            }
            "ui" | "ui_config.enabled" if parse_bool(value) == Some(true) => {
                agent.ui_loc = Some(loc)
            }
            "client_addr" | "addresses.http" => agent.client_loc = Some(loc),
            _ => {}
        }
    }
}

/// The Consul agent a container runs, with the ConfigMaps mounted into its configuration
/// directories read.
pub fn consul_in_container(corpus: &Corpus, w: &Workload, c: &Container) -> Option<ConsulAgent> {
    let (words, replaced) = container_words(c);
    let input = ConsulInput {
        words,
        entrypoint_runs: !replaced,
        image: c.image(),
        env: container_env(c),
    };
    consul_agent(&input, &mut |dir, settings, unknown| {
        pod_config_dir(corpus, w, c, dir, settings, unknown)
    })
}

/// The Consul agent a Compose service runs, with JSON files it mounts from the repository read.
pub fn consul_in_service(
    corpus: &Corpus,
    compose: &ComposeFile,
    s: &ComposeService,
) -> Option<ConsulAgent> {
    let (words, replaced) = service_words(s);
    let input = ConsulInput {
        words,
        entrypoint_runs: !replaced,
        image: s.get("image"),
        env: service_env(s),
    };
    consul_agent(&input, &mut |dir, settings, unknown| {
        compose_config_dir(corpus, compose, s, dir, settings, unknown)
    })
}

/// Whether `path` is `dir` or inside it (or `dir` inside `path`: a file mounted at its path).
fn path_overlaps(a: &str, b: &str) -> bool {
    let a = a.trim_end_matches('/');
    let b = b.trim_end_matches('/');
    a == b || a.starts_with(&format!("{b}/")) || b.starts_with(&format!("{a}/"))
}

/// Reads configuration files mounted into a pod at `dir`: ConfigMaps from the corpus; anything
/// else is recorded as unknown. Returns where the configuration was read.
pub fn pod_config_dir(
    corpus: &Corpus,
    w: &Workload,
    c: &Container,
    dir: &str,
    settings: &mut ConsulSettings,
    unknown: &mut Vec<Unknown>,
) -> Option<Location> {
    let mut at = None;
    for m in c.node.get("volumeMounts").map(Node::as_seq).unwrap_or(&[]) {
        let Some(path) = m.get("mountPath").and_then(Node::as_str) else {
            continue;
        };
        if !path_overlaps(path, dir) {
            continue;
        }
        let name = m.get("name").and_then(Node::as_str).unwrap_or("");
        let Some(volume) = w
            .volumes()
            .iter()
            .find(|v| v.get("name").and_then(Node::as_str) == Some(name))
        else {
            continue;
        };
        let mut maps: Vec<&str> = Vec::new();
        if let Some(cm) = volume.path(&["configMap", "name"]).and_then(Node::as_str) {
            maps.push(cm);
        } else if let Some(sources) = volume.path(&["projected", "sources"]) {
            for s in sources.as_seq() {
                if let Some(cm) = s.path(&["configMap", "name"]).and_then(Node::as_str) {
                    maps.push(cm);
                } else if s.get("serviceAccountToken").is_none()
                    && s.get("downwardAPI").is_none()
                    && s.get("clusterTrustBundle").is_none()
                {
                    unknown.push(Unknown {
                        what: format!("volume `{name}`"),
                    });
                }
            }
        } else {
            unknown.push(Unknown {
                what: format!("volume `{name}` at {path}"),
            });
            continue;
        }
        for cm in maps {
            let Some(obj) = config_map(corpus, cm, &w.object.namespace) else {
                unknown.push(Unknown {
                    what: format!("ConfigMap `{cm}` (not in the repository)"),
                });
                continue;
            };
            for (key, key_node, value) in obj
                .root
                .get("data")
                .map_or(Vec::new(), |d| d.entries().collect::<Vec<_>>())
            {
                let Some(text) = value.as_str() else { continue };
                if !(key.ends_with(".hcl") || key.ends_with(".json")) {
                    continue;
                }
                let entries = flatten_config(text);
                settings.apply_config(&entries);
                if entries
                    .iter()
                    .any(|(p, _)| p.starts_with("acl") || p.starts_with("ui") || p == "client_addr")
                    || at.is_none()
                {
                    at = Some(key_node.loc);
                }
            }
        }
    }
    at
}

/// The ConfigMap of that name the workload's namespace sees.
pub fn config_map<'a>(
    corpus: &'a Corpus,
    name: &str,
    namespace: &Option<String>,
) -> Option<&'a K8sObject> {
    let mut maps = corpus
        .objects_of(&["ConfigMap"])
        .filter(|o| o.name == name)
        .peekable();
    maps.peek()?;
    let all: Vec<&K8sObject> = maps.collect();
    all.iter()
        .copied()
        .find(|o| o.namespace == *namespace)
        .or_else(|| {
            all.iter()
                .copied()
                .find(|o| o.namespace.is_none() || namespace.is_none())
        })
}

/// Reads configuration files a Compose service mounts at `dir` from the repository. Named
/// volumes and host directories whose files were not read are recorded as unknown.
pub fn compose_config_dir(
    corpus: &Corpus,
    compose: &ComposeFile,
    s: &ComposeService,
    dir: &str,
    settings: &mut ConsulSettings,
    unknown: &mut Vec<Unknown>,
) -> Option<Location> {
    let base = corpus
        .file(compose.file)
        .path
        .rsplit_once('/')
        .map(|(d, _)| d.to_string())
        .unwrap_or_default();
    let mut at = None;
    for m in s.mounts() {
        if !path_overlaps(m.target, dir) {
            continue;
        }
        let Some(src) = m.source.filter(|src| src.starts_with('.')) else {
            unknown.push(Unknown {
                what: format!("volume mounted at {}", m.target),
            });
            continue;
        };
        let host = join_path(&base, src);
        let files: Vec<_> = corpus
            .files
            .iter()
            .filter(|f| f.path == host || f.path.starts_with(&format!("{host}/")))
            .filter(|f| f.path.ends_with(".json"))
            .collect();
        if files.is_empty() {
            unknown.push(Unknown {
                what: format!("{src} (not read)"),
            });
            continue;
        }
        for f in files {
            settings.apply_config(&flatten_config(&f.text));
        }
        at = Some(m.loc);
    }
    at
}

/// `base` joined with a relative path, `.` and `..` resolved.
pub fn join_path(base: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = if rel.starts_with('/') {
        Vec::new()
    } else {
        base.split('/').filter(|p| !p.is_empty()).collect()
    };
    for p in rel.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

// ---------------------------------------------------------------------------------------------
// etcd servers.

/// An etcd server run by a container or Compose service: its flags (`ETCD_*` variables count as
/// flags) and environment.
#[derive(Debug, Clone)]
pub struct EtcdServer<'a> {
    pub flags: Vec<Flag<'a>>,
    pub env: Vec<EnvVar<'a>>,
    /// Bitnami's image, configured by environment (`ALLOW_NONE_AUTHENTICATION`,
    /// `ETCD_ROOT_PASSWORD`) and listening on all interfaces by default.
    pub bitnami: bool,
    /// Where the server is started (the executable word, or the image).
    pub anchor: Location,
    /// `etcdctl … auth enable` in the container's script.
    pub auth_in_script: Option<Location>,
}

impl<'a> EtcdServer<'a> {
    pub fn flag(&self, name: &str) -> Option<&Flag<'a>> {
        self.flags.iter().rev().find(|f| f.name == name)
    }

    /// Client certificates are required (`--client-cert-auth=true`).
    pub fn cert_auth(&self) -> bool {
        self.flag("client-cert-auth").is_some_and(|f| {
            f.value
                .as_deref()
                .map_or(Some(true), parse_bool)
                .unwrap_or(false)
        })
    }

    /// Where user (role-based) authentication is switched on, if anywhere we can see: a root
    /// password for Bitnami's image, `etcdctl auth enable`, or a token type for authenticated
    /// sessions.
    pub fn user_auth(&self) -> Option<Location> {
        if let Some(e) = ["ETCD_ROOT_PASSWORD", "ETCD_ROOT_PASSWORD_FILE"]
            .iter()
            .find_map(|n| env_var(&self.env, n).filter(|e| e.is_set()))
        {
            return Some(e.loc);
        }
        if let Some(f) = self.flag("auth-token").filter(|f| f.value.is_some()) {
            return Some(f.node.loc);
        }
        self.auth_in_script
    }

    /// `ALLOW_NONE_AUTHENTICATION=yes` (Bitnami).
    pub fn none_allowed(&self) -> Option<Location> {
        env_var(&self.env, "ALLOW_NONE_AUTHENTICATION")
            .filter(|e| e.value.and_then(parse_bool) == Some(true))
            .map(|e| e.loc)
    }

    /// The client URLs it listens on, and where they are set (`None`: the image's default).
    pub fn client_urls(&self) -> (Vec<String>, Option<Location>) {
        match self
            .flag("listen-client-urls")
            .and_then(|f| f.value.as_ref().map(|v| (v, f)))
        {
            Some((v, f)) => (
                v.split(',')
                    .map(|u| u.trim().to_string())
                    .filter(|u| !u.is_empty())
                    .collect(),
                Some(f.node.loc),
            ),
            None if self.bitnami => (vec!["http://0.0.0.0:2379".into()], None),
            None => (vec!["http://localhost:2379".into()], None),
        }
    }

    /// Client URLs reachable from other machines or pods.
    pub fn network_urls(&self) -> Vec<String> {
        self.client_urls()
            .0
            .into_iter()
            .filter(|u| !is_loopback_host(url_host(u)))
            .collect()
    }
}

fn etcd_env_flags<'a>(
    env: &[EnvVar<'a>],
    nodes: &dyn Fn(&str) -> Option<&'a Node>,
) -> Vec<Flag<'a>> {
    env.iter()
        .filter_map(|e| {
            let name = e.name.strip_prefix("ETCD_")?;
            Some(Flag {
                name: name.to_ascii_lowercase().replace('_', "-"),
                value: Some(e.value.unwrap_or("").to_string()),
                node: nodes(e.name)?,
            })
        })
        .collect()
}

fn auth_in_script(words: &[Word]) -> Option<Location> {
    words
        .windows(2)
        .find(|w| w[0].0 == "auth" && w[1].0.trim_end_matches(';') == "enable")
        .map(|w| w[0].1.loc)
}

fn bitnami_etcd(image: &str, env: &[EnvVar]) -> bool {
    image_repository(image).ends_with("bitnami/etcd")
        || env_var(env, "ALLOW_NONE_AUTHENTICATION").is_some()
}

/// The etcd server a container runs: recognised as the control-plane rules recognise it, or by
/// an etcd image whose entrypoint runs with no flags at all (Bitnami's, configured by
/// environment).
pub fn etcd_in_container<'a>(c: Container<'a>) -> Option<EtcdServer<'a>> {
    use crate::rules::controlplane::util::{invocation, Component};
    let env = container_env(&c);
    let image = c.image().and_then(Node::as_str).unwrap_or("");
    let (words, replaced) = container_words(&c);
    let bitnami = bitnami_etcd(image, &env);
    if let Some(inv) = invocation(c).filter(|i| i.component == Component::Etcd) {
        return Some(EtcdServer {
            flags: inv
                .flags
                .iter()
                .map(|f| Flag {
                    name: f.name.clone(),
                    value: f.value.clone(),
                    node: f.node,
                })
                .collect(),
            anchor: inv.exe.loc,
            auth_in_script: auth_in_script(&words),
            env,
            bitnami,
        });
    }
    if replaced || image_name(image) != "etcd" {
        return None;
    }
    let entries = c.node.get("env").map(Node::as_seq).unwrap_or(&[]);
    let node_of = |name: &str| {
        entries
            .iter()
            .rev()
            .find(|e| e.get("name").and_then(Node::as_str) == Some(name))
            .and_then(|e| e.get("value").or_else(|| e.get("valueFrom")))
    };
    let mut flags = etcd_env_flags(&env, &node_of);
    flags.extend(parse_flags(&words, &[]));
    Some(EtcdServer {
        flags,
        anchor: c.image().map_or(c.node.loc, |n| n.loc),
        auth_in_script: None,
        env,
        bitnami,
    })
}

/// The etcd server a Compose service runs: an `etcd` executable in its command, or an etcd
/// image whose entrypoint is kept.
pub fn etcd_in_service<'a>(s: &ComposeService<'a>) -> Option<EtcdServer<'a>> {
    let env = service_env(s);
    let image_node = s.get("image");
    let image = image_node.and_then(Node::as_str).unwrap_or("");
    let (words, replaced) = service_words(s);
    let exe = words.iter().position(|(w, _)| {
        let base = w.rsplit('/').next().unwrap_or(w);
        base == "etcd"
    });
    let (start, anchor) = match exe {
        Some(i) => (i + 1, words[i].1.loc),
        None if !replaced && image_name(image) == "etcd" => {
            (0, image_node.map_or(s.key.loc, |n| n.loc))
        }
        None => return None,
    };
    let env_node = s.get("environment");
    let node_of = |name: &str| -> Option<&'a Node> {
        let env = env_node?;
        if env.is_map() {
            return env
                .get(name)
                .filter(|n| !n.is_null())
                .or_else(|| env.key_node(name));
        }
        env.as_seq().iter().find(|n| {
            n.as_str()
                .is_some_and(|t| t.split_once('=').map_or(t, |(k, _)| k) == name)
        })
    };
    let mut flags = etcd_env_flags(&env, &node_of);
    flags.extend(parse_flags(&words[start..], &[]));
    Some(EtcdServer {
        flags,
        anchor,
        auth_in_script: auth_in_script(&words),
        bitnami: bitnami_etcd(image, &env),
        env,
    })
}

// ---------------------------------------------------------------------------------------------
// The architecture.

/// The node a Kubernetes workload became.
pub fn workload_node<'a>(cx: &'a Context, o: &K8sObject) -> Option<&'a ArchNode> {
    cx.arch.nodes().find(|n| {
        n.role != Role::EntryPoint
            && n.name == o.name
            && n.namespace == o.namespace
            && n.kinds.contains(&o.kind)
    })
}

/// The node a Compose service became.
pub fn service_node<'a>(cx: &'a Context, s: &ComposeService) -> Option<&'a ArchNode> {
    cx.arch.nodes().find(|n| {
        n.role != Role::EntryPoint && n.name == s.name && n.kinds.iter().any(|k| k == "compose")
    })
}

/// Flows into a node from services (not from entry points).
pub fn clients<'a>(cx: &'a Context, node: &ArchNode) -> Vec<&'a Flow> {
    cx.arch
        .flows_into(&node.id)
        .filter(|f| {
            cx.arch
                .node(&f.from)
                .is_some_and(|n| n.role != Role::EntryPoint)
        })
        .collect()
}

/// Flows into a node from entry points reachable from outside.
pub fn entry_flows<'a>(cx: &'a Context, node: &ArchNode) -> Vec<&'a Flow> {
    cx.arch
        .flows_into(&node.id)
        .filter(|f| {
            cx.arch
                .node(&f.from)
                .is_some_and(|n| n.role == Role::EntryPoint && n.exposure == Exposure::Internet)
        })
        .collect()
}

/// `orders, catalog` (at most four, then `and N more`).
pub fn name_list(names: &[String]) -> String {
    let mut names: Vec<&String> = names.iter().collect();
    names.sort();
    names.dedup();
    if names.len() <= 4 {
        names
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        format!(
            "{} and {} more",
            names[..4]
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            names.len() - 4
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(entries: &'a [(String, String)], path: &str) -> Option<&'a str> {
        entries
            .iter()
            .rev()
            .find(|(p, _)| p == path)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn hcl_and_json_flatten_alike() {
        let hcl = r#"
            # comment
            datacenter = "dc1"
            acl {
              enabled        = true
              default_policy = "deny"
              tokens { agent = "x" }
            }
            ui_config { enabled = true }
            service "web" { port = 80 }
            ports { http = -1, https = 8501 }
        "#;
        let e = flatten_config(hcl);
        assert_eq!(get(&e, "acl.enabled"), Some("true"));
        assert_eq!(get(&e, "acl.default_policy"), Some("deny"));
        assert_eq!(get(&e, "acl.tokens.agent"), Some("x"));
        assert_eq!(get(&e, "ui_config.enabled"), Some("true"));
        assert_eq!(get(&e, "service.port"), Some("80"));
        assert_eq!(get(&e, "ports.http"), Some("-1"));
        let json = r#"{"acl": {"enabled": false}, "client_addr": "0.0.0.0", "retry_join": ["a", "b"], "ui": true}"#;
        let e = flatten_config(json);
        assert_eq!(get(&e, "acl.enabled"), Some("false"));
        assert_eq!(get(&e, "client_addr"), Some("0.0.0.0"));
        assert_eq!(get(&e, "retry_join"), Some("b"));
        assert_eq!(get(&e, "ui"), Some("true"));
        let e = flatten_config("acl = { enabled = true }\nacl_datacenter = \"dc1\"");
        assert_eq!(get(&e, "acl.enabled"), Some("true"));
        assert_eq!(get(&e, "acl_datacenter"), Some("dc1"));
    }

    #[test]
    fn urls() {
        assert_eq!(url_host("http://0.0.0.0:2379"), "0.0.0.0");
        assert_eq!(url_host("https://user:pw@eureka:8761/eureka"), "eureka");
        assert_eq!(url_host("[::1]:2379"), "::1");
        assert!(is_loopback_host("127.0.0.1"));
        assert!(!is_loopback_host("0.0.0.0"));
    }
}
