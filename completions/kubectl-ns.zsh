#compdef kubectl-ns

autoload -U is-at-least

_kubectl-ns() {
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
'--completion=[Print a completion script for bash, zsh or fish]:SHELL:(bash zsh fish)' \
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
'(-u --unset)-c[Print the current namespace]' \
'(-u --unset)--current[Print the current namespace]' \
'()-u[Remove the namespace from the current context (back to the cluster default)]' \
'()--unset[Remove the namespace from the current context (back to the cluster default)]' \
'-f[Set the namespace without checking it with the API]' \
'--force[Set the namespace without checking it with the API]' \
'--no-picker[Never open the interactive picker]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'::name -- Namespace to switch to, or `-` for this context'\''s previous one:_default' \
&& ret=0
}

(( $+functions[_kubectl-ns_commands] )) ||
_kubectl-ns_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-ns commands' commands "$@"
}

if [ "$funcstack[1]" = "_kubectl-ns" ]; then
    _kubectl-ns "$@"
else
    compdef _kubectl-ns kubectl-ns
fi
