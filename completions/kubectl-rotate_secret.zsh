#compdef kubectl-rotate_secret

autoload -U is-at-least

_kubectl-rotate_secret() {
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
'*--from-literal=[A KEY=VALUE pair to store (repeatable)]:KEY=VALUE:_default' \
'*--from-file=[A file (key\: its name, or KEY=) or a directory of files (repeatable)]:[KEY=]PATH:_default' \
'*--from-env-file=[A file of KEY=VALUE lines; - reads stdin (repeatable)]:PATH:_files' \
'*--from-sops=[A sops-encrypted Secret/ConfigMap manifest or dotenv/YAML/JSON key file, decrypted in memory; - reads stdin (repeatable)]:FILE:_default' \
'--select=[The document of a multi-document --from-sops file to use (default\: the one named BASE)]:NAME:_default' \
'*--set=[Set KEY=VALUE on top of the current version (repeatable)]:KEY=VALUE:_default' \
'*--unset=[Remove KEY from the current version (repeatable)]:KEY:_default' \
'--type=[Secret type for the new version (default\: the current one'\''s, else Opaque)]:TYPE:_default' \
'--dry-run=[Change nothing\: client (compute locally) or server (the API checks every write)]::MODE:(none client server)' \
'--timeout=[How long to wait for the rollouts before switching back, e.g. 90s, 5m]:DURATION:_default' \
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
'--from-current[Version the object in use as it is (adopt an unversioned or kustomize-made object)]' \
'--create[Start a new versioned object when BASE does not exist yet (no object, no versions)]' \
'--no-wait[Do not wait for the rollouts (and so never switch back automatically)]' \
'--force[Switch even when a workload reads a key the new version lacks, and patch objects managed by Helm, Argo CD or Flux too]' \
'--allow-partial[Switch the other objects when some are managed by Helm, Argo CD or Flux (those are left alone)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'::target -- The object to rotate\: BASE, secret/BASE or configmap/BASE:_default' \
":: :_kubectl-rotate_secret_commands" \
"*::: :->kubectl rotate-secret" \
&& ret=0
    case $state in
    (kubectl rotate-secret)
        words=($line[2] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:kubectl-rotate_secret-command-$line[2]:"
        case $line[2] in
            (refs)
_arguments "${_arguments_options[@]}" : \
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
'--all[Also list ReplicaSets, ControllerRevisions, Pods and Jobs owned by other objects]' \
'-h[Print help]' \
'--help[Print help]' \
':target:_default' \
&& ret=0
;;
(history)
_arguments "${_arguments_options[@]}" : \
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
':target:_default' \
&& ret=0
;;
(diff)
_arguments "${_arguments_options[@]}" : \
'*--from-literal=[A KEY=VALUE pair to store (repeatable)]:KEY=VALUE:_default' \
'*--from-file=[A file (key\: its name, or KEY=) or a directory of files (repeatable)]:[KEY=]PATH:_default' \
'*--from-env-file=[A file of KEY=VALUE lines; - reads stdin (repeatable)]:PATH:_files' \
'*--from-sops=[A sops-encrypted Secret/ConfigMap manifest or dotenv/YAML/JSON key file, decrypted in memory; - reads stdin (repeatable)]:FILE:_default' \
'--select=[The document of a multi-document --from-sops file to use (default\: the one named BASE)]:NAME:_default' \
'*--set=[Set KEY=VALUE on top of the current version (repeatable)]:KEY=VALUE:_default' \
'*--unset=[Remove KEY from the current version (repeatable)]:KEY:_default' \
'--type=[Secret type for the new version (default\: the current one'\''s, else Opaque)]:TYPE:_default' \
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
'--from-current[Version the object in use as it is (adopt an unversioned or kustomize-made object)]' \
'--show-values[Show Secret values instead of sizes]' \
'-h[Print help]' \
'--help[Print help]' \
':target:_default' \
&& ret=0
;;
(undo)
_arguments "${_arguments_options[@]}" : \
'--to-revision=[The revision to switch to (see \`history\`)]:N:_default' \
'--dry-run=[Change nothing\: client (compute locally) or server (the API checks every write)]::MODE:(none client server)' \
'--timeout=[How long to wait for the rollouts before switching back, e.g. 90s, 5m]:DURATION:_default' \
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
'--no-wait[Do not wait for the rollouts (and so never switch back automatically)]' \
'--force[Switch even when a workload reads a key the new version lacks, and patch objects managed by Helm, Argo CD or Flux too]' \
'--allow-partial[Switch the other objects when some are managed by Helm, Argo CD or Flux (those are left alone)]' \
'-h[Print help]' \
'--help[Print help]' \
':target:_default' \
&& ret=0
;;
(prune)
_arguments "${_arguments_options[@]}" : \
'--keep=[Keep this many newest versions even when unused]:N:_default' \
'--dry-run=[Only print what would be deleted\: client, or server (the API checks the deletes)]::MODE:(none client server)' \
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
':target:_default' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_kubectl-rotate_secret__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:kubectl-rotate_secret-help-command-$line[1]:"
        case $line[1] in
            (refs)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(history)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(diff)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(undo)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(prune)
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

(( $+functions[_kubectl-rotate_secret_commands] )) ||
_kubectl-rotate_secret_commands() {
    local commands; commands=(
'refs:List the objects that reference BASE or any of its versions' \
'history:List the versions\: revision, name, age, keys and who uses each' \
'diff:Show the key-level change a rotation would make (Secret values hidden)' \
'undo:Switch back to the previous version, or to --to-revision N (0 = the unversioned original)' \
'prune:Delete old versions that nothing uses any more' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'kubectl-rotate_secret commands' commands "$@"
}
(( $+functions[_kubectl-rotate_secret__subcmd__diff_commands] )) ||
_kubectl-rotate_secret__subcmd__diff_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-rotate_secret diff commands' commands "$@"
}
(( $+functions[_kubectl-rotate_secret__subcmd__help_commands] )) ||
_kubectl-rotate_secret__subcmd__help_commands() {
    local commands; commands=(
'refs:List the objects that reference BASE or any of its versions' \
'history:List the versions\: revision, name, age, keys and who uses each' \
'diff:Show the key-level change a rotation would make (Secret values hidden)' \
'undo:Switch back to the previous version, or to --to-revision N (0 = the unversioned original)' \
'prune:Delete old versions that nothing uses any more' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'kubectl-rotate_secret help commands' commands "$@"
}
(( $+functions[_kubectl-rotate_secret__subcmd__help__subcmd__diff_commands] )) ||
_kubectl-rotate_secret__subcmd__help__subcmd__diff_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-rotate_secret help diff commands' commands "$@"
}
(( $+functions[_kubectl-rotate_secret__subcmd__help__subcmd__help_commands] )) ||
_kubectl-rotate_secret__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-rotate_secret help help commands' commands "$@"
}
(( $+functions[_kubectl-rotate_secret__subcmd__help__subcmd__history_commands] )) ||
_kubectl-rotate_secret__subcmd__help__subcmd__history_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-rotate_secret help history commands' commands "$@"
}
(( $+functions[_kubectl-rotate_secret__subcmd__help__subcmd__prune_commands] )) ||
_kubectl-rotate_secret__subcmd__help__subcmd__prune_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-rotate_secret help prune commands' commands "$@"
}
(( $+functions[_kubectl-rotate_secret__subcmd__help__subcmd__refs_commands] )) ||
_kubectl-rotate_secret__subcmd__help__subcmd__refs_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-rotate_secret help refs commands' commands "$@"
}
(( $+functions[_kubectl-rotate_secret__subcmd__help__subcmd__undo_commands] )) ||
_kubectl-rotate_secret__subcmd__help__subcmd__undo_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-rotate_secret help undo commands' commands "$@"
}
(( $+functions[_kubectl-rotate_secret__subcmd__history_commands] )) ||
_kubectl-rotate_secret__subcmd__history_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-rotate_secret history commands' commands "$@"
}
(( $+functions[_kubectl-rotate_secret__subcmd__prune_commands] )) ||
_kubectl-rotate_secret__subcmd__prune_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-rotate_secret prune commands' commands "$@"
}
(( $+functions[_kubectl-rotate_secret__subcmd__refs_commands] )) ||
_kubectl-rotate_secret__subcmd__refs_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-rotate_secret refs commands' commands "$@"
}
(( $+functions[_kubectl-rotate_secret__subcmd__undo_commands] )) ||
_kubectl-rotate_secret__subcmd__undo_commands() {
    local commands; commands=()
    _describe -t commands 'kubectl-rotate_secret undo commands' commands "$@"
}

if [ "$funcstack[1]" = "_kubectl-rotate_secret" ]; then
    _kubectl-rotate_secret "$@"
else
    compdef _kubectl-rotate_secret kubectl-rotate_secret
fi
