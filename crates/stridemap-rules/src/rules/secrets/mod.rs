//! Secrets: credentials written into manifests, Dockerfiles and images, and how Secrets reach
//! containers.

pub mod command_credential;
pub mod configmap_credential;
pub mod dockerfile_credential;
pub mod env_credential;
pub mod key_material_in_image;
pub mod secret_env_var;
pub mod secret_manifest;
pub mod token_in_manifest;
mod util;

pub static RULES: &[&dyn crate::Rule] = &[
    &configmap_credential::ConfigMapCredential,
    &env_credential::EnvCredential,
    &command_credential::CommandCredential,
    &dockerfile_credential::DockerfileCredential,
    &secret_manifest::SecretManifest,
    &key_material_in_image::KeyMaterialInImage,
    &token_in_manifest::TokenInManifest,
    &secret_env_var::SecretEnvVar,
];
