use super::tiller::{is_tiller, is_tiller_image};
use super::util::is_loopback_host;
use crate::helpers::on_container;
use crate::{Check, Context, Sink};
use stridemap_model::k8s::Workload;
use stridemap_model::Node;

declare_rule! {
    /// ## What it does
    /// Flags Tiller containers (Helm v2) that listen beyond the loopback interface: no
    /// `--listen` argument (Tiller then binds every interface) or a `--listen` address that is
    /// not `localhost`/`127.0.0.1`/`::1`.
    ///
    /// ## Why is this bad?
    /// Tiller performs no authentication on its gRPC port. Listening on the pod IP lets every
    /// pod in the cluster ask it to install charts with its cluster-wide privileges; bound to
    /// loopback it is only reachable through `kubectl port-forward`, which the API server
    /// authorises.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    ///   - name: tiller
    ///     image: gcr.io/kubernetes-helm/tiller:v2.16.12
    ///     args: ["--listen=0.0.0.0:44134"]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    ///   - name: tiller
    ///     image: gcr.io/kubernetes-helm/tiller:v2.16.12
    ///     args: ["--listen=127.0.0.1:44134"]
    /// ```
    /// Better still, migrate to Helm 3 and remove Tiller.
    pub struct TillerListens {
        id: "K8S-TILLER-LISTEN",
        title: "Tiller reachable from inside the cluster",
        group: ServiceToService,
        stride: ElevationOfPrivilege,
        severity: High,
        cwe: [306, 668],
        infra: [Kubernetes],
        equivalents: ["CKV_K8S_45", "kics:e17fa86a-6222-4584-a914-56e8f6c87e06"],
        attack_scenario: "From a compromised pod, the attacker connects to Tiller's pod IP on port 44134 without credentials and installs a release that mounts the host filesystem, escaping to the node.",
        mitigation: "Start Tiller with `--listen=127.0.0.1:44134` and reach it only via port-forward — or migrate to Helm 3.",
    }
}

/// The host of `--listen`, if the argument is present (empty host: all interfaces).
fn listen_host(words: &[&str]) -> Option<(usize, String)> {
    for (i, w) in words.iter().enumerate() {
        let w = w.trim();
        let value = if let Some(v) = w
            .strip_prefix("--listen=")
            .or_else(|| w.strip_prefix("-listen="))
        {
            Some(v.to_string())
        } else if w == "--listen" || w == "-listen" {
            words.get(i + 1).map(|v| v.to_string())
        } else {
            None
        };
        if let Some(v) = value {
            let host = match v.rsplit_once(':') {
                Some((h, _)) => h.to_string(),
                None => v,
            };
            return Some((i, host));
        }
    }
    None
}

impl Check for TillerListens {
    fn check_workload(&self, w: &Workload, _cx: &Context, out: &mut Sink) {
        if !is_tiller(w) {
            return;
        }
        let containers = w.containers();
        let tiller: Vec<_> = containers
            .iter()
            .filter(|c| {
                c.image()
                    .and_then(Node::as_str)
                    .is_some_and(is_tiller_image)
                    || c.name.to_ascii_lowercase().contains("tiller")
                    || containers.len() == 1
            })
            .collect();
        for c in tiller {
            let parts: Vec<&Node> = ["command", "args"]
                .iter()
                .filter_map(|k| c.node.get(k))
                .flat_map(|n| n.as_seq().iter())
                .collect();
            let words: Vec<&str> = parts.iter().filter_map(|n| n.as_str()).collect();
            let (loc, why) = match listen_host(&words) {
                Some((_, host)) if is_loopback_host(&host) => continue,
                Some((i, host)) => (
                    parts
                        .iter()
                        .filter(|n| n.as_str().is_some())
                        .nth(i)
                        .map_or(c.node.loc, |n| n.loc),
                    if host.is_empty() || host == "0.0.0.0" || host == "[::]" {
                        "listens on every interface".to_string()
                    } else {
                        format!("listens on `{host}`")
                    },
                ),
                None => (
                    c.node
                        .get("args")
                        .or_else(|| c.node.get("image"))
                        .map_or(c.node.loc, |n| n.loc),
                    "has no `--listen` argument and so listens on every interface".to_string(),
                ),
            };
            on_container(
                out,
                w,
                c,
                loc,
                format!(
                    "Tiller {} of {} {why}, reachable by any pod without authentication",
                    c.describe(),
                    w.object.resource_id()
                ),
            );
        }
    }
}
