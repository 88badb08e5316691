//! Dockerfile build hygiene: base images, the runtime user, and what the build downloads.

pub mod add_remote_url;
pub mod chpasswd;
pub mod curl_and_wget;
pub mod curl_pipe_shell;
pub mod lang_package_unpinned;
pub mod missing_user;
pub mod os_package_unpinned;
pub mod package_signature_off;
pub(crate) mod packages;
pub mod sudo;
pub mod unpinned_base;
pub mod user_root;
mod util;

pub static RULES: &[&dyn crate::Rule] = &[
    &unpinned_base::UnpinnedBaseImage,
    &user_root::DockerfileUserRoot,
    &missing_user::DockerfileMissingUser,
    &add_remote_url::AddRemoteUrl,
    &curl_pipe_shell::CurlPipeShell,
    &os_package_unpinned::OsPackageUnpinned,
    &lang_package_unpinned::LangPackageUnpinned,
    &package_signature_off::PackageSignatureOff,
    &sudo::DockerfileSudo,
    &curl_and_wget::CurlAndWget,
    &chpasswd::DockerfileChpasswd,
];
