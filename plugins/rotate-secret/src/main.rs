//! `kubectl rotate-secret`: rotate a Secret or ConfigMap by creating an
//! immutable, content-hashed version and switching every reference to it.

fn main() -> std::process::ExitCode {
    honban::plugin::main::<honban::rotate::RotateSecretArgs>()
}
