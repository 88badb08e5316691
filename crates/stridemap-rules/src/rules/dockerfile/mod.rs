//! Dockerfile build hygiene: base images, the runtime user, and what the build downloads.

pub mod add_remote_url;
pub mod curl_pipe_shell;
pub mod missing_user;
pub mod unpinned_base;
pub mod user_root;
mod util;

pub static RULES: &[&dyn crate::Rule] = &[
    &unpinned_base::UnpinnedBaseImage,
    &user_root::DockerfileUserRoot,
    &missing_user::DockerfileMissingUser,
    &add_remote_url::AddRemoteUrl,
    &curl_pipe_shell::CurlPipeShell,
];
