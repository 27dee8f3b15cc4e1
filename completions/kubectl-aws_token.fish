# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kubectl_aws_token_global_optspecs
    string join \n cluster-name= cluster-id= region= profile= role-arn= external-id= session-name= forward-session-name duration= sts-endpoint= no-cache completion= h/help V/version
end

function __fish_kubectl_aws_token_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kubectl_aws_token_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kubectl_aws_token_using_subcommand
    set -l cmd (__fish_kubectl_aws_token_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_needs_command" -l cluster-name -d 'The EKS cluster\'s name (sent as x-k8s-aws-id)' -r
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_needs_command" -l cluster-id -d 'The cluster id, for EKS local clusters on Outposts' -r
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_needs_command" -l region -d 'AWS region [default: AWS_REGION, the profile\'s region, the server URL\'s, us-east-1]' -r
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_needs_command" -l profile -d 'AWS profile to take credentials from (outranks AWS_ACCESS_KEY_ID)' -r
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_needs_command" -l role-arn -d 'Assume this IAM role and sign with its credentials' -r
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_needs_command" -l external-id -d 'External id for the role' -r
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_needs_command" -l session-name -d 'Role session name [default: honban-aws-token]' -r
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_needs_command" -l duration -d 'Role session duration, e.g. 1h (15m to 12h)' -r
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_needs_command" -l sts-endpoint -d 'STS endpoint to sign for (and to call), e.g. https://sts.us-east-1.amazonaws.com' -r
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_needs_command" -l completion -d 'Print a completion script for bash, zsh or fish' -r -f -a "bash\t''
zsh\t''
fish\t''"
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_needs_command" -l forward-session-name -d 'Reuse the caller\'s own role session name for the assumed role'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_needs_command" -l no-cache -d 'Neither read nor write the cache'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_needs_command" -s h -l help -d 'Print help'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_needs_command" -s V -l version -d 'Print version'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_needs_command" -f -a "cache" -d 'List or clear cached tokens and role credentials'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_needs_command" -f -a "setup" -d 'Add or update a kubeconfig cluster, user and context for an EKS cluster'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_needs_command" -f -a "migrate" -d 'Rewrite `aws eks get-token` and `aws-iam-authenticator token` users to aws-token'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_needs_command" -f -a "verify" -d 'Check a token against EKS\'s rules and print what it claims'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand cache; and not __fish_seen_subcommand_from list clear help" -s h -l help -d 'Print help'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand cache; and not __fish_seen_subcommand_from list clear help" -f -a "list" -d 'List entries with their cluster, identity, expiry and status'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand cache; and not __fish_seen_subcommand_from list clear help" -f -a "clear" -d 'Remove every entry'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand cache; and not __fish_seen_subcommand_from list clear help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand cache; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand cache; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand cache; and __fish_seen_subcommand_from clear" -s h -l help -d 'Print help'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand cache; and __fish_seen_subcommand_from help" -f -a "list" -d 'List entries with their cluster, identity, expiry and status'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand cache; and __fish_seen_subcommand_from help" -f -a "clear" -d 'Remove every entry'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand cache; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand setup" -l cluster-name -d 'The EKS cluster\'s name' -r
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand setup" -l cluster-id -d 'Cluster id (EKS local clusters on Outposts), sent instead of the name' -r
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand setup" -l server -d 'The API server URL (https://…eks.amazonaws.com) [default: from EKS DescribeCluster]' -r
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand setup" -l ca-file -d 'The cluster CA certificate (PEM file)' -r -F
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand setup" -l ca-data -d 'The cluster CA certificate, base64 PEM (as `aws eks describe-cluster` gives it)' -r
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand setup" -l region -d 'AWS region, repeatable with --all [default: from the server URL; without --server: AWS_REGION, the profile\'s, us-east-1]' -r
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand setup" -l role-arn -d 'IAM role the token is signed with' -r
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand setup" -l profile -d 'AWS profile (set as AWS_PROFILE for the plugin), repeatable with --all' -r
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand setup" -l alias -d 'Name for the cluster, user and context [default: the cluster name]' -r
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand setup" -l name-template -d 'With --all: names from {profile}, {region}, {account}, {cluster} [default: {cluster}, with {profile}- and -{region} when several]' -r
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand setup" -s o -l output -d 'With --all: output format of the summary' -r -f -a "table\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand setup" -l kubeconfig -d 'Path to the kubeconfig file to change' -r -F
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand setup" -l all -d 'Set up every cluster ListClusters finds in the regions (--region) and profiles (--profile)'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand setup" -l all-regions -d 'With --all: every region enabled for each profile\'s account (EC2 DescribeRegions)'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand setup" -l prune -d 'With --all: remove the entries an earlier --all wrote, in these profiles and regions, for clusters that are gone'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand setup" -l set-current -d 'Switch current-context to it'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand setup" -l dry-run -d 'Show the diff without writing'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand setup" -s h -l help -d 'Print help'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand migrate" -l kubeconfig -d 'Path to the kubeconfig file to change' -r -F
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand migrate" -l dry-run -d 'Show the diff without writing'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand migrate" -s h -l help -d 'Print help'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand verify" -l cluster-name -d 'The cluster the token must be for' -r
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand verify" -l cluster-id -d 'Cluster id (EKS local clusters on Outposts)' -r
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand verify" -l region -d 'The cluster\'s region: the token must come from its partition' -r
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand verify" -l profile -d 'Profile whose credentials re-sign the token [default: env credentials]' -r
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand verify" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand verify" -s h -l help -d 'Print help'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand help; and not __fish_seen_subcommand_from cache setup migrate verify help" -f -a "cache" -d 'List or clear cached tokens and role credentials'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand help; and not __fish_seen_subcommand_from cache setup migrate verify help" -f -a "setup" -d 'Add or update a kubeconfig cluster, user and context for an EKS cluster'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand help; and not __fish_seen_subcommand_from cache setup migrate verify help" -f -a "migrate" -d 'Rewrite `aws eks get-token` and `aws-iam-authenticator token` users to aws-token'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand help; and not __fish_seen_subcommand_from cache setup migrate verify help" -f -a "verify" -d 'Check a token against EKS\'s rules and print what it claims'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand help; and not __fish_seen_subcommand_from cache setup migrate verify help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand help; and __fish_seen_subcommand_from cache" -f -a "list" -d 'List entries with their cluster, identity, expiry and status'
complete -c kubectl-aws_token -n "__fish_kubectl_aws_token_using_subcommand help; and __fish_seen_subcommand_from cache" -f -a "clear" -d 'Remove every entry'
