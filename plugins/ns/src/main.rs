//! `kubectl ns`: list namespaces and switch the current context's namespace.

fn main() -> std::process::ExitCode {
    honban::plugin::main::<honban::switch::ns::NsArgs>()
}
