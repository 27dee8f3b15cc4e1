//! `kubectl audit`: best-practice and health audits of a cluster or of manifests.

fn main() -> std::process::ExitCode {
    honban::plugin::main::<honban::audit::AuditArgs>()
}
