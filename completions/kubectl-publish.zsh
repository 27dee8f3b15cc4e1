#compdef kubectl-publish

autoload -U is-at-least

_kubectl-publish() {
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
'*--host=[Host name to serve (repeatable, or comma-separated)]:HOST:_default' \
'--name=[Name of the Service and Ingress (default\: the workload'\''s name)]:NAME:_default' \
'--port=[The port to route to, by number or name, when there are several]:PORT:_default' \
'--class=[IngressClass (default\: the ALB controller'\''s class, \`alb\` first)]:CLASS:_default' \
'--group=[Share one ALB with the other Ingresses of this group]:NAME:_default' \
'--waf-acl=[Attach this regional WAFv2 web ACL]:ARN:_default' \
'*--tags=[AWS tags for the ALB, KEY=VALUE (repeatable, or comma-separated)]:KEY=VALUE:_default' \
'(--create-cert)*--cert-arn=[Use this ACM certificate instead of choosing one (repeatable)]:ARN:_default' \
'--dry-run=[Change nothing\: client (print what would be applied) or server (the API checks it)]::MODE:(none client server)' \
'--api=[Route with an Ingress (default) or a Gateway API HTTPRoute on the ALB controller'\''s Gateway]:API:(ingress gateway)' \
'--gateway=[With --api gateway\: the Gateway to attach to (default\: the ALB Gateway in the namespace, or the only one)]:NAME[/NAMESPACE]:_default' \
'--completion=[Print a completion script for bash, zsh or fish]:SHELL:(bash zsh fish)' \
'--profile=[AWS profile for the ACM, Route 53, ELBv2 and EC2 calls]:NAME:_default' \
'--region=[AWS region (default\: AWS_REGION, the profile'\''s, the EKS server URL'\''s, us-east-1)]:REGION:_default' \
'--kubeconfig=[Path to the kubeconfig file to use]:FILE:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace to act in]:NAMESPACE:_default' \
'--namespace=[The namespace to act in]:NAMESPACE:_default' \
'--request-timeout=[Time to wait for one API request, e.g. 5s, 1m (0 = no limit)]:DURATION:_default' \
'-o+[Output format]:OUTPUT:(table json yaml name)' \
'--output=[Output format]:OUTPUT:(table json yaml name)' \
'--color=[Colour\: auto (terminal and no NO_COLOR), always or never]:COLOR:(auto always never)' \
'--as=[User to impersonate for the operation (a user, or system\:serviceaccount\:NS\:NAME)]:USER:_default' \
'*--as-group=[Group to impersonate (repeatable; needs --as)]:GROUP:_default' \
'--as-uid=[UID to impersonate (needs --as)]:UID:_default' \
'--cluster=[The kubeconfig cluster entry to use, instead of the context'\''s]:NAME:_default' \
'--user=[The kubeconfig user entry to use, instead of the context'\''s]:NAME:_default' \
'-s+[The API server'\''s address, instead of the cluster'\''s]:URL:_default' \
'--server=[The API server'\''s address, instead of the cluster'\''s]:URL:_default' \
'--token=[Bearer token for the API server, instead of the user'\''s credentials]:TOKEN:_default' \
'--certificate-authority=[CA certificate file to verify the API server with]:FILE:_files' \
'--insecure-skip-tls-verify=[Do not verify the API server'\''s certificate (insecure)]::BOOL:(true false)' \
'--tls-server-name=[Name to check the API server'\''s certificate against, instead of the server'\''s host]:NAME:_default' \
'--internal[An internal ALB instead of an internet-facing one]' \
'--create-cert[Have the ALB controller request the certificate (controller v3.3.0+)]' \
'--namespace-readiness-gate[Label the namespace so pods get ALB readiness gates]' \
'(--dry-run)--diff[Show the change against the live objects, and apply nothing]' \
'--force-conflicts[Take over fields another field manager owns]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
'::target -- What to publish\: deploy/NAME, statefulset/NAME or svc/NAME:_default' \
":: :_kubectl-publish_commands" \
"*::: :->kubectl publish" \
&& ret=0
    case $state in
    (kubectl publish)
        words=($line[2] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:kubectl-publish-command-$line[2]:"
        case $line[2] in
            (status)
_arguments "${_arguments_options[@]}" : \
'--timeout=[Time allowed for the DNS lookup and for the HTTPS request, each]:DURATION:_default' \
'--profile=[AWS profile for the ACM, Route 53, ELBv2 and EC2 calls]:NAME:_default' \
'--region=[AWS region (default\: AWS_REGION, the profile'\''s, the EKS server URL'\''s, us-east-1)]:REGION:_default' \
'--kubeconfig=[Path to the kubeconfig file to use]:FILE:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace to act in]:NAMESPACE:_default' \
'--namespace=[The namespace to act in]:NAMESPACE:_default' \
'--request-timeout=[Time to wait for one API request, e.g. 5s, 1m (0 = no limit)]:DURATION:_default' \
'-o+[Output format]:OUTPUT:(table json yaml name)' \
'--output=[Output format]:OUTPUT:(table json yaml name)' \
'--color=[Colour\: auto (terminal and no NO_COLOR), always or never]:COLOR:(auto always never)' \
'--as=[User to impersonate for the operation (a user, or system\:serviceaccount\:NS\:NAME)]:USER:_default' \
'*--as-group=[Group to impersonate (repeatable; needs --as)]:GROUP:_default' \
'--as-uid=[UID to impersonate (needs --as)]:UID:_default' \
'--cluster=[The kubeconfig cluster entry to use, instead of the context'\''s]:NAME:_default' \
'--user=[The kubeconfig user entry to use, instead of the context'\''s]:NAME:_default' \
'-s+[The API server'\''s address, instead of the cluster'\''s]:URL:_default' \
'--server=[The API server'\''s address, instead of the cluster'\''s]:URL:_default' \
'--token=[Bearer token for the API server, instead of the user'\''s credentials]:TOKEN:_default' \
'--certificate-authority=[CA certificate file to verify the API server with]:FILE:_files' \
'--insecure-skip-tls-verify=[Do not verify the API server'\''s certificate (insecure)]::BOOL:(true false)' \
'--tls-server-name=[Name to check the API server'\''s certificate against, instead of the server'\''s host]:NAME:_default' \
'-h[Print help]' \
'--help[Print help]' \
':name -- The publication (Ingress or HTTPRoute) name:_default' \
&& ret=0
;;
(doctor)
_arguments "${_arguments_options[@]}" : \
'*--host=[Also check the hosted zone and certificate for this host (repeatable)]:HOST:_default' \
'--class=[The IngressClass to check]:CLASS:_default' \
'--vpc-id=[The cluster'\''s VPC (default\: the ALB controller'\''s --aws-vpc-id, or a node'\''s instance)]:VPC_ID:_default' \
'--api=[With gateway, the Gateway API checks must pass (otherwise they only inform)]:API:(ingress gateway)' \
'--profile=[AWS profile for the ACM, Route 53, ELBv2 and EC2 calls]:NAME:_default' \
'--region=[AWS region (default\: AWS_REGION, the profile'\''s, the EKS server URL'\''s, us-east-1)]:REGION:_default' \
'--kubeconfig=[Path to the kubeconfig file to use]:FILE:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace to act in]:NAMESPACE:_default' \
'--namespace=[The namespace to act in]:NAMESPACE:_default' \
'--request-timeout=[Time to wait for one API request, e.g. 5s, 1m (0 = no limit)]:DURATION:_default' \
'-o+[Output format]:OUTPUT:(table json yaml name)' \
'--output=[Output format]:OUTPUT:(table json yaml name)' \
'--color=[Colour\: auto (terminal and no NO_COLOR), always or never]:COLOR:(auto always never)' \
'--as=[User to impersonate for the operation (a user, or system\:serviceaccount\:NS\:NAME)]:USER:_default' \
'*--as-group=[Group to impersonate (repeatable; needs --as)]:GROUP:_default' \
'--as-uid=[UID to impersonate (needs --as)]:UID:_default' \
'--cluster=[The kubeconfig cluster entry to use, instead of the context'\''s]:NAME:_default' \
'--user=[The kubeconfig user entry to use, instead of the context'\''s]:NAME:_default' \
'-s+[The API server'\''s address, instead of the cluster'\''s]:URL:_default' \
'--server=[The API server'\''s address, instead of the cluster'\''s]:URL:_default' \
'--token=[Bearer token for the API server, instead of the user'\''s credentials]:TOKEN:_default' \
'--certificate-authority=[CA certificate file to verify the API server with]:FILE:_files' \
'--insecure-skip-tls-verify=[Do not verify the API server'\''s certificate (insecure)]::BOOL:(true false)' \
'--tls-server-name=[Name to check the API server'\''s certificate against, instead of the server'\''s host]:NAME:_default' \
'--internal[Check for an internal ALB (private subnets) instead]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(unpublish)
_arguments "${_arguments_options[@]}" : \
'--profile=[AWS profile for the ACM, Route 53, ELBv2 and EC2 calls]:NAME:_default' \
'--region=[AWS region (default\: AWS_REGION, the profile'\''s, the EKS server URL'\''s, us-east-1)]:REGION:_default' \
'--kubeconfig=[Path to the kubeconfig file to use]:FILE:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace to act in]:NAMESPACE:_default' \
'--namespace=[The namespace to act in]:NAMESPACE:_default' \
'--request-timeout=[Time to wait for one API request, e.g. 5s, 1m (0 = no limit)]:DURATION:_default' \
'-o+[Output format]:OUTPUT:(table json yaml name)' \
'--output=[Output format]:OUTPUT:(table json yaml name)' \
'--color=[Colour\: auto (terminal and no NO_COLOR), always or never]:COLOR:(auto always never)' \
'--as=[User to impersonate for the operation (a user, or system\:serviceaccount\:NS\:NAME)]:USER:_default' \
'*--as-group=[Group to impersonate (repeatable; needs --as)]:GROUP:_default' \
'--as-uid=[UID to impersonate (needs --as)]:UID:_default' \
'--cluster=[The kubeconfig cluster entry to use, instead of the context'\''s]:NAME:_default' \
'--user=[The kubeconfig user entry to use, instead of the context'\''s]:NAME:_default' \
'-s+[The API server'\''s address, instead of the cluster'\''s]:URL:_default' \
'--server=[The API server'\''s address, instead of the cluster'\''s]:URL:_default' \
'--token=[Bearer token for the API server, instead of the user'\''s credentials]:TOKEN:_default' \
'--certificate-authority=[CA certificate file to verify the API server with]:FILE:_files' \
'--insecure-skip-tls-verify=[Do not verify the API server'\''s certificate (insecure)]::BOOL:(true false)' \
'--tls-server-name=[Name to check the API server'\''s certificate against, instead of the server'\''s host]:NAME:_default' \
'--dry-run[Only say what would be deleted (the API checks the deletes)]' \
'-h[Print help]' \
'--help[Print help]' \
':name -- The publication name:_default' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_kubectl-publish__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:kubectl-publish-help-command-$line[1]:"
        case $line[1] in
            (status)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(doctor)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(unpublish)
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

(( $+functions[_kubectl-publish_commands] )) ||
_kubectl-publish_commands() {
    local commands; commands=(
'status:Each stage from Service to HTTPS answer, with ✓ or ✗ and the reason' \
'doctor:Check the cluster'\''s and account'\''s preconditions, with a fix for each failure' \
'unpublish:Delete the Service and Ingress (or HTTPRoutes) publish made under NAME, and nothing else' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'kubectl-publish commands' commands "$@"
}
(( $+functions[_kubectl-publish__subcmd__doctor_commands] )) ||
_kubectl-publish__subcmd__doctor_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-publish doctor commands' commands "$@"
}
(( $+functions[_kubectl-publish__subcmd__help_commands] )) ||
_kubectl-publish__subcmd__help_commands() {
    local commands; commands=(
'status:Each stage from Service to HTTPS answer, with ✓ or ✗ and the reason' \
'doctor:Check the cluster'\''s and account'\''s preconditions, with a fix for each failure' \
'unpublish:Delete the Service and Ingress (or HTTPRoutes) publish made under NAME, and nothing else' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'kubectl-publish help commands' commands "$@"
}
(( $+functions[_kubectl-publish__subcmd__help__subcmd__doctor_commands] )) ||
_kubectl-publish__subcmd__help__subcmd__doctor_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-publish help doctor commands' commands "$@"
}
(( $+functions[_kubectl-publish__subcmd__help__subcmd__help_commands] )) ||
_kubectl-publish__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-publish help help commands' commands "$@"
}
(( $+functions[_kubectl-publish__subcmd__help__subcmd__status_commands] )) ||
_kubectl-publish__subcmd__help__subcmd__status_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-publish help status commands' commands "$@"
}
(( $+functions[_kubectl-publish__subcmd__help__subcmd__unpublish_commands] )) ||
_kubectl-publish__subcmd__help__subcmd__unpublish_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-publish help unpublish commands' commands "$@"
}
(( $+functions[_kubectl-publish__subcmd__status_commands] )) ||
_kubectl-publish__subcmd__status_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-publish status commands' commands "$@"
}
(( $+functions[_kubectl-publish__subcmd__unpublish_commands] )) ||
_kubectl-publish__subcmd__unpublish_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-publish unpublish commands' commands "$@"
}

if [ "$funcstack[1]" = "_kubectl-publish" ]; then
    _kubectl-publish "$@"
else
    compdef _kubectl-publish kubectl-publish
fi
