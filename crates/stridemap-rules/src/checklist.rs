//! The security checklist answered from a scan: an item fails when a rule that names it in
//! its metadata reported a threat in the item's scope, passes when those rules ran over
//! resources of that scope and found nothing, and is unknown otherwise (with the reason).

use crate::rules::controlplane::util::{invocation, Component};
use crate::{registry, Rule};
use std::collections::{BTreeMap, BTreeSet};
use stridemap_model::architecture::ArchitectureGraph;
use stridemap_model::checklist::{
    count, Checklist, ChecklistEntry, Item, NamespaceChecklist, NamespaceEntry, Scope, Status,
    ITEMS,
};
use stridemap_model::{Corpus, Threat};

/// Which kinds of resources the scan saw, deciding whether an item applies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Presence {
    pub workloads: bool,
    pub control_plane: bool,
    pub eks: bool,
    pub gke: bool,
    pub aks: bool,
}

impl Presence {
    pub fn of(corpus: &Corpus) -> Self {
        let has_tf = |kind: &str| {
            corpus
                .terraform
                .iter()
                .any(|f| f.resources(kind).next().is_some())
        };
        let (eks, gke, aks) = (
            has_tf("aws_eks_cluster"),
            has_tf("google_container_cluster"),
            has_tf("azurerm_kubernetes_cluster"),
        );
        let api_server = corpus.objects.iter().any(|o| {
            o.workload().is_some_and(|w| {
                w.containers()
                    .into_iter()
                    .any(|c| invocation(c).is_some_and(|i| i.component == Component::ApiServer))
            })
        });
        Presence {
            workloads: corpus.objects.iter().any(|o| o.workload().is_some())
                || !corpus.compose.is_empty(),
            control_plane: api_server || eks || gke || aks,
            eks,
            gke,
            aks,
        }
    }

    pub fn has(&self, scope: Scope) -> bool {
        match scope {
            Scope::Workloads => self.workloads,
            Scope::ControlPlane => self.control_plane,
            Scope::Eks => self.eks,
            Scope::Gke => self.gke,
            Scope::Aks => self.aks,
        }
    }
}

/// The rules that name an item in their metadata, in registry order.
pub fn rules_for(item: &str) -> Vec<&'static dyn Rule> {
    registry()
        .iter()
        .copied()
        .filter(|r| r.meta().checklist.contains(&item))
        .collect()
}

/// The namespaces a threat concerns: those of the architecture nodes it names, and
/// `Namespace/<name>` resources.
fn threat_namespaces<'a>(arch: &'a ArchitectureGraph, t: &'a Threat) -> BTreeSet<&'a str> {
    let mut out: BTreeSet<&str> = t
        .elements
        .iter()
        .filter_map(|e| arch.node(e))
        .filter_map(|n| n.namespace.as_deref())
        .collect();
    out.extend(
        t.affected_resources
            .iter()
            .filter_map(|r| r.strip_prefix("Namespace/")),
    );
    out
}

/// Answers every item of the checklist. `ran` says whether a rule took part in the scan.
pub fn evaluate(
    corpus: &Corpus,
    arch: &ArchitectureGraph,
    threats: &[Threat],
    ran: &dyn Fn(&str) -> bool,
) -> Checklist {
    let presence = Presence::of(corpus);
    let mut by_rule: BTreeMap<&str, Vec<&Threat>> = BTreeMap::new();
    for t in threats {
        by_rule.entry(t.rule).or_default().push(t);
    }
    let mut items = Vec::new();
    // Per namespace: item id → failing threat ids.
    let mut namespaces: BTreeSet<&str> = arch
        .nodes()
        .filter(|n| n.kinds.iter().any(|k| k != "compose" && k != "source"))
        .filter_map(|n| n.namespace.as_deref())
        .collect();
    let mut failing_in: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
    for item in ITEMS {
        let rules = rules_for(item.id);
        let rule_ids: Vec<String> = rules.iter().map(|r| r.meta().id.to_string()).collect();
        let failing: Vec<&Threat> = rules
            .iter()
            .flat_map(|r| by_rule.get(r.meta().id).into_iter().flatten().copied())
            .filter(|t| item.scope.concerns(&t.affected_resources))
            .collect();
        if item.scope == Scope::Workloads {
            for t in &failing {
                for ns in threat_namespaces(arch, t) {
                    namespaces.insert(ns);
                    failing_in
                        .entry((item.id, ns))
                        .or_default()
                        .push(t.id.clone());
                }
            }
        }
        let mut threat_ids: Vec<String> = failing.iter().map(|t| t.id.clone()).collect();
        threat_ids.sort();
        threat_ids.dedup();
        let (status, reason) = verdict(item, &rules, &threat_ids, presence, ran);
        items.push(ChecklistEntry {
            id: item.id.to_string(),
            section: item.section,
            title: item.title.to_string(),
            status,
            threats: threat_ids,
            rules: rule_ids,
            reason,
        });
    }
    let namespaces = namespaces
        .into_iter()
        .map(|ns| {
            let entries: Vec<NamespaceEntry> = ITEMS
                .iter()
                .zip(&items)
                .filter(|(item, _)| item.scope == Scope::Workloads)
                .map(|(item, system)| {
                    let mut threats = failing_in.get(&(item.id, ns)).cloned().unwrap_or_default();
                    threats.sort();
                    threats.dedup();
                    let status = if !threats.is_empty() {
                        Status::Fail
                    } else if system.status == Status::Unknown {
                        Status::Unknown
                    } else {
                        Status::Pass
                    };
                    NamespaceEntry {
                        id: item.id.to_string(),
                        status,
                        threats,
                    }
                })
                .collect();
            NamespaceChecklist {
                namespace: ns.to_string(),
                summary: count(entries.iter().map(|e| &e.status)),
                items: entries,
            }
        })
        .collect();
    Checklist {
        summary: count(items.iter().map(|i| &i.status)),
        items,
        namespaces,
    }
}

fn verdict(
    item: &Item,
    rules: &[&'static dyn Rule],
    threats: &[String],
    presence: Presence,
    ran: &dyn Fn(&str) -> bool,
) -> (Status, Option<String>) {
    if !threats.is_empty() {
        return (Status::Fail, None);
    }
    if !presence.has(item.scope) {
        return (
            Status::Unknown,
            Some(format!(
                "does not apply as far as the scan can tell: {}",
                item.scope.absent()
            )),
        );
    }
    if rules.is_empty() {
        let why = item.limit.unwrap_or("no rule checks this item statically");
        return (Status::Unknown, Some(why.to_string()));
    }
    let run: Vec<&str> = rules
        .iter()
        .map(|r| r.meta().id)
        .filter(|id| ran(id))
        .collect();
    if run.is_empty() {
        return (
            Status::Unknown,
            Some("none of the rules that check this item was selected for the scan".into()),
        );
    }
    let mut reason = if run.len() == rules.len() {
        format!("{} rule(s) checked it and found nothing", run.len())
    } else {
        format!(
            "{} of its {} rules ran and found nothing (the others were not selected)",
            run.len(),
            rules.len()
        )
    };
    if let Some(limit) = item.limit {
        reason.push_str("; ");
        reason.push_str(limit);
    }
    (Status::Pass, Some(reason))
}

#[cfg(test)]
mod tests {
    use super::*;
    use stridemap_model::checklist::find;

    #[test]
    fn every_rule_names_existing_items() {
        for r in registry() {
            for id in r.meta().checklist {
                assert!(
                    find(id).is_some(),
                    "{} names unknown checklist item {id}",
                    r.meta().id
                );
            }
        }
    }

    #[test]
    fn items_without_rules_say_why() {
        for item in ITEMS {
            if rules_for(item.id).is_empty() {
                assert!(
                    item.limit.is_some(),
                    "{} has no rule and no stated limit",
                    item.id
                );
            }
        }
    }

    #[test]
    fn verdicts() {
        let item = find("pod.no-privileged").unwrap();
        let rules = rules_for(item.id);
        let all = Presence {
            workloads: true,
            ..Presence::default()
        };
        let yes = |_: &str| true;
        let no = |_: &str| false;
        assert_eq!(
            verdict(item, &rules, &["THREAT-1".into()], all, &yes).0,
            Status::Fail
        );
        assert_eq!(verdict(item, &rules, &[], all, &yes).0, Status::Pass);
        assert_eq!(verdict(item, &rules, &[], all, &no).0, Status::Unknown);
        assert_eq!(
            verdict(item, &rules, &[], Presence::default(), &yes).0,
            Status::Unknown
        );
        let rotated = find("secrets.rotated").unwrap();
        let (s, why) = verdict(rotated, &rules_for(rotated.id), &[], all, &yes);
        assert_eq!(s, Status::Unknown);
        assert!(why.unwrap().contains("rotation"));
    }
}
