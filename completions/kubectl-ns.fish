complete -c kubectl-ns -l completion -d 'Print a completion script for bash, zsh or fish' -r -f -a "bash\t''
zsh\t''
fish\t''"
complete -c kubectl-ns -l kubeconfig -d 'Path to the kubeconfig file to use' -r -F
complete -c kubectl-ns -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-ns -s n -l namespace -d 'The namespace to act in' -r
complete -c kubectl-ns -l request-timeout -d 'Time to wait for one API request, e.g. 5s, 1m (0 = no limit)' -r
complete -c kubectl-ns -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-ns -l color -d 'Colour: auto (terminal and no NO_COLOR), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-ns -l as -d 'User to impersonate for the operation (a user, or system:serviceaccount:NS:NAME)' -r
complete -c kubectl-ns -l as-group -d 'Group to impersonate (repeatable; needs --as)' -r
complete -c kubectl-ns -l as-uid -d 'UID to impersonate (needs --as)' -r
complete -c kubectl-ns -l cluster -d 'The kubeconfig cluster entry to use, instead of the context\'s' -r
complete -c kubectl-ns -l user -d 'The kubeconfig user entry to use, instead of the context\'s' -r
complete -c kubectl-ns -s s -l server -d 'The API server\'s address, instead of the cluster\'s' -r
complete -c kubectl-ns -l token -d 'Bearer token for the API server, instead of the user\'s credentials' -r
complete -c kubectl-ns -l certificate-authority -d 'CA certificate file to verify the API server with' -r -F
complete -c kubectl-ns -l insecure-skip-tls-verify -d 'Do not verify the API server\'s certificate (insecure)' -r -f -a "true\t''
false\t''"
complete -c kubectl-ns -l tls-server-name -d 'Name to check the API server\'s certificate against, instead of the server\'s host' -r
complete -c kubectl-ns -s c -l current -d 'Print the current namespace'
complete -c kubectl-ns -s u -l unset -d 'Remove the namespace from the current context (back to the cluster default)'
complete -c kubectl-ns -s f -l force -d 'Set the namespace without checking it with the API'
complete -c kubectl-ns -l no-picker -d 'Never open the interactive picker'
complete -c kubectl-ns -s h -l help -d 'Print help'
complete -c kubectl-ns -s V -l version -d 'Print version'
