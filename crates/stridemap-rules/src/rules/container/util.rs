//! Facts about pod and Compose container settings shared by the container rules.

use stridemap_model::compose::ComposeService;
use stridemap_model::k8s::{Container, Workload};
use stridemap_model::Node;

/// Capability names as written (`CAP_SYS_ADMIN` → `SYS_ADMIN`, upper case).
pub fn normalize_capability(cap: &str) -> String {
    let upper = cap.trim().to_ascii_uppercase();
    upper
        .strip_prefix("CAP_")
        .map(str::to_string)
        .unwrap_or(upper)
}

/// The entries of `securityContext.capabilities.<field>` (`add` or `drop`).
pub fn capabilities<'a>(container: &Container<'a>, field: &str) -> Vec<(String, &'a Node)> {
    container
        .security_context()
        .and_then(|sc| sc.path(&["capabilities", field]))
        .map(|list| {
            list.strings()
                .into_iter()
                .map(|(s, n)| (normalize_capability(s), n))
                .collect()
        })
        .unwrap_or_default()
}

/// Compose `cap_add` / `cap_drop` entries.
pub fn compose_capabilities<'a>(
    service: &ComposeService<'a>,
    field: &str,
) -> Vec<(String, &'a Node)> {
    service
        .get(field)
        .map(|list| {
            list.strings()
                .into_iter()
                .map(|(s, n)| (normalize_capability(s), n))
                .collect()
        })
        .unwrap_or_default()
}

/// Capabilities that hand a container control over the node or its network.
pub const DANGEROUS_CAPABILITIES: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "NET_ADMIN",
    "SYS_PTRACE",
    "SYS_MODULE",
    "SYS_RAWIO",
    "DAC_READ_SEARCH",
    "SYS_BOOT",
    "BPF",
    "PERFMON",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "SYSLOG",
    "SYS_TIME",
    "LINUX_IMMUTABLE",
];

/// Of the dangerous capabilities, those that amount to a container escape on their own.
pub const ESCAPE_CAPABILITIES: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "SYS_MODULE",
    "SYS_PTRACE",
    "SYS_RAWIO",
    "DAC_READ_SEARCH",
    "BPF",
];

pub fn is_dangerous_capability(cap: &str) -> bool {
    DANGEROUS_CAPABILITIES.contains(&cap)
}

/// Container-runtime sockets: mounting one gives control of every container on the host.
const RUNTIME_SOCKETS: &[&str] = &[
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/var/run/containerd/containerd.sock",
    "/run/containerd/containerd.sock",
    "/var/run/crio/crio.sock",
    "/run/crio/crio.sock",
    "/var/run/cri-dockerd.sock",
    "/run/podman/podman.sock",
    "/var/run/podman/podman.sock",
    "/var/run/dockershim.sock",
    "/var/run/docker",
    "/run/containerd",
    "/var/run/containerd",
    "/var/run/crio",
    "/run/crio",
];

fn normalize_path(path: &str) -> String {
    let trimmed = path.trim();
    if trimmed == "/" {
        return "/".into();
    }
    trimmed.trim_end_matches('/').to_string()
}

pub fn is_runtime_socket(path: &str) -> bool {
    let p = normalize_path(path);
    RUNTIME_SOCKETS.contains(&p.as_str())
        || (p.ends_with(".sock")
            && ["docker", "containerd", "crio", "podman", "cri-dockerd"]
                .iter()
                .any(|r| p.contains(r)))
}

/// Host directories whose exposure lets a container read node credentials, change the host's
/// configuration or reach its kernel and devices.
const SENSITIVE_HOST_PATHS: &[&str] = &[
    "/",
    "/etc",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/root",
    "/home",
    "/var",
    "/var/run",
    "/run",
    "/var/lib",
    "/var/lib/kubelet",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/lib/etcd",
    "/var/log",
    "/usr",
    "/lib",
    "/lib64",
    "/bin",
    "/sbin",
    "/opt/cni",
    "/etc/kubernetes",
    "/var/lib/rancher",
    "/var/lib/cni",
    "/etc/cni",
    "/var/lib/k0s",
    "/var/lib/kube-proxy",
    "/sys/fs/cgroup",
];

/// The sensitive directory a host path exposes: itself or one of its parents.
pub fn sensitive_host_path(path: &str) -> Option<&'static str> {
    let p = normalize_path(path);
    if !p.starts_with('/') {
        return None;
    }
    SENSITIVE_HOST_PATHS
        .iter()
        .copied()
        .filter(|s| *s != "/" || p == "/")
        // `/var/lib/app-data` is not sensitive although `/var/lib` is: only exact matches and
        // paths under the narrower directories count.
        .find(|s| {
            p == *s
                || (p.starts_with(&format!("{s}/"))
                    && !matches!(*s, "/var" | "/var/lib" | "/home" | "/run" | "/var/run"))
        })
}

/// A `hostPath` volume and the mounts of it in one container.
pub struct HostPathMount<'a> {
    pub volume_name: &'a str,
    pub path: &'a str,
    /// The `path:` node of the volume.
    pub path_node: &'a Node,
    /// The container's `volumeMounts` entry, when it mounts the volume.
    pub mount: Option<&'a Node>,
    pub read_only: bool,
}

/// hostPath volumes of a pod, with the container's mount of each (if any).
pub fn host_path_mounts<'a>(
    workload: &Workload<'a>,
    container: &Container<'a>,
) -> Vec<HostPathMount<'a>> {
    let mounts = container
        .node
        .get("volumeMounts")
        .map(Node::as_seq)
        .unwrap_or(&[]);
    workload
        .volumes()
        .iter()
        .filter_map(|v| {
            let name = v.get("name").and_then(Node::as_str).unwrap_or("");
            let path_node = v.path(&["hostPath", "path"])?;
            let path = path_node.as_str()?;
            let mount = mounts
                .iter()
                .find(|m| m.get("name").and_then(Node::as_str) == Some(name));
            let read_only = mount
                .and_then(|m| m.get("readOnly"))
                .and_then(Node::as_bool)
                .unwrap_or(false);
            Some(HostPathMount {
                volume_name: name,
                path,
                path_node,
                mount,
                read_only,
            })
        })
        .collect()
}

/// hostPath volumes of a pod that no container mounts are still a risk for the pod; this returns
/// every hostPath volume once.
pub fn host_path_volumes<'a>(workload: &Workload<'a>) -> Vec<(&'a str, &'a Node)> {
    workload
        .volumes()
        .iter()
        .filter_map(|v| {
            v.path(&["hostPath", "path"])
                .and_then(|n| n.as_str().map(|p| (p, n)))
        })
        .collect()
}

/// Compose `security_opt` entries, normalised to `name=value` (Compose accepts `name:value` too).
pub fn security_opts<'a>(service: &ComposeService<'a>) -> Vec<(String, &'a Node)> {
    service
        .get("security_opt")
        .map(|list| {
            list.strings()
                .into_iter()
                .map(|(s, n)| (s.trim().replacen(':', "=", 1).to_ascii_lowercase(), n))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_paths() {
        assert_eq!(sensitive_host_path("/etc/ssl/certs"), Some("/etc"));
        assert_eq!(sensitive_host_path("/"), Some("/"));
        assert_eq!(
            sensitive_host_path("/var/lib/kubelet/pods"),
            Some("/var/lib/kubelet")
        );
        assert_eq!(sensitive_host_path("/var/lib/app-data"), None);
        assert_eq!(sensitive_host_path("/data/cache"), None);
        assert_eq!(sensitive_host_path("./data"), None);
        assert!(is_runtime_socket("/var/run/docker.sock"));
        assert!(is_runtime_socket("/run/containerd/containerd.sock/"));
        assert!(!is_runtime_socket("/var/run/app.sock"));
        assert_eq!(normalize_capability("cap_sys_admin"), "SYS_ADMIN");
    }
}

/// `resources.<kind>.<resource>` of a container (`kind` is `limits` or `requests`).
pub fn resource<'a>(container: &Container<'a>, kind: &str, resource: &str) -> Option<&'a Node> {
    container
        .node
        .path(&["resources", kind, resource])
        .filter(|n| !n.is_null())
}

/// Whether `resources` (and its `limits`/`requests`) has the shape Kubernetes accepts. A
/// malformed block cannot be judged, so resource rules stay silent on it.
pub fn resources_well_formed(container: &Container) -> bool {
    match container.node.get("resources") {
        None => true,
        Some(r) if r.is_null() => true,
        Some(r) => {
            r.is_map()
                && ["limits", "requests"]
                    .iter()
                    .all(|k| r.get(k).is_none_or(|n| n.is_map() || n.is_null()))
        }
    }
}

/// A Compose service's limit for `cpus` or `memory`, in either the v2 (`cpus`, `mem_limit`) or
/// the deploy (`deploy.resources.limits`) syntax.
pub fn compose_limit<'a>(service: &ComposeService<'a>, resource: &str) -> Option<&'a Node> {
    let legacy = match resource {
        "memory" => "mem_limit",
        _ => "cpus",
    };
    service
        .get(legacy)
        .or_else(|| {
            service
                .node
                .path(&["deploy", "resources", "limits", resource])
        })
        .filter(|n| !n.is_null())
}
