# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kubectl_audit_global_optspecs
    string join \n f/filename= A/all-namespaces all-contexts checks= skip= min-severity= fail-on= config= no-default-exemptions v/verbose zones= report report-api= report-passes allow-unread= completion= kubeconfig= context= n/namespace= request-timeout= o/output= color= as= as-group= as-uid= cluster= user= s/server= token= certificate-authority= insecure-skip-tls-verify= tls-server-name= h/help V/version
end

function __fish_kubectl_audit_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kubectl_audit_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kubectl_audit_using_subcommand
    set -l cmd (__fish_kubectl_audit_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -s f -l filename -d 'Manifests to audit instead of a cluster: files, directories (read recursively) or - for stdin; repeat for several' -r -F
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -l checks -d 'Only these checks: ids or categories (reliability, tenancy, security, health, observability), comma-separated' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -l skip -d 'Skip these checks: ids or categories, comma-separated' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -l min-severity -d 'Hide findings below this severity' -r -f -a "info\t''
warning\t''
error\t''"
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -l fail-on -d 'Exit 3 when a finding is at or above this severity' -r -f -a "info\t''
warning\t''
error\t''
none\t'Never exit 3'"
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -l config -d 'Config file: per-check severity, disabled checks, exemptions' -r -F
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -l zones -d 'Offline: zones the target cluster spans (2 or more turns spread-zones on)' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -l report-api -d 'The report API --report writes' -r -f -a "auto\t'openreports when its CRDs are served, else wgpolicy'
openreports\t'openreports.io/v1alpha1 Report and ClusterReport'
wgpolicy\t'wgpolicyk8s.io/v1alpha2 PolicyReport and ClusterPolicyReport'"
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -l allow-unread -d 'Kinds left unread on purpose (e.g. secrets, for a role without them): still listed under "not checked" when forbidden, but no exit 4 for them' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -l completion -d 'Print a completion script for bash, zsh or fish' -r -f -a "bash\t''
zsh\t''
fish\t''"
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -l kubeconfig -d 'Path to the kubeconfig file to use' -r -F
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -s n -l namespace -d 'The namespace to audit (offline: the namespace of objects that set none)' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -l request-timeout -d 'Time to wait for one API request, e.g. 5s, 1m (0 = no limit)' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''
sarif\t''
junit\t''"
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -l color -d 'Colour: auto (terminal and no NO_COLOR), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -l as -d 'User to impersonate for the operation (a user, or system:serviceaccount:NS:NAME)' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -l as-group -d 'Group to impersonate (repeatable; needs --as)' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -l as-uid -d 'UID to impersonate (needs --as)' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -l cluster -d 'The kubeconfig cluster entry to use, instead of the context\'s' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -l user -d 'The kubeconfig user entry to use, instead of the context\'s' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -s s -l server -d 'The API server\'s address, instead of the cluster\'s' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -l token -d 'Bearer token for the API server, instead of the user\'s credentials' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -l certificate-authority -d 'CA certificate file to verify the API server with' -r -F
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -l insecure-skip-tls-verify -d 'Do not verify the API server\'s certificate (insecure)' -r -f -a "true\t''
false\t''"
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -l tls-server-name -d 'Name to check the API server\'s certificate against, instead of the server\'s host' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -s A -l all-namespaces -d 'Audit every namespace of the cluster'
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -l all-contexts -d 'Audit every context of the kubeconfig, concurrently'
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -l no-default-exemptions -d 'Audit kube-system\'s well-known add-ons (aws-node, kube-proxy, coredns, CSI drivers) too: see `kubectl audit checks --exemptions`'
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -s v -l verbose -d 'List every kind that could not be read, with the API\'s message'
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -l report -d 'Write the findings into the audited cluster as reports (OpenReports or PolicyReports) that Policy Reporter and other dashboards read'
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -l report-passes -d 'With --report: also a pass result for every check that applied to an object and passed'
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -s V -l version -d 'Print version'
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -f -a "checks" -d 'List every check: id, category, severity, rationale and fix'
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -f -a "install" -d 'Run the audit in the cluster: a CronJob writing reports, with a read-only ServiceAccount'
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -f -a "uninstall" -d 'Remove what install made (and, with --reports, honban\'s reports)'
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -f -a "reports" -d 'Read honban\'s in-cluster reports back: counts per namespace, the worst objects, report ages, and whether the audit CronJob still runs'
complete -c kubectl-audit -n "__fish_kubectl_audit_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand checks" -l kubeconfig -d 'Path to the kubeconfig file to use' -r -F
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand checks" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand checks" -s n -l namespace -d 'The namespace to audit (offline: the namespace of objects that set none)' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand checks" -l request-timeout -d 'Time to wait for one API request, e.g. 5s, 1m (0 = no limit)' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand checks" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''
sarif\t''
junit\t''"
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand checks" -l color -d 'Colour: auto (terminal and no NO_COLOR), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand checks" -l as -d 'User to impersonate for the operation (a user, or system:serviceaccount:NS:NAME)' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand checks" -l as-group -d 'Group to impersonate (repeatable; needs --as)' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand checks" -l as-uid -d 'UID to impersonate (needs --as)' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand checks" -l cluster -d 'The kubeconfig cluster entry to use, instead of the context\'s' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand checks" -l user -d 'The kubeconfig user entry to use, instead of the context\'s' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand checks" -s s -l server -d 'The API server\'s address, instead of the cluster\'s' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand checks" -l token -d 'Bearer token for the API server, instead of the user\'s credentials' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand checks" -l certificate-authority -d 'CA certificate file to verify the API server with' -r -F
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand checks" -l insecure-skip-tls-verify -d 'Do not verify the API server\'s certificate (insecure)' -r -f -a "true\t''
false\t''"
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand checks" -l tls-server-name -d 'Name to check the API server\'s certificate against, instead of the server\'s host' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand checks" -l exemptions -d 'List the built-in exemptions for system add-ons instead'
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand checks" -s h -l help -d 'Print help'
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand install" -l schedule -d 'When the audit runs, in cron syntax (default "17 * * * *": hourly)' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand install" -l image -d 'The image to run (default ghcr.io/honban/honban-audit:<this version>)' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand install" -l report-api -d 'Which report API the audit writes: auto picks openreports when served, else wgpolicy' -r -f -a "auto\t'openreports when its CRDs are served, else wgpolicy'
openreports\t'openreports.io/v1alpha1 Report and ClusterReport'
wgpolicy\t'wgpolicyk8s.io/v1alpha2 PolicyReport and ClusterPolicyReport'"
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand install" -l dry-run -d 'Change nothing: client (print the objects) or server (the API checks them)' -r -f -a "none\t''
client\t''
server\t''"
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand install" -l kubeconfig -d 'Path to the kubeconfig file to use' -r -F
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand install" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand install" -s n -l namespace -d 'The namespace to audit (offline: the namespace of objects that set none)' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand install" -l request-timeout -d 'Time to wait for one API request, e.g. 5s, 1m (0 = no limit)' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand install" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''
sarif\t''
junit\t''"
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand install" -l color -d 'Colour: auto (terminal and no NO_COLOR), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand install" -l as -d 'User to impersonate for the operation (a user, or system:serviceaccount:NS:NAME)' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand install" -l as-group -d 'Group to impersonate (repeatable; needs --as)' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand install" -l as-uid -d 'UID to impersonate (needs --as)' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand install" -l cluster -d 'The kubeconfig cluster entry to use, instead of the context\'s' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand install" -l user -d 'The kubeconfig user entry to use, instead of the context\'s' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand install" -s s -l server -d 'The API server\'s address, instead of the cluster\'s' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand install" -l token -d 'Bearer token for the API server, instead of the user\'s credentials' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand install" -l certificate-authority -d 'CA certificate file to verify the API server with' -r -F
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand install" -l insecure-skip-tls-verify -d 'Do not verify the API server\'s certificate (insecure)' -r -f -a "true\t''
false\t''"
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand install" -l tls-server-name -d 'Name to check the API server\'s certificate against, instead of the server\'s host' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand install" -l with-secrets -d 'Let the audit list Secrets (their metadata is all it asks for, but RBAC cannot limit list to metadata); without it the Secret checks are not checked'
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand install" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand uninstall" -l kubeconfig -d 'Path to the kubeconfig file to use' -r -F
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand uninstall" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand uninstall" -s n -l namespace -d 'The namespace to audit (offline: the namespace of objects that set none)' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand uninstall" -l request-timeout -d 'Time to wait for one API request, e.g. 5s, 1m (0 = no limit)' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand uninstall" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''
sarif\t''
junit\t''"
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand uninstall" -l color -d 'Colour: auto (terminal and no NO_COLOR), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand uninstall" -l as -d 'User to impersonate for the operation (a user, or system:serviceaccount:NS:NAME)' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand uninstall" -l as-group -d 'Group to impersonate (repeatable; needs --as)' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand uninstall" -l as-uid -d 'UID to impersonate (needs --as)' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand uninstall" -l cluster -d 'The kubeconfig cluster entry to use, instead of the context\'s' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand uninstall" -l user -d 'The kubeconfig user entry to use, instead of the context\'s' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand uninstall" -s s -l server -d 'The API server\'s address, instead of the cluster\'s' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand uninstall" -l token -d 'Bearer token for the API server, instead of the user\'s credentials' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand uninstall" -l certificate-authority -d 'CA certificate file to verify the API server with' -r -F
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand uninstall" -l insecure-skip-tls-verify -d 'Do not verify the API server\'s certificate (insecure)' -r -f -a "true\t''
false\t''"
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand uninstall" -l tls-server-name -d 'Name to check the API server\'s certificate against, instead of the server\'s host' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand uninstall" -l reports -d 'Also delete every report honban wrote (label app.kubernetes.io/managed-by=honban)'
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand uninstall" -s h -l help -d 'Print help'
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand reports" -l kubeconfig -d 'Path to the kubeconfig file to use' -r -F
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand reports" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand reports" -s n -l namespace -d 'The namespace to audit (offline: the namespace of objects that set none)' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand reports" -l request-timeout -d 'Time to wait for one API request, e.g. 5s, 1m (0 = no limit)' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand reports" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''
sarif\t''
junit\t''"
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand reports" -l color -d 'Colour: auto (terminal and no NO_COLOR), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand reports" -l as -d 'User to impersonate for the operation (a user, or system:serviceaccount:NS:NAME)' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand reports" -l as-group -d 'Group to impersonate (repeatable; needs --as)' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand reports" -l as-uid -d 'UID to impersonate (needs --as)' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand reports" -l cluster -d 'The kubeconfig cluster entry to use, instead of the context\'s' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand reports" -l user -d 'The kubeconfig user entry to use, instead of the context\'s' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand reports" -s s -l server -d 'The API server\'s address, instead of the cluster\'s' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand reports" -l token -d 'Bearer token for the API server, instead of the user\'s credentials' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand reports" -l certificate-authority -d 'CA certificate file to verify the API server with' -r -F
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand reports" -l insecure-skip-tls-verify -d 'Do not verify the API server\'s certificate (insecure)' -r -f -a "true\t''
false\t''"
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand reports" -l tls-server-name -d 'Name to check the API server\'s certificate against, instead of the server\'s host' -r
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand reports" -s A -l all-namespaces -d 'Every namespace, and cluster-scoped objects'
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand reports" -l all-contexts -d 'Every context of the kubeconfig, concurrently'
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand reports" -s h -l help -d 'Print help'
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand help; and not __fish_seen_subcommand_from checks install uninstall reports help" -f -a "checks" -d 'List every check: id, category, severity, rationale and fix'
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand help; and not __fish_seen_subcommand_from checks install uninstall reports help" -f -a "install" -d 'Run the audit in the cluster: a CronJob writing reports, with a read-only ServiceAccount'
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand help; and not __fish_seen_subcommand_from checks install uninstall reports help" -f -a "uninstall" -d 'Remove what install made (and, with --reports, honban\'s reports)'
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand help; and not __fish_seen_subcommand_from checks install uninstall reports help" -f -a "reports" -d 'Read honban\'s in-cluster reports back: counts per namespace, the worst objects, report ages, and whether the audit CronJob still runs'
complete -c kubectl-audit -n "__fish_kubectl_audit_using_subcommand help; and not __fish_seen_subcommand_from checks install uninstall reports help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
