//! `kubectl aws-token`: EKS IAM exec credentials in milliseconds, cached across
//! kubectl runs, verifiable offline.

fn main() -> std::process::ExitCode {
    honban::plugin::main::<honban::aws_token::AwsTokenArgs>()
}
