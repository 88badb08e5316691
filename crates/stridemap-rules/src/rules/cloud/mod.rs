//! Managed Kubernetes in the cloud: EKS, GKE and AKS clusters declared in Terraform (API
//! endpoint exposure, secrets encryption, audit logging, legacy authentication, workload
//! identity, admission enforcement, sandboxed node pools, node identities, network-policy
//! engines), and pods that can reach the instance metadata endpoint.

pub(crate) mod util;

pub mod control_plane_logging;
pub mod legacy_auth;
pub mod metadata_reachable;
pub mod no_admission_enforcement;
pub mod no_network_policy_engine;
pub mod no_sandbox;
pub mod no_secret_store_driver;
pub mod no_workload_identity;
pub mod node_broad_iam;
pub mod public_endpoint;
pub mod secrets_encryption;

pub static RULES: &[&dyn crate::Rule] = &[
    &public_endpoint::PublicApiEndpoint,
    &secrets_encryption::SecretsEncryptionOff,
    &control_plane_logging::ControlPlaneLoggingOff,
    &legacy_auth::LegacyAuth,
    &no_workload_identity::NoWorkloadIdentity,
    &no_admission_enforcement::NoAdmissionEnforcement,
    &no_sandbox::NoSandboxNodePool,
    &node_broad_iam::NodeBroadIam,
    &no_network_policy_engine::NoNetworkPolicyEngine,
    &no_secret_store_driver::NoSecretStoreDriver,
    &metadata_reachable::MetadataReachable,
];
