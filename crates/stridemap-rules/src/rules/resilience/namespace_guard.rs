//! Shared body of the LimitRange and ResourceQuota rules: namespaces that run workloads
//! without the namespace-level guard.

use super::util::{namespace, namespace_loc};
use crate::{Context, Sink};
use std::collections::BTreeMap;
use stridemap_model::k8s::K8sObject;
use stridemap_model::InfraType;

/// At most this many places are listed as evidence per namespace.
const MAX_EVIDENCE: usize = 10;

/// Reports each namespace holding workloads or PersistentVolumeClaims but no `guard` object
/// (`LimitRange`, `ResourceQuota`). `what` completes "… so <what>".
pub fn check(cx: &Context, out: &mut Sink, guard: &'static [&'static str], what: &str) {
    let guards: Vec<&K8sObject> = cx.corpus.objects_of(guard).collect();
    let guard = guard[0];
    // A guard without a namespace lands wherever it is applied: it covers any namespace.
    if guards.iter().any(|g| g.namespace.is_none()) {
        return;
    }
    let mut by_ns: BTreeMap<&str, Vec<&K8sObject>> = BTreeMap::new();
    for o in &cx.corpus.objects {
        if o.kind == "PersistentVolumeClaim" || o.workload().is_some() {
            by_ns.entry(namespace(o)).or_default().push(o);
        }
    }
    for (ns, mut objects) in by_ns {
        if guards.iter().any(|g| g.namespace.as_deref() == Some(ns)) {
            continue;
        }
        objects.sort_by(|a, b| {
            (cx.corpus.file(a.file).path.as_str(), a.root.loc)
                .cmp(&(cx.corpus.file(b.file).path.as_str(), b.root.loc))
        });
        let first = objects[0];
        let shown: Vec<String> = objects.iter().take(3).map(|o| o.resource_id()).collect();
        let more = if objects.len() > 3 {
            format!(" and {} more", objects.len() - 3)
        } else {
            String::new()
        };
        let f = out
            .report(
                first.file,
                namespace_loc(first),
                format!(
                    "Namespace `{ns}` runs {}{more} but has no {guard}, so {what}",
                    shown.join(", ")
                ),
            )
            .key(format!("namespace:{ns}"))
            .component(format!("namespace {ns}"))
            .resource(format!("Namespace/{ns}"))
            .infra(InfraType::Kubernetes);
        for (i, o) in objects.iter().enumerate() {
            f.resource(o.resource_id());
            if i < MAX_EVIDENCE {
                f.also_at(o.file, namespace_loc(o));
            }
        }
    }
}
