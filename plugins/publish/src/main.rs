//! `kubectl publish`: put a workload on the internet on AWS in one command:
//! a Service, an ALB Ingress with safe defaults, a pinned ACM certificate and
//! the external-dns hostname.

fn main() -> std::process::ExitCode {
    honban::plugin::main::<honban::publish::PublishArgs>()
}
