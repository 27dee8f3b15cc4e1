#compdef kubectl-audit

autoload -U is-at-least

_kubectl-audit() {
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
'*-f+[Manifests to audit instead of a cluster\: files, directories (read recursively) or - for stdin; repeat for several]:FILE|DIR|-:_files' \
'*--filename=[Manifests to audit instead of a cluster\: files, directories (read recursively) or - for stdin; repeat for several]:FILE|DIR|-:_files' \
'*--checks=[Only these checks\: ids or categories (reliability, tenancy, security, health, observability), comma-separated]:IDS:_default' \
'*--skip=[Skip these checks\: ids or categories, comma-separated]:IDS:_default' \
'--min-severity=[Hide findings below this severity]:MIN_SEVERITY:(info warning error)' \
'--fail-on=[Exit 3 when a finding is at or above this severity]:FAIL_ON:((info\:""
warning\:""
error\:""
none\:"Never exit 3"))' \
'--config=[Config file\: per-check severity, disabled checks, exemptions]:FILE:_files' \
'--zones=[Offline\: zones the target cluster spans (2 or more turns spread-zones on)]:N:_default' \
'--report-api=[The report API --report writes]:API:((auto\:"openreports when its CRDs are served, else wgpolicy"
openreports\:"openreports.io/v1alpha1 Report and ClusterReport"
wgpolicy\:"wgpolicyk8s.io/v1alpha2 PolicyReport and ClusterPolicyReport"))' \
'*--allow-unread=[Kinds left unread on purpose (e.g. secrets, for a role without them)\: still listed under "not checked" when forbidden, but no exit 4 for them]:KINDS:_default' \
'--completion=[Print a completion script for bash, zsh or fish]:SHELL:(bash zsh fish)' \
'--kubeconfig=[Path to the kubeconfig file to use]:FILE:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace to audit (offline\: the namespace of objects that set none)]:NAMESPACE:_default' \
'--namespace=[The namespace to audit (offline\: the namespace of objects that set none)]:NAMESPACE:_default' \
'--request-timeout=[Time to wait for one API request, e.g. 5s, 1m (0 = no limit)]:DURATION:_default' \
'-o+[Output format]:OUTPUT:(table json yaml sarif junit)' \
'--output=[Output format]:OUTPUT:(table json yaml sarif junit)' \
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
'-A[Audit every namespace of the cluster]' \
'--all-namespaces[Audit every namespace of the cluster]' \
'--all-contexts[Audit every context of the kubeconfig, concurrently]' \
'--no-default-exemptions[Audit kube-system'\''s well-known add-ons (aws-node, kube-proxy, coredns, CSI drivers) too\: see \`kubectl audit checks --exemptions\`]' \
'-v[List every kind that could not be read, with the API'\''s message]' \
'--verbose[List every kind that could not be read, with the API'\''s message]' \
'--report[Write the findings into the audited cluster as reports (OpenReports or PolicyReports) that Policy Reporter and other dashboards read]' \
'--report-passes[With --report\: also a pass result for every check that applied to an object and passed]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_kubectl-audit_commands" \
"*::: :->kubectl audit" \
&& ret=0
    case $state in
    (kubectl audit)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:kubectl-audit-command-$line[1]:"
        case $line[1] in
            (checks)
_arguments "${_arguments_options[@]}" : \
'--kubeconfig=[Path to the kubeconfig file to use]:FILE:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace to audit (offline\: the namespace of objects that set none)]:NAMESPACE:_default' \
'--namespace=[The namespace to audit (offline\: the namespace of objects that set none)]:NAMESPACE:_default' \
'--request-timeout=[Time to wait for one API request, e.g. 5s, 1m (0 = no limit)]:DURATION:_default' \
'-o+[Output format]:OUTPUT:(table json yaml sarif junit)' \
'--output=[Output format]:OUTPUT:(table json yaml sarif junit)' \
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
'--exemptions[List the built-in exemptions for system add-ons instead]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(install)
_arguments "${_arguments_options[@]}" : \
'--schedule=[When the audit runs, in cron syntax (default "17 * * * *"\: hourly)]:CRON:_default' \
'--image=[The image to run (default ghcr.io/honban/honban-audit\:<this version>)]:IMAGE:_default' \
'--report-api=[Which report API the audit writes\: auto picks openreports when served, else wgpolicy]:API:((auto\:"openreports when its CRDs are served, else wgpolicy"
openreports\:"openreports.io/v1alpha1 Report and ClusterReport"
wgpolicy\:"wgpolicyk8s.io/v1alpha2 PolicyReport and ClusterPolicyReport"))' \
'--dry-run=[Change nothing\: client (print the objects) or server (the API checks them)]::MODE:(none client server)' \
'--kubeconfig=[Path to the kubeconfig file to use]:FILE:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace to audit (offline\: the namespace of objects that set none)]:NAMESPACE:_default' \
'--namespace=[The namespace to audit (offline\: the namespace of objects that set none)]:NAMESPACE:_default' \
'--request-timeout=[Time to wait for one API request, e.g. 5s, 1m (0 = no limit)]:DURATION:_default' \
'-o+[Output format]:OUTPUT:(table json yaml sarif junit)' \
'--output=[Output format]:OUTPUT:(table json yaml sarif junit)' \
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
'--with-secrets[Let the audit list Secrets (their metadata is all it asks for, but RBAC cannot limit list to metadata); without it the Secret checks are not checked]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
&& ret=0
;;
(uninstall)
_arguments "${_arguments_options[@]}" : \
'--kubeconfig=[Path to the kubeconfig file to use]:FILE:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace to audit (offline\: the namespace of objects that set none)]:NAMESPACE:_default' \
'--namespace=[The namespace to audit (offline\: the namespace of objects that set none)]:NAMESPACE:_default' \
'--request-timeout=[Time to wait for one API request, e.g. 5s, 1m (0 = no limit)]:DURATION:_default' \
'-o+[Output format]:OUTPUT:(table json yaml sarif junit)' \
'--output=[Output format]:OUTPUT:(table json yaml sarif junit)' \
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
'--reports[Also delete every report honban wrote (label app.kubernetes.io/managed-by=honban)]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(reports)
_arguments "${_arguments_options[@]}" : \
'--kubeconfig=[Path to the kubeconfig file to use]:FILE:_files' \
'--context=[The kubeconfig context to use]:NAME:_default' \
'-n+[The namespace to audit (offline\: the namespace of objects that set none)]:NAMESPACE:_default' \
'--namespace=[The namespace to audit (offline\: the namespace of objects that set none)]:NAMESPACE:_default' \
'--request-timeout=[Time to wait for one API request, e.g. 5s, 1m (0 = no limit)]:DURATION:_default' \
'-o+[Output format]:OUTPUT:(table json yaml sarif junit)' \
'--output=[Output format]:OUTPUT:(table json yaml sarif junit)' \
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
'-A[Every namespace, and cluster-scoped objects]' \
'--all-namespaces[Every namespace, and cluster-scoped objects]' \
'--all-contexts[Every context of the kubeconfig, concurrently]' \
'-h[Print help]' \
'--help[Print help]' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_kubectl-audit__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:kubectl-audit-help-command-$line[1]:"
        case $line[1] in
            (checks)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(install)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(uninstall)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(reports)
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

(( $+functions[_kubectl-audit_commands] )) ||
_kubectl-audit_commands() {
    local commands; commands=(
'checks:List every check\: id, category, severity, rationale and fix' \
'install:Run the audit in the cluster\: a CronJob writing reports, with a read-only ServiceAccount' \
'uninstall:Remove what install made (and, with --reports, honban'\''s reports)' \
'reports:Read honban'\''s in-cluster reports back\: counts per namespace, the worst objects, report ages, and whether the audit CronJob still runs' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'kubectl-audit commands' commands "$@"
}
(( $+functions[_kubectl-audit__subcmd__checks_commands] )) ||
_kubectl-audit__subcmd__checks_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-audit checks commands' commands "$@"
}
(( $+functions[_kubectl-audit__subcmd__help_commands] )) ||
_kubectl-audit__subcmd__help_commands() {
    local commands; commands=(
'checks:List every check\: id, category, severity, rationale and fix' \
'install:Run the audit in the cluster\: a CronJob writing reports, with a read-only ServiceAccount' \
'uninstall:Remove what install made (and, with --reports, honban'\''s reports)' \
'reports:Read honban'\''s in-cluster reports back\: counts per namespace, the worst objects, report ages, and whether the audit CronJob still runs' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'kubectl-audit help commands' commands "$@"
}
(( $+functions[_kubectl-audit__subcmd__help__subcmd__checks_commands] )) ||
_kubectl-audit__subcmd__help__subcmd__checks_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-audit help checks commands' commands "$@"
}
(( $+functions[_kubectl-audit__subcmd__help__subcmd__help_commands] )) ||
_kubectl-audit__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-audit help help commands' commands "$@"
}
(( $+functions[_kubectl-audit__subcmd__help__subcmd__install_commands] )) ||
_kubectl-audit__subcmd__help__subcmd__install_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-audit help install commands' commands "$@"
}
(( $+functions[_kubectl-audit__subcmd__help__subcmd__reports_commands] )) ||
_kubectl-audit__subcmd__help__subcmd__reports_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-audit help reports commands' commands "$@"
}
(( $+functions[_kubectl-audit__subcmd__help__subcmd__uninstall_commands] )) ||
_kubectl-audit__subcmd__help__subcmd__uninstall_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-audit help uninstall commands' commands "$@"
}
(( $+functions[_kubectl-audit__subcmd__install_commands] )) ||
_kubectl-audit__subcmd__install_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-audit install commands' commands "$@"
}
(( $+functions[_kubectl-audit__subcmd__reports_commands] )) ||
_kubectl-audit__subcmd__reports_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-audit reports commands' commands "$@"
}
(( $+functions[_kubectl-audit__subcmd__uninstall_commands] )) ||
_kubectl-audit__subcmd__uninstall_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-audit uninstall commands' commands "$@"
}

if [ "$funcstack[1]" = "_kubectl-audit" ]; then
    _kubectl-audit "$@"
else
    compdef _kubectl-audit kubectl-audit
fi
