complete -c kubectl-ctx -l completion -d 'Print a completion script for bash, zsh or fish' -r -f -a "bash\t''
zsh\t''
fish\t''"
complete -c kubectl-ctx -l kubeconfig -d 'Path to the kubeconfig file to use' -r -F
complete -c kubectl-ctx -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-ctx -s n -l namespace -d 'The namespace to act in' -r
complete -c kubectl-ctx -l request-timeout -d 'Time to wait for one API request, e.g. 5s, 1m (0 = no limit)' -r
complete -c kubectl-ctx -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-ctx -l color -d 'Colour: auto (terminal and no NO_COLOR), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-ctx -s c -l current -d 'Print the current context'
complete -c kubectl-ctx -s u -l unset -d 'Remove current-context from the file that sets it'
complete -c kubectl-ctx -s d -l delete -d 'Delete the named contexts (`.` is the current one)'
complete -c kubectl-ctx -l cascade -d 'With -d: also delete clusters and users no remaining context uses'
complete -c kubectl-ctx -l force -d 'Rename onto an existing name, replacing it'
complete -c kubectl-ctx -l export -d 'Print `export KUBECONFIG=…` for a private per-shell copy of NAME; use as: eval "$(kubectl ctx --export NAME)"'
complete -c kubectl-ctx -l prompt -d 'Print `context/namespace` for a shell prompt (nothing when no kubeconfig exists)'
complete -c kubectl-ctx -l no-picker -d 'Never open the interactive picker'
complete -c kubectl-ctx -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-ctx -s V -l version -d 'Print version'
