//! Shared RBAC reading: the rules of a Role or ClusterRole, what a rule grants (matched the way
//! the API server's RBAC authorizer matches), which roles a binding points at, and which of its
//! subjects are workload identities.

use std::collections::BTreeMap;
use stridemap_model::k8s::{K8sObject, Workload};
use stridemap_model::{Corpus, Node};

pub const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// One `(apiGroup, resource)` pair and the verbs on it that make a grant dangerous. A `*` verb in
/// the role always matches.
pub struct Permission {
    pub group: &'static str,
    pub resource: &'static str,
    pub verbs: &'static [&'static str],
    /// Verbs that count only when the rule names the resource itself rather than `*`.
    pub named_verbs: &'static [&'static str],
}

const fn perm(
    group: &'static str,
    resource: &'static str,
    verbs: &'static [&'static str],
) -> Permission {
    Permission {
        group,
        resource,
        verbs,
        named_verbs: &[],
    }
}

/// Exec-style subresources: besides `create`, API servers that accept WebSocket upgrades
/// authorize the GET that opens the stream, so `get` counts too when the rule names the
/// subresource. A read-only `resources: ["*"]` rule is left to RBAC-WILDCARD.
const fn stream(resource: &'static str) -> Permission {
    Permission {
        group: "",
        resource,
        verbs: &["create"],
        named_verbs: &["get"],
    }
}

/// Reading Secret objects.
pub static SECRETS_READ: &[Permission] = &[perm("", "secrets", &["get", "list", "watch"])];

/// Running commands in, or attaching to, containers: through the API server (`pods/exec`,
/// `pods/attach`) or straight through the kubelet API (`nodes/proxy`).
pub static POD_EXEC: &[Permission] = &[
    stream("pods/exec"),
    stream("pods/attach"),
    perm("", "nodes/proxy", &["create"]),
];

/// Acting as another user, group or service account.
pub static IMPERSONATE: &[Permission] = &[
    perm("", "users", &["impersonate"]),
    perm("", "groups", &["impersonate"]),
    perm("", "serviceaccounts", &["impersonate"]),
];

/// `bind`/`escalate` on roles: the two verbs that switch off the API server's escalation check.
pub static ESCALATE_ROLES: &[Permission] = &[
    perm(RBAC_GROUP, "roles", &["bind", "escalate"]),
    perm(RBAC_GROUP, "clusterroles", &["bind", "escalate"]),
];

/// `bind` (or every verb) on the binding objects themselves.
pub static MANAGE_BINDINGS: &[Permission] = &[
    perm(RBAC_GROUP, "rolebindings", &["bind"]),
    perm(RBAC_GROUP, "clusterrolebindings", &["bind"]),
];

/// Opening tunnels into pods.
pub static PORT_FORWARD: &[Permission] = &[stream("pods/portforward")];

/// Creating pods, directly or through a workload controller that creates them.
pub static CREATE_PODS: &[Permission] = &[
    perm("", "pods", &["create"]),
    perm("", "replicationcontrollers", &["create"]),
    perm("apps", "deployments", &["create"]),
    perm("apps", "replicasets", &["create"]),
    perm("apps", "statefulsets", &["create"]),
    perm("apps", "daemonsets", &["create"]),
    perm("extensions", "deployments", &["create"]),
    perm("extensions", "replicasets", &["create"]),
    perm("extensions", "daemonsets", &["create"]),
    perm("batch", "jobs", &["create"]),
    perm("batch", "cronjobs", &["create"]),
];

fn rbac_api(o: &K8sObject) -> bool {
    let group = o.api_version.split('/').next().unwrap_or("");
    matches!(group, RBAC_GROUP | "authorization.openshift.io")
}

/// A Role or ClusterRole of the RBAC API.
pub fn is_role(o: &K8sObject) -> bool {
    o.is_kind(&["Role", "ClusterRole"]) && rbac_api(o)
}

/// A RoleBinding or ClusterRoleBinding of the RBAC API.
pub fn is_binding(o: &K8sObject) -> bool {
    o.is_kind(&["RoleBinding", "ClusterRoleBinding"]) && rbac_api(o)
}

/// One entry of a role's `rules`.
pub struct PolicyRule<'a> {
    pub node: &'a Node,
    pub index: usize,
    pub api_groups: Vec<(&'a str, &'a Node)>,
    pub resources: Vec<(&'a str, &'a Node)>,
    pub verbs: Vec<(&'a str, &'a Node)>,
    /// The rule lists `resourceNames`: it only reaches the named objects.
    pub scoped_by_name: bool,
}

/// A permission a rule grants, with the entries that grant it.
pub struct Hit<'a> {
    pub permission: &'static Permission,
    pub resource: &'a Node,
    /// The first granting verb entry.
    pub verb: &'a Node,
    /// Every granting verb entry.
    pub verbs: Vec<&'a Node>,
}

fn strings(node: Option<&Node>) -> Vec<(&str, &Node)> {
    node.map(Node::strings).unwrap_or_default()
}

impl<'a> PolicyRule<'a> {
    pub fn key(&self) -> String {
        format!("rules[{}]", self.index)
    }

    fn group_matches(&self, group: &str) -> bool {
        if self.api_groups.is_empty() {
            // The API server rejects resource rules without apiGroups; read them as meaning the
            // core group, which is what such manifests are usually after.
            return group.is_empty();
        }
        self.api_groups
            .iter()
            .any(|(g, _)| *g == "*" || *g == group)
    }

    /// The entry that covers `resource`: one naming it (or `*/<subresource>`) first, else `*`.
    fn resource_matches(&self, resource: &str) -> Option<&'a Node> {
        let named = |r: &str| {
            r == resource
                || r.strip_prefix("*/").is_some_and(|sub| {
                    resource
                        .split_once('/')
                        .is_some_and(|(_, wanted)| wanted == sub)
                })
        };
        self.resources
            .iter()
            .find(|(r, _)| named(r))
            .or_else(|| self.resources.iter().find(|(r, _)| *r == "*"))
            .map(|(_, n)| *n)
    }

    fn verb_matches(&self, verbs: &[&str], named: &[&str]) -> Vec<&'a Node> {
        self.verbs
            .iter()
            .filter(|(v, _)| *v == "*" || verbs.contains(v) || named.contains(v))
            .map(|(_, n)| *n)
            .collect()
    }

    /// Every `*` in apiGroups, resources and verbs: one rule that can do anything.
    pub fn is_full_wildcard(&self) -> bool {
        [&self.api_groups, &self.resources, &self.verbs]
            .iter()
            .all(|list| list.iter().any(|(s, _)| *s == "*"))
    }

    /// The permissions of `wanted` this rule grants.
    pub fn grants(&self, wanted: &'static [Permission]) -> Vec<Hit<'a>> {
        wanted
            .iter()
            .filter(|p| self.group_matches(p.group))
            .filter_map(|p| {
                let resource = self.resource_matches(p.resource)?;
                let named = if resource.as_str() == Some("*") {
                    &[][..]
                } else {
                    p.named_verbs
                };
                let verbs = self.verb_matches(p.verbs, named);
                Some(Hit {
                    permission: p,
                    resource,
                    verb: *verbs.first()?,
                    verbs,
                })
            })
            .collect()
    }

    /// The permissions of `wanted` this rule grants, unless the rule is scoped to named objects
    /// (least privilege done right) or is a full wildcard (reported once, as such, by
    /// RBAC-WILDCARD and RBAC-CLUSTER-ADMIN-BINDING).
    pub fn dangerous_grants(&self, wanted: &'static [Permission]) -> Vec<Hit<'a>> {
        if self.scoped_by_name || self.is_full_wildcard() {
            return Vec::new();
        }
        self.grants(wanted)
    }
}

/// The rules of a Role or ClusterRole (empty for aggregated roles, whose rules the controller
/// fills in).
pub fn policy_rules(role: &K8sObject) -> Vec<PolicyRule<'_>> {
    let Some(rules) = role.root.get("rules") else {
        return Vec::new();
    };
    rules
        .as_seq()
        .iter()
        .enumerate()
        .filter(|(_, n)| n.is_map())
        .map(|(index, node)| PolicyRule {
            node,
            index,
            api_groups: strings(node.get("apiGroups")),
            resources: strings(node.get("resources")),
            verbs: strings(node.get("verbs")),
            scoped_by_name: node
                .get("resourceNames")
                .is_some_and(|n| !n.strings().is_empty()),
        })
        .collect()
}

/// Readable list of what hits grant: `get on secrets`, `create on pods/exec, pods/attach`.
pub fn describe_hits(hits: &[&Hit]) -> String {
    let mut verbs: Vec<&str> = Vec::new();
    let mut resources: Vec<&str> = Vec::new();
    for h in hits {
        for v in h.verbs.iter().filter_map(|n| n.as_str()) {
            if !verbs.contains(&v) {
                verbs.push(v);
            }
        }
        if !resources.contains(&h.permission.resource) {
            resources.push(h.permission.resource);
        }
    }
    format!("`{}` on {}", verbs.join("`, `"), resources.join(", "))
}

fn namespaces_compatible(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        // Manifests often leave the namespace to the deploy tool (kubectl -n, Kustomize, Helm).
        _ => true,
    }
}

/// What a binding's `roleRef` names.
pub struct RoleRef<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    /// The `name` node, where findings about the grant point.
    pub node: &'a Node,
}

pub fn role_ref(binding: &K8sObject) -> Option<RoleRef<'_>> {
    let r = binding.root.get("roleRef")?;
    let node = r.get("name")?;
    Some(RoleRef {
        kind: r
            .get("kind")
            .and_then(Node::as_str)
            .unwrap_or("ClusterRole"),
        name: node.as_str()?,
        node,
    })
}

/// Kinds that bind roles to subjects.
pub const BINDING_KINDS: &[&str] = &["RoleBinding", "ClusterRoleBinding"];

/// The roles of the scan a binding points at (several when the namespace is ambiguous).
pub fn bound_roles<'a>(corpus: &'a Corpus, binding: &K8sObject) -> Vec<&'a K8sObject> {
    let Some(r) = role_ref(binding) else {
        return Vec::new();
    };
    corpus
        .objects_of(&["Role", "ClusterRole"])
        .filter(|o| is_role(o) && o.kind == r.kind && o.name == r.name)
        .filter(|o| {
            o.kind == "ClusterRole"
                || namespaces_compatible(o.namespace.as_deref(), binding.namespace.as_deref())
        })
        .collect()
}

/// One entry of a binding's `subjects`.
pub struct Subject<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub namespace: Option<&'a str>,
    pub name_node: &'a Node,
}

impl Subject<'_> {
    /// `ServiceAccount shop/api`, `Group system:nodes`.
    pub fn describe(&self, binding: &K8sObject) -> String {
        if self.kind == "ServiceAccount" {
            let ns = self.namespace.or(binding.namespace.as_deref());
            match ns {
                Some(ns) => format!("ServiceAccount {ns}/{}", self.name),
                None => format!("ServiceAccount {}", self.name),
            }
        } else {
            format!("{} {}", self.kind, self.name)
        }
    }

    /// A service account or a node: an identity whose credentials sit inside pods or on
    /// machines, rather than with a person.
    pub fn is_workload_identity(&self) -> bool {
        match self.kind {
            "ServiceAccount" => true,
            "Group" => {
                self.name == "system:serviceaccounts"
                    || self.name.starts_with("system:serviceaccounts:")
                    || self.name == "system:nodes"
            }
            "User" => {
                self.name.starts_with("system:serviceaccount:")
                    || self.name.starts_with("system:node:")
            }
            _ => false,
        }
    }

    /// The `default` service account of a namespace, named directly or by its user name.
    pub fn is_default_service_account(&self) -> bool {
        match self.kind {
            "ServiceAccount" => self.name == "default",
            "User" => self
                .name
                .strip_prefix("system:serviceaccount:")
                .and_then(|rest| rest.split_once(':'))
                .is_some_and(|(_, name)| name == "default"),
            _ => false,
        }
    }
}

pub fn subjects(binding: &K8sObject) -> Vec<Subject<'_>> {
    let Some(list) = binding.root.get("subjects") else {
        return Vec::new();
    };
    list.as_seq()
        .iter()
        .filter_map(|s| {
            let name_node = s.get("name")?;
            Some(Subject {
                kind: s.get("kind").and_then(Node::as_str).unwrap_or(""),
                name: name_node.as_str()?,
                namespace: s.get("namespace").and_then(Node::as_str),
                name_node,
            })
        })
        .collect()
}

/// The ServiceAccount objects of the scan with this name in a compatible namespace.
pub fn service_accounts<'a>(
    corpus: &'a Corpus,
    name: &str,
    namespace: Option<&str>,
) -> Vec<&'a K8sObject> {
    corpus
        .objects_named("ServiceAccount", name)
        .filter(|o| namespaces_compatible(o.namespace.as_deref(), namespace))
        .collect()
}

/// The service account a pod runs as: `serviceAccountName`, else `default`.
pub fn pod_service_account<'a>(w: &Workload<'a>) -> &'a str {
    w.service_account()
        .and_then(Node::as_str)
        .map(str::trim)
        .unwrap_or("default")
}

/// Whether the pod gets its service account's token mounted automatically.
pub enum TokenMount<'a> {
    /// `automountServiceAccountToken: true` on the pod.
    Pod(&'a Node),
    /// Not set on the pod; the ServiceAccount sets it to true.
    ServiceAccount(&'a K8sObject, &'a Node),
    /// Set nowhere: Kubernetes mounts the token.
    Default,
    /// Switched off on the pod, or on its ServiceAccount with the pod silent.
    Off,
    /// Set to something that is not a boolean (a template expression).
    Unknown,
}

pub fn token_mount<'a>(w: &Workload<'a>, corpus: &'a Corpus) -> TokenMount<'a> {
    if let Some(flag) = w
        .spec
        .get("automountServiceAccountToken")
        .filter(|n| !n.is_null())
    {
        return match flag.as_bool() {
            Some(true) => TokenMount::Pod(flag),
            Some(false) => TokenMount::Off,
            None => TokenMount::Unknown,
        };
    }
    let accounts = service_accounts(
        corpus,
        pod_service_account(w),
        w.object.namespace.as_deref(),
    );
    let flags: Vec<(&K8sObject, Option<&Node>)> = accounts
        .iter()
        .map(|sa| {
            (
                *sa,
                sa.root
                    .get("automountServiceAccountToken")
                    .filter(|n| !n.is_null()),
            )
        })
        .collect();
    if !flags.is_empty()
        && flags
            .iter()
            .all(|(_, f)| f.and_then(Node::as_bool) == Some(false))
    {
        return TokenMount::Off;
    }
    if let Some((sa, flag)) = flags
        .iter()
        .find_map(|(sa, f)| f.filter(|n| n.as_bool() == Some(true)).map(|n| (*sa, n)))
    {
        return TokenMount::ServiceAccount(sa, flag);
    }
    if flags
        .iter()
        .any(|(_, f)| f.is_some_and(|n| n.as_bool().is_none()))
    {
        return TokenMount::Unknown;
    }
    TokenMount::Default
}

/// A projected volume that mounts a service account token explicitly.
pub fn projected_token<'a>(w: &Workload<'a>) -> Option<&'a Node> {
    w.volumes().iter().find_map(|v| {
        v.path(&["projected", "sources"])?
            .as_seq()
            .iter()
            .find_map(|s| s.get("serviceAccountToken"))
    })
}

/// The rules of a role that grant some of `wanted`, with what they grant.
pub fn role_grants<'a>(
    role: &'a K8sObject,
    wanted: &'static [Permission],
) -> Vec<(PolicyRule<'a>, Vec<Hit<'a>>)> {
    policy_rules(role)
        .into_iter()
        .filter_map(|rule| {
            let hits = rule.dangerous_grants(wanted);
            (!hits.is_empty()).then_some((rule, hits))
        })
        .collect()
}

/// A binding that hands some of `wanted` to service accounts or nodes.
pub struct WorkloadGrant<'a> {
    pub binding: &'a K8sObject,
    pub role_ref: RoleRef<'a>,
    pub subjects: Vec<Subject<'a>>,
    pub grants: Vec<(&'a K8sObject, PolicyRule<'a>, Vec<Hit<'a>>)>,
}

impl WorkloadGrant<'_> {
    pub fn describe_subjects(&self) -> String {
        let names: Vec<String> = self
            .subjects
            .iter()
            .map(|s| s.describe(self.binding))
            .collect();
        names.join(", ")
    }

    pub fn all_hits(&self) -> Vec<&Hit<'_>> {
        self.grants.iter().flat_map(|(_, _, h)| h.iter()).collect()
    }
}

/// Every binding of the scan whose workload-identity subjects get some of `wanted` from a role
/// of the scan. Bindings to a role with a full-wildcard rule are left to
/// RBAC-CLUSTER-ADMIN-BINDING, which reports them once.
pub fn workload_grants<'a>(
    corpus: &'a Corpus,
    wanted: &'static [Permission],
) -> Vec<WorkloadGrant<'a>> {
    let mut out = Vec::new();
    for binding in corpus.objects_of(BINDING_KINDS).filter(|o| is_binding(o)) {
        let subjects: Vec<Subject> = subjects(binding)
            .into_iter()
            .filter(Subject::is_workload_identity)
            .collect();
        if subjects.is_empty() {
            continue;
        }
        let Some(role_ref) = role_ref(binding) else {
            continue;
        };
        let roles = bound_roles(corpus, binding);
        if roles.iter().any(|r| grants_everything(r)) {
            continue;
        }
        let grants: Vec<_> = roles
            .iter()
            .flat_map(|role| {
                role_grants(role, wanted)
                    .into_iter()
                    .map(move |(rule, hits)| (*role, rule, hits))
            })
            .collect();
        if !grants.is_empty() {
            out.push(WorkloadGrant {
                binding,
                role_ref,
                subjects,
                grants,
            });
        }
    }
    out
}

/// A role with a rule that allows every verb on every resource of every API group.
pub fn grants_everything(role: &K8sObject) -> bool {
    policy_rules(role).iter().any(PolicyRule::is_full_wildcard)
}

/// The finding for a [`WorkloadGrant`]: on the binding's `roleRef`, with the role's granting
/// entries as further evidence. `ability` completes "lets <subjects> …".
pub fn report_workload_grant<'s>(
    out: &'s mut crate::Sink,
    g: &WorkloadGrant,
    ability: &str,
) -> &'s mut crate::Finding {
    let description = format!(
        "{} lets {} {} through {}/{} ({})",
        g.binding.resource_id(),
        g.describe_subjects(),
        ability,
        g.role_ref.kind,
        g.role_ref.name,
        describe_hits(&g.all_hits())
    );
    let f = crate::helpers::on_object(out, g.binding, g.role_ref.node.loc, description);
    for (role, _, rule_hits) in &g.grants {
        f.resource(role.resource_id())
            .also_at(role.file, rule_hits[0].resource.loc);
    }
    for s in &g.subjects {
        if s.kind == "ServiceAccount" {
            f.resource(format!("ServiceAccount/{}", s.name));
        }
    }
    f
}

/// A binding subject that is a service account: (its namespace if written, its name).
fn service_account_subject<'b>(
    b: &'b K8sObject,
    s: &Subject<'b>,
) -> Option<(Option<&'b str>, &'b str)> {
    match s.kind {
        "ServiceAccount" => Some((s.namespace.or(b.namespace.as_deref()), s.name)),
        "User" => s
            .name
            .strip_prefix("system:serviceaccount:")
            .and_then(|r| r.split_once(':'))
            .map(|(ns, n)| (Some(ns), n)),
        _ => None,
    }
}

/// Bindings by the name of the service accounts they name as subjects, built once per scan.
pub type BindingsBySubject<'a> = BTreeMap<&'a str, Vec<&'a K8sObject>>;

pub(crate) fn bindings_by_subject<'a>(corpus: &'a Corpus) -> BindingsBySubject<'a> {
    let mut out: BindingsBySubject<'a> = BTreeMap::new();
    for b in corpus.objects_of(BINDING_KINDS).filter(|b| is_binding(b)) {
        let mut names: Vec<&str> = subjects(b)
            .iter()
            .filter_map(|s| service_account_subject(b, s).map(|(_, n)| n))
            .collect();
        names.sort_unstable();
        names.dedup();
        for n in names {
            out.entry(n).or_default().push(b);
        }
    }
    out
}

/// Bindings of the scan that name the service account `name` of `namespace` as a subject.
pub fn bindings_for_service_account<'a>(
    cx: &crate::Context<'a>,
    name: &str,
    namespace: Option<&str>,
) -> Vec<&'a K8sObject> {
    let index = cx
        .rbac_bindings
        .get_or_init(|| bindings_by_subject(cx.corpus));
    index
        .get(name)
        .into_iter()
        .flatten()
        .copied()
        .filter(|b| {
            subjects(b).iter().any(|s| {
                service_account_subject(b, s).is_some_and(|(sa_ns, sa_name)| {
                    sa_name == name && namespaces_compatible(sa_ns, namespace)
                })
            })
        })
        .collect()
}

/// Where a pod spec names its service account (the key), or the pod spec itself.
pub fn service_account_anchor(w: &Workload) -> stridemap_model::Location {
    ["serviceAccountName", "serviceAccount"]
        .iter()
        .find_map(|k| w.spec.key_node(k))
        .map_or(w.spec.loc, |k| k.loc)
}

/// Changing or removing admission webhooks and admission policies.
pub static ADMISSION_CONTROL: &[Permission] = &[
    perm(
        "admissionregistration.k8s.io",
        "mutatingwebhookconfigurations",
        WRITE_VERBS,
    ),
    perm(
        "admissionregistration.k8s.io",
        "validatingwebhookconfigurations",
        WRITE_VERBS,
    ),
    perm(
        "admissionregistration.k8s.io",
        "validatingadmissionpolicies",
        WRITE_VERBS,
    ),
    perm(
        "admissionregistration.k8s.io",
        "validatingadmissionpolicybindings",
        WRITE_VERBS,
    ),
];

const WRITE_VERBS: &[&str] = &["create", "update", "patch", "delete", "deletecollection"];

/// Approving certificate signing requests takes both of these.
pub static CSR_APPROVAL: &[Permission] = &[perm(
    "certificates.k8s.io",
    "certificatesigningrequests/approval",
    &["update", "patch"],
)];
pub static SIGNER_APPROVE: &[Permission] = &[perm("certificates.k8s.io", "signers", &["approve"])];

#[cfg(test)]
mod tests {
    use super::*;
    use stridemap_model::FileId;

    fn role(yaml: &str) -> K8sObject {
        let (docs, err) = stridemap_ingest::yaml::parse_documents(yaml, Default::default());
        assert!(err.is_none());
        let root = docs.into_iter().next().unwrap().1;
        K8sObject {
            file: FileId(0),
            doc_index: 0,
            api_version: "rbac.authorization.k8s.io/v1".into(),
            kind: "ClusterRole".into(),
            name: "r".into(),
            namespace: None,
            root,
        }
    }

    fn granted(yaml: &str, wanted: &'static [Permission]) -> Vec<&'static str> {
        let r = role(yaml);
        let rules = policy_rules(&r);
        let mut out: Vec<&str> = rules
            .iter()
            .flat_map(|rule| rule.dangerous_grants(wanted))
            .map(|h| h.permission.resource)
            .collect();
        out.dedup();
        out
    }

    #[test]
    fn matching_follows_the_rbac_authorizer() {
        // Exact names, `*`, and `*/<subresource>`.
        let y = "rules:\n  - apiGroups: [\"\"]\n    resources: [\"*/exec\"]\n    verbs: [create]\n";
        assert_eq!(granted(y, POD_EXEC), ["pods/exec"]);
        // A resource wildcard in another API group does not reach core resources.
        let y = "rules:\n  - apiGroups: [apps]\n    resources: [\"*\"]\n    verbs: [\"*\"]\n";
        assert!(granted(y, SECRETS_READ).is_empty());
        assert_eq!(
            granted(y, CREATE_PODS),
            ["deployments", "replicasets", "statefulsets", "daemonsets"]
        );
        // `pods` does not cover `pods/exec`.
        let y = "rules:\n  - apiGroups: [\"\"]\n    resources: [pods]\n    verbs: [create]\n";
        assert!(granted(y, POD_EXEC).is_empty());
        // `get` on a stream subresource counts only when it is named.
        let y = "rules:\n  - apiGroups: [\"\"]\n    resources: [\"*\"]\n    verbs: [get, list]\n";
        assert!(granted(y, POD_EXEC).is_empty());
        assert_eq!(granted(y, SECRETS_READ), ["secrets"]);
        let y = "rules:\n  - apiGroups: [\"\"]\n    resources: [\"*\", pods/attach]\n    verbs: [get]\n";
        assert_eq!(granted(y, POD_EXEC), ["pods/attach"]);
    }

    #[test]
    fn scoped_and_full_wildcard_rules_are_left_out() {
        let y = "rules:\n  - apiGroups: [\"\"]\n    resources: [secrets]\n    resourceNames: [db]\n    verbs: [get]\n";
        assert!(granted(y, SECRETS_READ).is_empty());
        let y = "rules:\n  - apiGroups: [\"*\"]\n    resources: [\"*\"]\n    verbs: [\"*\"]\n";
        assert!(granted(y, SECRETS_READ).is_empty());
        assert!(grants_everything(&role(y)));
    }

    #[test]
    fn subjects_are_classified() {
        let s = |kind, name| Subject {
            kind,
            name,
            namespace: None,
            name_node: Box::leak(Box::new(Node::scalar(name, false, Default::default()))),
        };
        assert!(s("ServiceAccount", "api").is_workload_identity());
        assert!(s("Group", "system:serviceaccounts:shop").is_workload_identity());
        assert!(s("User", "system:node:worker-1").is_workload_identity());
        assert!(!s("User", "alice").is_workload_identity());
        assert!(!s("Group", "system:authenticated").is_workload_identity());
        assert!(s("User", "system:serviceaccount:shop:default").is_default_service_account());
        assert!(!s("User", "default").is_default_service_account());
    }
}
