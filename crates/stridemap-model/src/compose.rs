//! Docker Compose projects, with helpers that accept both the short and long syntaxes.

use crate::corpus::FileId;
use crate::location::Location;
use crate::yaml::Node;

#[derive(Debug, Clone)]
pub struct ComposeFile {
    pub file: FileId,
    pub root: Node,
}

#[derive(Debug, Clone, Copy)]
pub struct ComposeService<'a> {
    pub name: &'a str,
    pub key: &'a Node,
    pub node: &'a Node,
}

/// An entry of `environment`, from either the map or the `KEY=value` list form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposeEnv<'a> {
    pub name: &'a str,
    pub value: Option<&'a str>,
    pub loc: Location,
}

/// A volume or bind mount, from either `source:target[:mode]` or the long syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposeMount<'a> {
    pub source: Option<&'a str>,
    pub target: &'a str,
    pub read_only: bool,
    pub loc: Location,
}

/// A published port, from `[host_ip:][published:]target[/proto]` or the long syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposePort {
    pub host_ip: Option<String>,
    pub published: Option<String>,
    pub target: String,
    pub loc: Location,
}

impl ComposeFile {
    /// The host directory behind a named volume that is really a bind mount
    /// (`driver_opts: {o: bind, device: /srv/data}`, or the local-persist driver's `mountpoint`).
    pub fn volume_host_path(&self, name: &str) -> Option<&str> {
        let volume = self.root.get("volumes")?.get(name)?;
        let opts = volume.get("driver_opts")?;
        let is_bind = opts
            .get("o")
            .and_then(Node::as_str)
            .is_some_and(|o| o.split(',').any(|p| p.trim() == "bind"));
        if is_bind {
            if let Some(device) = opts.get("device").and_then(Node::as_str) {
                return Some(device);
            }
        }
        opts.get("mountpoint").and_then(Node::as_str)
    }

    /// Where a mount's data lives on the host: the bind source, or the directory behind a
    /// bind-backed named volume. `None` for ordinary named and anonymous volumes.
    pub fn host_source<'a>(&'a self, mount: &ComposeMount<'a>) -> Option<&'a str> {
        let source = mount.source?;
        if source.starts_with('/')
            || source.starts_with('.')
            || source.starts_with('~')
            || source.contains('\\')
        {
            Some(source)
        } else {
            self.volume_host_path(source)
        }
    }

    pub fn services(&self) -> impl Iterator<Item = ComposeService<'_>> {
        self.root
            .get("services")
            .map(Node::as_map)
            .unwrap_or(&[])
            .iter()
            .filter(|(_, v)| v.is_map())
            .filter_map(|(k, v)| {
                Some(ComposeService {
                    name: k.as_str()?,
                    key: k,
                    node: v,
                })
            })
    }
}

impl<'a> ComposeService<'a> {
    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.node.get(key)
    }

    /// `services.<name>` as a resource id.
    pub fn resource_id(&self) -> String {
        format!("ComposeService/{}", self.name)
    }

    pub fn environment(&self) -> Vec<ComposeEnv<'a>> {
        let Some(env) = self.node.get("environment") else {
            return Vec::new();
        };
        if env.is_map() {
            env.entries()
                .map(|(name, k, v)| ComposeEnv {
                    name,
                    value: v.as_str(),
                    loc: if v.is_null() { k.loc } else { v.loc },
                })
                .collect()
        } else {
            env.strings()
                .into_iter()
                .map(|(item, n)| match item.split_once('=') {
                    Some((name, value)) => ComposeEnv {
                        name,
                        value: Some(value),
                        loc: n.loc,
                    },
                    None => ComposeEnv {
                        name: item,
                        value: None,
                        loc: n.loc,
                    },
                })
                .collect()
        }
    }

    pub fn mounts(&self) -> Vec<ComposeMount<'a>> {
        let Some(volumes) = self.node.get("volumes") else {
            return Vec::new();
        };
        volumes
            .as_seq()
            .iter()
            .filter_map(|v| {
                if let Some(text) = v.as_str() {
                    let parts = split_mount(text);
                    let (source, target, mode) = match parts.as_slice() {
                        [target] => (None, *target, ""),
                        [source, target] => (Some(*source), *target, ""),
                        [source, target, mode, ..] => (Some(*source), *target, *mode),
                        [] => return None,
                    };
                    let read_only = mode.split(',').any(|m| m == "ro");
                    Some(ComposeMount {
                        source,
                        target,
                        read_only,
                        loc: v.loc,
                    })
                } else if v.is_map() {
                    let target = v.get("target").and_then(Node::as_str)?;
                    let source = v.get("source").and_then(Node::as_str);
                    let read_only = v.get("read_only").and_then(Node::as_bool).unwrap_or(false);
                    Some(ComposeMount {
                        source,
                        target,
                        read_only,
                        loc: v.loc,
                    })
                } else {
                    None
                }
            })
            .collect()
    }

    pub fn ports(&self) -> Vec<ComposePort> {
        let Some(ports) = self.node.get("ports") else {
            return Vec::new();
        };
        ports
            .as_seq()
            .iter()
            .filter_map(|p| {
                if let Some(text) = p.as_str() {
                    Some(parse_port(text, p.loc))
                } else if p.is_map() {
                    Some(ComposePort {
                        host_ip: p.get("host_ip").and_then(Node::as_str).map(str::to_string),
                        published: p
                            .get("published")
                            .and_then(Node::as_str)
                            .map(str::to_string),
                        target: p
                            .get("target")
                            .and_then(Node::as_str)
                            .unwrap_or("")
                            .to_string(),
                        loc: p.loc,
                    })
                } else {
                    None
                }
            })
            .collect()
    }
}

/// Splits `source:target:mode` while keeping Windows drive letters (`C:\data`) in one piece.
fn split_mount(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b':' {
            let is_drive = i == start + 1
                && bytes[start].is_ascii_alphabetic()
                && matches!(bytes.get(i + 1), Some(b'\\') | Some(b'/'));
            if !is_drive {
                parts.push(&text[start..i]);
                start = i + 1;
            }
        }
    }
    parts.push(&text[start..]);
    parts
}

fn parse_port(text: &str, loc: Location) -> ComposePort {
    let text = text.trim();
    // An IPv6 host address is written in brackets: `[::1]:8080:80`.
    let (host_ip, rest) = if let Some(stripped) = text.strip_prefix('[') {
        match stripped.split_once("]:") {
            Some((ip, rest)) => (Some(ip.to_string()), rest),
            None => (None, text),
        }
    } else {
        (None, text)
    };
    let parts: Vec<&str> = rest.split(':').collect();
    let (host_ip, published, target) = match parts.as_slice() {
        [target] => (host_ip, None, *target),
        [published, target] => (host_ip, Some(published.to_string()), *target),
        [ip, published, target] => (Some(ip.to_string()), Some(published.to_string()), *target),
        _ => (host_ip, None, rest),
    };
    let published = published.filter(|p| !p.is_empty());
    ComposePort {
        host_ip,
        published,
        target: target.to_string(),
        loc,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mounts_and_ports() {
        assert_eq!(
            split_mount("/var/run/docker.sock:/var/run/docker.sock:ro"),
            vec!["/var/run/docker.sock", "/var/run/docker.sock", "ro"]
        );
        assert_eq!(split_mount("C:\\data:/data"), vec!["C:\\data", "/data"]);
        let l = Location::default();
        assert_eq!(
            parse_port("127.0.0.1:8080:80", l).host_ip.as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(
            parse_port("8080:80/tcp", l).published.as_deref(),
            Some("8080")
        );
        assert_eq!(parse_port("80", l).published, None);
        assert_eq!(
            parse_port("[::1]:8080:80", l).host_ip.as_deref(),
            Some("::1")
        );
    }
}
