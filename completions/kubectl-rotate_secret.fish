# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kubectl_rotate_secret_global_optspecs
    string join \n from-literal= from-file= from-env-file= from-sops= select= from-current set= unset= type= create dry-run= no-wait timeout= force allow-partial completion= kubeconfig= context= n/namespace= request-timeout= o/output= color= as= as-group= as-uid= cluster= user= s/server= token= certificate-authority= insecure-skip-tls-verify= tls-server-name= h/help V/version
end

function __fish_kubectl_rotate_secret_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kubectl_rotate_secret_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kubectl_rotate_secret_using_subcommand
    set -l cmd (__fish_kubectl_rotate_secret_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -l from-literal -d 'A KEY=VALUE pair to store (repeatable)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -l from-file -d 'A file (key: its name, or KEY=) or a directory of files (repeatable)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -l from-env-file -d 'A file of KEY=VALUE lines; - reads stdin (repeatable)' -r -F
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -l from-sops -d 'A sops-encrypted Secret/ConfigMap manifest or dotenv/YAML/JSON key file, decrypted in memory; - reads stdin (repeatable)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -l select -d 'The document of a multi-document --from-sops file to use (default: the one named BASE)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -l set -d 'Set KEY=VALUE on top of the current version (repeatable)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -l unset -d 'Remove KEY from the current version (repeatable)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -l type -d 'Secret type for the new version (default: the current one\'s, else Opaque)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -l dry-run -d 'Change nothing: client (compute locally) or server (the API checks every write)' -r -f -a "none\t''
client\t''
server\t''"
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -l timeout -d 'How long to wait for the rollouts before switching back, e.g. 90s, 5m' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -l completion -d 'Print a completion script for bash, zsh or fish' -r -f -a "bash\t''
zsh\t''
fish\t''"
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -l kubeconfig -d 'Path to the kubeconfig file to use' -r -F
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -s n -l namespace -d 'The namespace to act in' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -l request-timeout -d 'Time to wait for one API request, e.g. 5s, 1m (0 = no limit)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -l color -d 'Colour: auto (terminal and no NO_COLOR), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -l as -d 'User to impersonate for the operation (a user, or system:serviceaccount:NS:NAME)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -l as-group -d 'Group to impersonate (repeatable; needs --as)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -l as-uid -d 'UID to impersonate (needs --as)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -l cluster -d 'The kubeconfig cluster entry to use, instead of the context\'s' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -l user -d 'The kubeconfig user entry to use, instead of the context\'s' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -s s -l server -d 'The API server\'s address, instead of the cluster\'s' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -l token -d 'Bearer token for the API server, instead of the user\'s credentials' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -l certificate-authority -d 'CA certificate file to verify the API server with' -r -F
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -l insecure-skip-tls-verify -d 'Do not verify the API server\'s certificate (insecure)' -r -f -a "true\t''
false\t''"
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -l tls-server-name -d 'Name to check the API server\'s certificate against, instead of the server\'s host' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -l from-current -d 'Version the object in use as it is (adopt an unversioned or kustomize-made object)'
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -l create -d 'Start a new versioned object when BASE does not exist yet (no object, no versions)'
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -l no-wait -d 'Do not wait for the rollouts (and so never switch back automatically)'
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -l force -d 'Switch even when a workload reads a key the new version lacks, and patch objects managed by Helm, Argo CD or Flux too'
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -l allow-partial -d 'Switch the other objects when some are managed by Helm, Argo CD or Flux (those are left alone)'
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -s h -l help -d 'Print help'
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -s V -l version -d 'Print version'
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -a "refs" -d 'List the objects that reference BASE or any of its versions'
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -a "history" -d 'List the versions: revision, name, age, keys and who uses each'
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -a "diff" -d 'Show the key-level change a rotation would make (Secret values hidden)'
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -a "undo" -d 'Switch back to the previous version, or to --to-revision N (0 = the unversioned original)'
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -a "prune" -d 'Delete old versions that nothing uses any more'
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_needs_command" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand refs" -l kubeconfig -d 'Path to the kubeconfig file to use' -r -F
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand refs" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand refs" -s n -l namespace -d 'The namespace to act in' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand refs" -l request-timeout -d 'Time to wait for one API request, e.g. 5s, 1m (0 = no limit)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand refs" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand refs" -l color -d 'Colour: auto (terminal and no NO_COLOR), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand refs" -l as -d 'User to impersonate for the operation (a user, or system:serviceaccount:NS:NAME)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand refs" -l as-group -d 'Group to impersonate (repeatable; needs --as)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand refs" -l as-uid -d 'UID to impersonate (needs --as)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand refs" -l cluster -d 'The kubeconfig cluster entry to use, instead of the context\'s' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand refs" -l user -d 'The kubeconfig user entry to use, instead of the context\'s' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand refs" -s s -l server -d 'The API server\'s address, instead of the cluster\'s' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand refs" -l token -d 'Bearer token for the API server, instead of the user\'s credentials' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand refs" -l certificate-authority -d 'CA certificate file to verify the API server with' -r -F
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand refs" -l insecure-skip-tls-verify -d 'Do not verify the API server\'s certificate (insecure)' -r -f -a "true\t''
false\t''"
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand refs" -l tls-server-name -d 'Name to check the API server\'s certificate against, instead of the server\'s host' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand refs" -l all -d 'Also list ReplicaSets, ControllerRevisions, Pods and Jobs owned by other objects'
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand refs" -s h -l help -d 'Print help'
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand history" -l kubeconfig -d 'Path to the kubeconfig file to use' -r -F
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand history" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand history" -s n -l namespace -d 'The namespace to act in' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand history" -l request-timeout -d 'Time to wait for one API request, e.g. 5s, 1m (0 = no limit)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand history" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand history" -l color -d 'Colour: auto (terminal and no NO_COLOR), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand history" -l as -d 'User to impersonate for the operation (a user, or system:serviceaccount:NS:NAME)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand history" -l as-group -d 'Group to impersonate (repeatable; needs --as)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand history" -l as-uid -d 'UID to impersonate (needs --as)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand history" -l cluster -d 'The kubeconfig cluster entry to use, instead of the context\'s' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand history" -l user -d 'The kubeconfig user entry to use, instead of the context\'s' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand history" -s s -l server -d 'The API server\'s address, instead of the cluster\'s' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand history" -l token -d 'Bearer token for the API server, instead of the user\'s credentials' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand history" -l certificate-authority -d 'CA certificate file to verify the API server with' -r -F
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand history" -l insecure-skip-tls-verify -d 'Do not verify the API server\'s certificate (insecure)' -r -f -a "true\t''
false\t''"
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand history" -l tls-server-name -d 'Name to check the API server\'s certificate against, instead of the server\'s host' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand history" -s h -l help -d 'Print help'
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand diff" -l from-literal -d 'A KEY=VALUE pair to store (repeatable)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand diff" -l from-file -d 'A file (key: its name, or KEY=) or a directory of files (repeatable)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand diff" -l from-env-file -d 'A file of KEY=VALUE lines; - reads stdin (repeatable)' -r -F
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand diff" -l from-sops -d 'A sops-encrypted Secret/ConfigMap manifest or dotenv/YAML/JSON key file, decrypted in memory; - reads stdin (repeatable)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand diff" -l select -d 'The document of a multi-document --from-sops file to use (default: the one named BASE)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand diff" -l set -d 'Set KEY=VALUE on top of the current version (repeatable)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand diff" -l unset -d 'Remove KEY from the current version (repeatable)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand diff" -l type -d 'Secret type for the new version (default: the current one\'s, else Opaque)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand diff" -l kubeconfig -d 'Path to the kubeconfig file to use' -r -F
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand diff" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand diff" -s n -l namespace -d 'The namespace to act in' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand diff" -l request-timeout -d 'Time to wait for one API request, e.g. 5s, 1m (0 = no limit)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand diff" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand diff" -l color -d 'Colour: auto (terminal and no NO_COLOR), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand diff" -l as -d 'User to impersonate for the operation (a user, or system:serviceaccount:NS:NAME)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand diff" -l as-group -d 'Group to impersonate (repeatable; needs --as)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand diff" -l as-uid -d 'UID to impersonate (needs --as)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand diff" -l cluster -d 'The kubeconfig cluster entry to use, instead of the context\'s' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand diff" -l user -d 'The kubeconfig user entry to use, instead of the context\'s' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand diff" -s s -l server -d 'The API server\'s address, instead of the cluster\'s' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand diff" -l token -d 'Bearer token for the API server, instead of the user\'s credentials' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand diff" -l certificate-authority -d 'CA certificate file to verify the API server with' -r -F
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand diff" -l insecure-skip-tls-verify -d 'Do not verify the API server\'s certificate (insecure)' -r -f -a "true\t''
false\t''"
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand diff" -l tls-server-name -d 'Name to check the API server\'s certificate against, instead of the server\'s host' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand diff" -l from-current -d 'Version the object in use as it is (adopt an unversioned or kustomize-made object)'
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand diff" -l show-values -d 'Show Secret values instead of sizes'
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand diff" -s h -l help -d 'Print help'
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand undo" -l to-revision -d 'The revision to switch to (see `history`)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand undo" -l dry-run -d 'Change nothing: client (compute locally) or server (the API checks every write)' -r -f -a "none\t''
client\t''
server\t''"
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand undo" -l timeout -d 'How long to wait for the rollouts before switching back, e.g. 90s, 5m' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand undo" -l kubeconfig -d 'Path to the kubeconfig file to use' -r -F
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand undo" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand undo" -s n -l namespace -d 'The namespace to act in' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand undo" -l request-timeout -d 'Time to wait for one API request, e.g. 5s, 1m (0 = no limit)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand undo" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand undo" -l color -d 'Colour: auto (terminal and no NO_COLOR), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand undo" -l as -d 'User to impersonate for the operation (a user, or system:serviceaccount:NS:NAME)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand undo" -l as-group -d 'Group to impersonate (repeatable; needs --as)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand undo" -l as-uid -d 'UID to impersonate (needs --as)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand undo" -l cluster -d 'The kubeconfig cluster entry to use, instead of the context\'s' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand undo" -l user -d 'The kubeconfig user entry to use, instead of the context\'s' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand undo" -s s -l server -d 'The API server\'s address, instead of the cluster\'s' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand undo" -l token -d 'Bearer token for the API server, instead of the user\'s credentials' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand undo" -l certificate-authority -d 'CA certificate file to verify the API server with' -r -F
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand undo" -l insecure-skip-tls-verify -d 'Do not verify the API server\'s certificate (insecure)' -r -f -a "true\t''
false\t''"
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand undo" -l tls-server-name -d 'Name to check the API server\'s certificate against, instead of the server\'s host' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand undo" -l no-wait -d 'Do not wait for the rollouts (and so never switch back automatically)'
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand undo" -l force -d 'Switch even when a workload reads a key the new version lacks, and patch objects managed by Helm, Argo CD or Flux too'
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand undo" -l allow-partial -d 'Switch the other objects when some are managed by Helm, Argo CD or Flux (those are left alone)'
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand undo" -s h -l help -d 'Print help'
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand prune" -l keep -d 'Keep this many newest versions even when unused' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand prune" -l dry-run -d 'Only print what would be deleted: client, or server (the API checks the deletes)' -r -f -a "none\t''
client\t''
server\t''"
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand prune" -l kubeconfig -d 'Path to the kubeconfig file to use' -r -F
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand prune" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand prune" -s n -l namespace -d 'The namespace to act in' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand prune" -l request-timeout -d 'Time to wait for one API request, e.g. 5s, 1m (0 = no limit)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand prune" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand prune" -l color -d 'Colour: auto (terminal and no NO_COLOR), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand prune" -l as -d 'User to impersonate for the operation (a user, or system:serviceaccount:NS:NAME)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand prune" -l as-group -d 'Group to impersonate (repeatable; needs --as)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand prune" -l as-uid -d 'UID to impersonate (needs --as)' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand prune" -l cluster -d 'The kubeconfig cluster entry to use, instead of the context\'s' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand prune" -l user -d 'The kubeconfig user entry to use, instead of the context\'s' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand prune" -s s -l server -d 'The API server\'s address, instead of the cluster\'s' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand prune" -l token -d 'Bearer token for the API server, instead of the user\'s credentials' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand prune" -l certificate-authority -d 'CA certificate file to verify the API server with' -r -F
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand prune" -l insecure-skip-tls-verify -d 'Do not verify the API server\'s certificate (insecure)' -r -f -a "true\t''
false\t''"
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand prune" -l tls-server-name -d 'Name to check the API server\'s certificate against, instead of the server\'s host' -r
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand prune" -s h -l help -d 'Print help'
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand help; and not __fish_seen_subcommand_from refs history diff undo prune help" -f -a "refs" -d 'List the objects that reference BASE or any of its versions'
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand help; and not __fish_seen_subcommand_from refs history diff undo prune help" -f -a "history" -d 'List the versions: revision, name, age, keys and who uses each'
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand help; and not __fish_seen_subcommand_from refs history diff undo prune help" -f -a "diff" -d 'Show the key-level change a rotation would make (Secret values hidden)'
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand help; and not __fish_seen_subcommand_from refs history diff undo prune help" -f -a "undo" -d 'Switch back to the previous version, or to --to-revision N (0 = the unversioned original)'
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand help; and not __fish_seen_subcommand_from refs history diff undo prune help" -f -a "prune" -d 'Delete old versions that nothing uses any more'
complete -c kubectl-rotate_secret -n "__fish_kubectl_rotate_secret_using_subcommand help; and not __fish_seen_subcommand_from refs history diff undo prune help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
