#compdef kubectl-ctx

autoload -U is-at-least

_kubectl-ctx() {
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
'(-u --unset -d --delete --export)-c[Print the current context]' \
'(-u --unset -d --delete --export)--current[Print the current context]' \
'(-d --delete --export)-u[Remove current-context from the file that sets it]' \
'(-d --delete --export)--unset[Remove current-context from the file that sets it]' \
'-d[Delete the named contexts (\`.\` is the current one)]' \
'--delete[Delete the named contexts (\`.\` is the current one)]' \
'--cascade[With -d\: also delete clusters and users no remaining context uses]' \
'--force[Rename onto an existing name, replacing it]' \
'--export[Print \`export KUBECONFIG=…\` for a private per-shell copy of NAME; use as\: eval "\$(kubectl ctx --export NAME)"]' \
'(-u --unset -d --delete --export -c --current)--prompt[Print \`context/namespace\` for a shell prompt (nothing when no kubeconfig exists)]' \
'--no-picker[Never open the interactive picker]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
'*::args -- NAME to switch, `-` for the previous context, NEW=OLD (or NEW=.) to rename; with -d, the contexts to delete:_default' \
&& ret=0
}

(( $+functions[_kubectl-ctx_commands] )) ||
_kubectl-ctx_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-ctx commands' commands "$@"
}

if [ "$funcstack[1]" = "_kubectl-ctx" ]; then
    _kubectl-ctx "$@"
else
    compdef _kubectl-ctx kubectl-ctx
fi
