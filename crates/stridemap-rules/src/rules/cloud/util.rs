//! Managed Kubernetes clusters as Terraform declares them, shared by the cloud rules.

use crate::{Finding, Sink};
use stridemap_model::terraform::{TfBlock, TfFile, TfValue};
use stridemap_model::{Corpus, InfraType, Location};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Provider {
    Eks,
    Gke,
    Aks,
}

impl Provider {
    pub fn resource_type(self) -> &'static str {
        match self {
            Provider::Eks => "aws_eks_cluster",
            Provider::Gke => "google_container_cluster",
            Provider::Aks => "azurerm_kubernetes_cluster",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Provider::Eks => "EKS",
            Provider::Gke => "GKE",
            Provider::Aks => "AKS",
        }
    }
}

/// One managed cluster resource.
pub struct Cluster<'a> {
    pub provider: Provider,
    pub file: &'a TfFile,
    pub block: &'a TfBlock,
    /// `aws_eks_cluster.main`.
    pub address: String,
}

impl<'a> Cluster<'a> {
    pub fn describe(&self) -> String {
        format!("{} cluster `{}`", self.provider.label(), self.address)
    }

    /// A finding on the cluster, at `loc` in its file.
    pub fn report<'s>(
        &self,
        out: &'s mut Sink,
        loc: Location,
        description: impl Into<String>,
    ) -> &'s mut Finding {
        out.report(self.file.file, loc, description)
            .resource(self.address.clone())
            .component(self.describe())
            .key(self.address.clone())
            .infra(InfraType::Terraform)
    }

    /// Where an attribute is written, or else where the block starting a nested path is,
    /// or else the resource itself.
    pub fn anchor(&self, path: &[&str], attr: &str) -> Location {
        let mut cur = self.block;
        for p in path {
            match cur.block(p) {
                Some(b) => cur = b,
                None => return cur.loc,
            }
        }
        cur.attr(attr).map_or(cur.loc, |a| a.loc)
    }
}

/// Every managed cluster in the corpus, in file order.
pub fn clusters(corpus: &Corpus) -> Vec<Cluster<'_>> {
    let mut out = Vec::new();
    for file in &corpus.terraform {
        for provider in [Provider::Eks, Provider::Gke, Provider::Aks] {
            for block in file.resources(provider.resource_type()) {
                out.push(Cluster {
                    provider,
                    file,
                    block,
                    address: block.address(),
                });
            }
        }
    }
    out
}

/// Every resource of a type, with its file.
pub fn resources<'a>(corpus: &'a Corpus, kind: &'a str) -> Vec<(&'a TfFile, &'a TfBlock)> {
    corpus
        .terraform
        .iter()
        .flat_map(|f| f.resources(kind).map(move |b| (f, b)))
        .collect()
}

/// Resources of a type whose attribute refers to the cluster (`cluster_name =
/// aws_eks_cluster.main.name`, `cluster = google_container_cluster.main.id`). A literal value
/// equal to the cluster's literal name counts too.
pub fn attached<'a>(
    corpus: &'a Corpus,
    cluster: &Cluster,
    kind: &'a str,
    attr: &str,
) -> Vec<(&'a TfFile, &'a TfBlock)> {
    let name = cluster.block.str("name");
    resources(corpus, kind)
        .into_iter()
        .filter(|(_, b)| {
            b.value(attr).is_some_and(|v| {
                v.refers_to(&cluster.address) || (name.is_some() && v.as_str() == name)
            })
        })
        .collect()
}

/// Whether a list of CIDRs (or its absence) admits the whole internet.
pub fn open_cidrs(v: Option<&TfValue>) -> bool {
    match v {
        None => true,
        Some(v) if !v.is_literal() => false,
        Some(v) => {
            let cidrs = v.strings();
            cidrs.is_empty()
                || cidrs
                    .iter()
                    .any(|c| matches!(c.trim(), "0.0.0.0/0" | "::/0"))
        }
    }
}

/// The node pools of a GKE cluster: its inline `node_pool` blocks, its default pool's
/// `node_config` (unless the default pool is removed), and `google_container_node_pool`
/// resources attached to it. Each with the block holding `node_config` and its file.
pub fn gke_node_pools<'a>(
    corpus: &'a Corpus,
    cluster: &Cluster<'a>,
) -> Vec<(&'a TfFile, &'a TfBlock)> {
    let mut out = Vec::new();
    if cluster.block.bool("remove_default_node_pool") != Some(true) {
        out.push((cluster.file, cluster.block));
    }
    out.extend(
        cluster
            .block
            .blocks_of("node_pool")
            .map(|b| (cluster.file, b)),
    );
    out.extend(attached(
        corpus,
        cluster,
        "google_container_node_pool",
        "cluster",
    ));
    out
}

/// The node pools of an AKS cluster: its `default_node_pool` and attached
/// `azurerm_kubernetes_cluster_node_pool` resources.
pub fn aks_node_pools<'a>(
    corpus: &'a Corpus,
    cluster: &Cluster<'a>,
) -> Vec<(&'a TfFile, &'a TfBlock)> {
    let mut out: Vec<(&TfFile, &TfBlock)> = cluster
        .block
        .blocks_of("default_node_pool")
        .map(|b| (cluster.file, b))
        .collect();
    out.extend(attached(
        corpus,
        cluster,
        "azurerm_kubernetes_cluster_node_pool",
        "kubernetes_cluster_id",
    ));
    out
}

/// The EKS add-on of a name attached to a cluster, if declared.
pub fn eks_addon<'a>(
    corpus: &'a Corpus,
    cluster: &Cluster<'a>,
    name: &str,
) -> Option<(&'a TfFile, &'a TfBlock)> {
    attached(corpus, cluster, "aws_eks_addon", "cluster_name")
        .into_iter()
        .find(|(_, b)| b.str("addon_name") == Some(name))
}

/// A value that may be a JSON document in a string (`configuration_values = <<EOT … EOT`) or
/// the structure `jsonencode` was given: the value of a key at its top level, as a string.
pub fn json_setting(v: &TfValue, key: &str) -> Option<String> {
    match v {
        TfValue::String(s) => {
            let json: serde_json::Value = serde_json::from_str(s).ok()?;
            find_json(&json, key)
        }
        TfValue::Object(_) => find_tf(v, key),
        _ => None,
    }
}

fn find_json(v: &serde_json::Value, key: &str) -> Option<String> {
    match v {
        serde_json::Value::Object(m) => m
            .get(key)
            .map(|x| match x {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .or_else(|| m.values().find_map(|x| find_json(x, key))),
        _ => None,
    }
}

fn find_tf(v: &TfValue, key: &str) -> Option<String> {
    match v {
        TfValue::Object(o) => o
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, x)| match x {
                TfValue::Bool(b) => Some(b.to_string()),
                other => other.as_str().map(str::to_string),
            })
            .or_else(|| o.iter().find_map(|(_, x)| find_tf(x, key))),
        _ => None,
    }
}
