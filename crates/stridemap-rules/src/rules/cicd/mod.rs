//! CI/CD pipelines and the supply chain of deployed images: GitHub Actions and GitLab CI
//! definitions (pinning, privileged triggers, script injection, secret handling, runners,
//! image publishing and signing) and the cluster side (admission policies, pull policy).

pub mod shell;
pub mod util;

pub mod hardcoded_secret;
pub mod mutable_ci_image;
pub mod mutable_image_push;
pub mod no_admission_policy;
pub mod no_image_signing;
pub mod pr_target_checkout;
pub mod pull_policy;
pub mod script_injection;
pub mod secret_exposed;
pub mod self_hosted_public;
pub mod unpinned_action;

pub static RULES: &[&dyn crate::Rule] = &[
    &unpinned_action::UnpinnedAction,
    &pr_target_checkout::PrTargetCheckout,
    &script_injection::ScriptInjection,
    &secret_exposed::SecretExposed,
    &hardcoded_secret::HardcodedPipelineSecret,
    &self_hosted_public::SelfHostedPublic,
    &mutable_ci_image::MutableCiImage,
    &mutable_image_push::MutableImagePush,
    &no_image_signing::NoImageSigning,
    &no_admission_policy::NoAdmissionPolicy,
    &pull_policy::PullPolicyNotAlways,
];
