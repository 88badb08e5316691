//! A common view of the two admission policy kinds: Kubernetes PodSecurityPolicy (fields under
//! `spec`) and OpenShift SecurityContextConstraints (fields at the top level, some renamed).

use crate::helpers::{key_loc, on_object};
use crate::rules::container::util::normalize_capability;
use crate::{Finding, Sink};
use stridemap_model::k8s::K8sObject;
use stridemap_model::{Location, Node};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `policy/v1beta1` (or `extensions/v1beta1`) PodSecurityPolicy.
    Psp,
    /// `security.openshift.io/v1` SecurityContextConstraints.
    Scc,
}

#[derive(Debug, Clone, Copy)]
pub struct Policy<'a> {
    pub object: &'a K8sObject,
    pub flavor: Flavor,
    /// The mapping that holds the policy's fields: `spec` of a PSP, the object itself for an SCC.
    pub body: &'a Node,
}

impl<'a> Policy<'a> {
    /// The policy view of an object, or `None` when it is neither kind (or a PSP without `spec`).
    pub fn of(object: &'a K8sObject) -> Option<Self> {
        let (flavor, body) = match object.kind.as_str() {
            "PodSecurityPolicy" => (Flavor::Psp, object.root.get("spec")?),
            "SecurityContextConstraints" => (Flavor::Scc, &object.root),
            _ => return None,
        };
        body.is_map().then_some(Policy {
            object,
            flavor,
            body,
        })
    }

    /// The name of a field in this flavour: PSP spelling first, SCC spelling second.
    pub fn field_name(&self, psp: &'static str, scc: &'static str) -> &'static str {
        match self.flavor {
            Flavor::Psp => psp,
            Flavor::Scc => scc,
        }
    }

    /// The value of a field (PSP spelling, SCC spelling), null values treated as absent.
    pub fn get(&self, psp: &'static str, scc: &'static str) -> Option<&'a Node> {
        self.body
            .get(self.field_name(psp, scc))
            .filter(|n| !n.is_null())
    }

    /// A boolean field that is explicitly `true`.
    pub fn enabled(&self, psp: &'static str, scc: &'static str) -> Option<&'a Node> {
        self.get(psp, scc).filter(|n| n.as_bool() == Some(true))
    }

    /// Where to point for a field: its key when written, else the start of the policy body
    /// (the `spec` key of a PSP, the object of an SCC).
    pub fn anchor(&self, psp: &'static str, scc: &'static str) -> Location {
        match self.body.key_node(self.field_name(psp, scc)) {
            Some(key) => key.loc,
            None => match self.flavor {
                Flavor::Psp => key_loc(&self.object.root, "spec"),
                Flavor::Scc => self.object.root.loc,
            },
        }
    }

    /// `PodSecurityPolicy/name` or `SecurityContextConstraints/name`.
    pub fn id(&self) -> String {
        self.object.resource_id()
    }

    /// The entries of a capability list field, normalised (`CAP_SYS_ADMIN` → `SYS_ADMIN`).
    pub fn capabilities(&self, psp: &'static str, scc: &'static str) -> Vec<(String, &'a Node)> {
        self.get(psp, scc)
            .map(|list| {
                list.strings()
                    .into_iter()
                    .map(|(s, n)| (normalize_capability(s), n))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The volume types the policy admits (`volumes`), as written.
    pub fn volumes(&self) -> Option<Vec<&'a str>> {
        self.get("volumes", "volumes")
            .map(|list| list.strings().into_iter().map(|(s, _)| s.trim()).collect())
    }

    /// Starts a finding on the policy object.
    pub fn report<'s>(
        &self,
        out: &'s mut Sink,
        loc: Location,
        description: impl Into<String>,
    ) -> &'s mut Finding {
        on_object(out, self.object, loc, description)
    }
}
