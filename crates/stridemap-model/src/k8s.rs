//! Kubernetes objects and the normalised view of the pod spec inside every workload kind.

use crate::corpus::FileId;
use crate::yaml::Node;

/// One Kubernetes object: a YAML/JSON document with `apiVersion` and `kind`, or an item of a
/// `List`.
#[derive(Debug, Clone)]
pub struct K8sObject {
    pub file: FileId,
    /// Position of the document in its file (items of a `List` share their document's index).
    pub doc_index: u32,
    pub api_version: String,
    pub kind: String,
    /// `metadata.name`, else `metadata.generateName`, else empty.
    pub name: String,
    pub namespace: Option<String>,
    pub root: Node,
}

impl K8sObject {
    pub fn metadata(&self) -> Option<&Node> {
        self.root.get("metadata")
    }

    /// `Kind/name`, the spelling used in `affected_resources`.
    pub fn resource_id(&self) -> String {
        format!(
            "{}/{}",
            self.kind,
            if self.name.is_empty() {
                "unnamed"
            } else {
                &self.name
            }
        )
    }

    /// `Kind/namespace/name`, for keys that must not collide across namespaces.
    pub fn qualified_id(&self) -> String {
        format!(
            "{}/{}/{}",
            self.kind,
            self.namespace.as_deref().unwrap_or(""),
            self.name
        )
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.metadata()?.get("annotations")?.get(key)?.as_str()
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.metadata()?.get("labels")?.get(key)?.as_str()
    }

    pub fn is_kind(&self, kinds: &[&str]) -> bool {
        kinds.contains(&self.kind.as_str())
    }

    /// The pod spec of a workload kind, or `None` for objects that do not run pods.
    pub fn workload(&self) -> Option<Workload<'_>> {
        let (spec_path, meta_path): (&[&str], &[&str]) = match self.kind.as_str() {
            "Pod" => (&["spec"], &["metadata"]),
            "Deployment"
            | "StatefulSet"
            | "DaemonSet"
            | "ReplicaSet"
            | "ReplicationController"
            | "Job"
            | "Rollout"
            | "DeploymentConfig" => (
                &["spec", "template", "spec"],
                &["spec", "template", "metadata"],
            ),
            "CronJob" => (
                &["spec", "jobTemplate", "spec", "template", "spec"],
                &["spec", "jobTemplate", "spec", "template", "metadata"],
            ),
            "PodTemplate" => (&["template", "spec"], &["template", "metadata"]),
            // Other controllers that embed a pod template (Knative Service/Configuration,
            // operators' custom resources) are recognised by its shape.
            _ if self
                .root
                .path(&["spec", "template", "spec", "containers"])
                .is_some_and(Node::is_seq) =>
            {
                (
                    &["spec", "template", "spec"],
                    &["spec", "template", "metadata"],
                )
            }
            _ => return None,
        };
        let spec = self.root.path(spec_path).filter(|n| n.is_map())?;
        Some(Workload {
            object: self,
            spec,
            pod_metadata: self.root.path(meta_path),
        })
    }
}

/// The pod spec of a workload, whatever kind carries it.
#[derive(Debug, Clone, Copy)]
pub struct Workload<'a> {
    pub object: &'a K8sObject,
    pub spec: &'a Node,
    /// Metadata of the pod template (the object's own metadata for a bare Pod).
    pub pod_metadata: Option<&'a Node>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ContainerRole {
    Init,
    /// An init container with `restartPolicy: Always` (native sidecar).
    Sidecar,
    App,
    Ephemeral,
}

impl ContainerRole {
    pub fn field(self) -> &'static str {
        match self {
            ContainerRole::Init | ContainerRole::Sidecar => "initContainers",
            ContainerRole::App => "containers",
            ContainerRole::Ephemeral => "ephemeralContainers",
        }
    }

    pub fn noun(self) -> &'static str {
        match self {
            ContainerRole::Init => "init container",
            ContainerRole::Sidecar => "sidecar container",
            ContainerRole::App => "container",
            ContainerRole::Ephemeral => "ephemeral container",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Container<'a> {
    pub node: &'a Node,
    pub role: ContainerRole,
    pub name: &'a str,
    pub index: usize,
}

impl<'a> Workload<'a> {
    /// Every container of the pod: init (and native sidecars), app and ephemeral.
    pub fn containers(&self) -> Vec<Container<'a>> {
        let mut out = Vec::new();
        for field in ["initContainers", "containers", "ephemeralContainers"] {
            let Some(list) = self.spec.get(field) else {
                continue;
            };
            for (index, node) in list.as_seq().iter().enumerate().filter(|(_, n)| n.is_map()) {
                let role = match field {
                    "initContainers"
                        if node.get("restartPolicy").and_then(Node::as_str) == Some("Always") =>
                    {
                        ContainerRole::Sidecar
                    }
                    "initContainers" => ContainerRole::Init,
                    "containers" => ContainerRole::App,
                    _ => ContainerRole::Ephemeral,
                };
                let name = node.get("name").and_then(Node::as_str).unwrap_or("");
                out.push(Container {
                    node,
                    role,
                    name,
                    index,
                });
            }
        }
        out
    }

    pub fn security_context(&self) -> Option<&'a Node> {
        self.spec.get("securityContext").filter(|n| n.is_map())
    }

    /// A boolean field of the pod spec that is set to true (`hostNetwork`, `hostPID`, …).
    pub fn enabled(&self, field: &str) -> Option<&'a Node> {
        self.spec.get(field).filter(|n| n.as_bool() == Some(true))
    }

    pub fn volumes(&self) -> &'a [Node] {
        self.spec.get("volumes").map(Node::as_seq).unwrap_or(&[])
    }

    pub fn pod_annotation(&self, key: &str) -> Option<&'a Node> {
        self.pod_metadata?.get("annotations")?.get(key)
    }

    pub fn namespace(&self) -> &str {
        self.object.namespace.as_deref().unwrap_or("default")
    }

    /// `serviceAccountName` (or the deprecated `serviceAccount`), when set and not empty.
    pub fn service_account(&self) -> Option<&'a Node> {
        ["serviceAccountName", "serviceAccount"]
            .iter()
            .filter_map(|k| self.spec.get(k))
            .find(|n| n.as_str().is_some_and(|s| !s.trim().is_empty()))
    }
}

impl<'a> Container<'a> {
    pub fn security_context(&self) -> Option<&'a Node> {
        self.node.get("securityContext").filter(|n| n.is_map())
    }

    /// A security-context field as it takes effect: the container's value, else the pod's
    /// (only for the fields the pod-level context also carries).
    pub fn effective(&self, workload: &Workload<'a>, key: &str) -> Option<&'a Node> {
        self.security_context()
            .and_then(|sc| sc.get(key))
            .filter(|n| !n.is_null())
            .or_else(|| {
                workload
                    .security_context()
                    .and_then(|sc| sc.get(key))
                    .filter(|n| !n.is_null())
            })
    }

    pub fn image(&self) -> Option<&'a Node> {
        self.node.get("image")
    }

    /// `initContainers[setup]`: stable in fingerprints, readable in messages.
    pub fn key(&self) -> String {
        format!(
            "{}[{}]",
            self.role.field(),
            if self.name.is_empty() {
                self.index.to_string()
            } else {
                self.name.to_string()
            }
        )
    }

    /// `container "app"`, `init container "setup"`.
    pub fn describe(&self) -> String {
        format!("{} \"{}\"", self.role.noun(), self.name)
    }
}
