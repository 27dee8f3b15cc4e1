//! `kubectl ctx`: list, switch, rename and delete kubeconfig contexts.

fn main() -> std::process::ExitCode {
    honban::plugin::main::<honban::switch::ctx::CtxArgs>()
}
