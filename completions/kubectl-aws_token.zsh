#compdef kubectl-aws_token

autoload -U is-at-least

_kubectl-aws_token() {
    typeset -A opt_args
    typeset -a _arguments_options
    local ret=1

    if is-at-least 5.2; then
        _arguments_options=(-s -S -C)
    else
        _arguments_options=(-s -C)
    fi

    local context curcontext="$curcontext" state line
    _arguments "${_arguments_options[@]}" : \
'--cluster-name=[The EKS cluster'\''s name (sent as x-k8s-aws-id)]:NAME:_default' \
'(--cluster-name)--cluster-id=[The cluster id, for EKS local clusters on Outposts]:ID:_default' \
'--region=[AWS region \[default\: AWS_REGION, the profile'\''s region, the server URL'\''s, us-east-1\]]:REGION:_default' \
'--profile=[AWS profile to take credentials from (outranks AWS_ACCESS_KEY_ID)]:NAME:_default' \
'--role-arn=[Assume this IAM role and sign with its credentials]:ARN:_default' \
'--external-id=[External id for the role]:ID:_default' \
'(--forward-session-name)--session-name=[Role session name \[default\: honban-aws-token\]]:NAME:_default' \
'--duration=[Role session duration, e.g. 1h (15m to 12h)]:DURATION:_default' \
'--sts-endpoint=[STS endpoint to sign for (and to call), e.g. https\://sts.us-east-1.amazonaws.com]:URL:_default' \
'--completion=[Print a completion script for bash, zsh or fish]:SHELL:(bash zsh fish)' \
'--forward-session-name[Reuse the caller'\''s own role session name for the assumed role]' \
'--no-cache[Neither read nor write the cache]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_kubectl-aws_token_commands" \
"*::: :->kubectl aws-token" \
&& ret=0
    case $state in
    (kubectl aws-token)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:kubectl-aws_token-command-$line[1]:"
        case $line[1] in
            (cache)
_arguments "${_arguments_options[@]}" : \
'-h[Print help]' \
'--help[Print help]' \
":: :_kubectl-aws_token__subcmd__cache_commands" \
"*::: :->cache" \
&& ret=0

    case $state in
    (cache)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:kubectl-aws_token-cache-command-$line[1]:"
        case $line[1] in
            (list)
_arguments "${_arguments_options[@]}" : \
'-o+[Output format]:OUTPUT:(table json yaml name)' \
'--output=[Output format]:OUTPUT:(table json yaml name)' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(clear)
_arguments "${_arguments_options[@]}" : \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_kubectl-aws_token__subcmd__cache__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:kubectl-aws_token-cache-help-command-$line[1]:"
        case $line[1] in
            (list)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(clear)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(setup)
_arguments "${_arguments_options[@]}" : \
'--cluster-name=[The EKS cluster'\''s name]:NAME:_default' \
'--cluster-id=[Cluster id (EKS local clusters on Outposts), sent instead of the name]:ID:_default' \
'--server=[The API server URL (https\://…eks.amazonaws.com) \[default\: from EKS DescribeCluster\]]:URL:_default' \
'(--ca-data)--ca-file=[The cluster CA certificate (PEM file)]:FILE:_files' \
'--ca-data=[The cluster CA certificate, base64 PEM (as \`aws eks describe-cluster\` gives it)]:BASE64:_default' \
'*--region=[AWS region, repeatable with --all \[default\: from the server URL; without --server\: AWS_REGION, the profile'\''s, us-east-1\]]:REGION:_default' \
'--role-arn=[IAM role the token is signed with]:ARN:_default' \
'*--profile=[AWS profile (set as AWS_PROFILE for the plugin), repeatable with --all]:NAME:_default' \
'--alias=[Name for the cluster, user and context \[default\: the cluster name\]]:NAME:_default' \
'--name-template=[With --all\: names from {profile}, {region}, {account}, {cluster} \[default\: {cluster}, with {profile}- and -{region} when several\]]:TEMPLATE:_default' \
'-o+[With --all\: output format of the summary]:OUTPUT:(table json yaml name)' \
'--output=[With --all\: output format of the summary]:OUTPUT:(table json yaml name)' \
'--kubeconfig=[Path to the kubeconfig file to change]:FILE:_files' \
'(--cluster-name --cluster-id --server --alias --set-current)--all[Set up every cluster ListClusters finds in the regions (--region) and profiles (--profile)]' \
'(--region)--all-regions[With --all\: every region enabled for each profile'\''s account (EC2 DescribeRegions)]' \
'--prune[With --all\: remove the entries an earlier --all wrote, in these profiles and regions, for clusters that are gone]' \
'--set-current[Switch current-context to it]' \
'--dry-run[Show the diff without writing]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(migrate)
_arguments "${_arguments_options[@]}" : \
'--kubeconfig=[Path to the kubeconfig file to change]:FILE:_files' \
'--dry-run[Show the diff without writing]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(verify)
_arguments "${_arguments_options[@]}" : \
'--cluster-name=[The cluster the token must be for]:NAME:_default' \
'(--cluster-name)--cluster-id=[Cluster id (EKS local clusters on Outposts)]:ID:_default' \
'--region=[The cluster'\''s region\: the token must come from its partition]:REGION:_default' \
'--profile=[Profile whose credentials re-sign the token \[default\: env credentials\]]:NAME:_default' \
'-o+[Output format]:OUTPUT:(table json yaml name)' \
'--output=[Output format]:OUTPUT:(table json yaml name)' \
'-h[Print help]' \
'--help[Print help]' \
'::token -- The token, an ExecCredential, or `-` for stdin \[default\: stdin\]:_default' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_kubectl-aws_token__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:kubectl-aws_token-help-command-$line[1]:"
        case $line[1] in
            (cache)
_arguments "${_arguments_options[@]}" : \
":: :_kubectl-aws_token__subcmd__help__subcmd__cache_commands" \
"*::: :->cache" \
&& ret=0

    case $state in
    (cache)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:kubectl-aws_token-help-cache-command-$line[1]:"
        case $line[1] in
            (list)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(clear)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(setup)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(migrate)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(verify)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
}

(( $+functions[_kubectl-aws_token_commands] )) ||
_kubectl-aws_token_commands() {
    local commands; commands=(
'cache:List or clear cached tokens and role credentials' \
'setup:Add or update a kubeconfig cluster, user and context for an EKS cluster' \
'migrate:Rewrite \`aws eks get-token\` and \`aws-iam-authenticator token\` users to aws-token' \
'verify:Check a token against EKS'\''s rules and print what it claims' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'kubectl-aws_token commands' commands "$@"
}
(( $+functions[_kubectl-aws_token__subcmd__cache_commands] )) ||
_kubectl-aws_token__subcmd__cache_commands() {
    local commands; commands=(
'list:List entries with their cluster, identity, expiry and status' \
'clear:Remove every entry' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'kubectl-aws_token cache commands' commands "$@"
}
(( $+functions[_kubectl-aws_token__subcmd__cache__subcmd__clear_commands] )) ||
_kubectl-aws_token__subcmd__cache__subcmd__clear_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-aws_token cache clear commands' commands "$@"
}
(( $+functions[_kubectl-aws_token__subcmd__cache__subcmd__help_commands] )) ||
_kubectl-aws_token__subcmd__cache__subcmd__help_commands() {
    local commands; commands=(
'list:List entries with their cluster, identity, expiry and status' \
'clear:Remove every entry' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'kubectl-aws_token cache help commands' commands "$@"
}
(( $+functions[_kubectl-aws_token__subcmd__cache__subcmd__help__subcmd__clear_commands] )) ||
_kubectl-aws_token__subcmd__cache__subcmd__help__subcmd__clear_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-aws_token cache help clear commands' commands "$@"
}
(( $+functions[_kubectl-aws_token__subcmd__cache__subcmd__help__subcmd__help_commands] )) ||
_kubectl-aws_token__subcmd__cache__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-aws_token cache help help commands' commands "$@"
}
(( $+functions[_kubectl-aws_token__subcmd__cache__subcmd__help__subcmd__list_commands] )) ||
_kubectl-aws_token__subcmd__cache__subcmd__help__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-aws_token cache help list commands' commands "$@"
}
(( $+functions[_kubectl-aws_token__subcmd__cache__subcmd__list_commands] )) ||
_kubectl-aws_token__subcmd__cache__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-aws_token cache list commands' commands "$@"
}
(( $+functions[_kubectl-aws_token__subcmd__help_commands] )) ||
_kubectl-aws_token__subcmd__help_commands() {
    local commands; commands=(
'cache:List or clear cached tokens and role credentials' \
'setup:Add or update a kubeconfig cluster, user and context for an EKS cluster' \
'migrate:Rewrite \`aws eks get-token\` and \`aws-iam-authenticator token\` users to aws-token' \
'verify:Check a token against EKS'\''s rules and print what it claims' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'kubectl-aws_token help commands' commands "$@"
}
(( $+functions[_kubectl-aws_token__subcmd__help__subcmd__cache_commands] )) ||
_kubectl-aws_token__subcmd__help__subcmd__cache_commands() {
    local commands; commands=(
'list:List entries with their cluster, identity, expiry and status' \
'clear:Remove every entry' \
    )
    _describe -t commands 'kubectl-aws_token help cache commands' commands "$@"
}
(( $+functions[_kubectl-aws_token__subcmd__help__subcmd__cache__subcmd__clear_commands] )) ||
_kubectl-aws_token__subcmd__help__subcmd__cache__subcmd__clear_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-aws_token help cache clear commands' commands "$@"
}
(( $+functions[_kubectl-aws_token__subcmd__help__subcmd__cache__subcmd__list_commands] )) ||
_kubectl-aws_token__subcmd__help__subcmd__cache__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-aws_token help cache list commands' commands "$@"
}
(( $+functions[_kubectl-aws_token__subcmd__help__subcmd__help_commands] )) ||
_kubectl-aws_token__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-aws_token help help commands' commands "$@"
}
(( $+functions[_kubectl-aws_token__subcmd__help__subcmd__migrate_commands] )) ||
_kubectl-aws_token__subcmd__help__subcmd__migrate_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-aws_token help migrate commands' commands "$@"
}
(( $+functions[_kubectl-aws_token__subcmd__help__subcmd__setup_commands] )) ||
_kubectl-aws_token__subcmd__help__subcmd__setup_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-aws_token help setup commands' commands "$@"
}
(( $+functions[_kubectl-aws_token__subcmd__help__subcmd__verify_commands] )) ||
_kubectl-aws_token__subcmd__help__subcmd__verify_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-aws_token help verify commands' commands "$@"
}
(( $+functions[_kubectl-aws_token__subcmd__migrate_commands] )) ||
_kubectl-aws_token__subcmd__migrate_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-aws_token migrate commands' commands "$@"
}
(( $+functions[_kubectl-aws_token__subcmd__setup_commands] )) ||
_kubectl-aws_token__subcmd__setup_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-aws_token setup commands' commands "$@"
}
(( $+functions[_kubectl-aws_token__subcmd__verify_commands] )) ||
_kubectl-aws_token__subcmd__verify_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-aws_token verify commands' commands "$@"
}

if [ "$funcstack[1]" = "_kubectl-aws_token" ]; then
    _kubectl-aws_token "$@"
else
    compdef _kubectl-aws_token kubectl-aws_token
fi
