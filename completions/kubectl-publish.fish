# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kubectl_publish_global_optspecs
    string join \n host= name= port= class= internal group= waf-acl= tags= cert-arn= create-cert namespace-readiness-gate dry-run= diff force-conflicts api= gateway= completion= profile= region= kubeconfig= context= n/namespace= request-timeout= o/output= color= as= as-group= as-uid= cluster= user= s/server= token= certificate-authority= insecure-skip-tls-verify= tls-server-name= h/help V/version
end

function __fish_kubectl_publish_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kubectl_publish_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kubectl_publish_using_subcommand
    set -l cmd (__fish_kubectl_publish_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l host -d 'Host name to serve (repeatable, or comma-separated)' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l name -d 'Name of the Service and Ingress (default: the workload\'s name)' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l port -d 'The port to route to, by number or name, when there are several' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l class -d 'IngressClass (default: the ALB controller\'s class, `alb` first)' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l group -d 'Share one ALB with the other Ingresses of this group' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l waf-acl -d 'Attach this regional WAFv2 web ACL' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l tags -d 'AWS tags for the ALB, KEY=VALUE (repeatable, or comma-separated)' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l cert-arn -d 'Use this ACM certificate instead of choosing one (repeatable)' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l dry-run -d 'Change nothing: client (print what would be applied) or server (the API checks it)' -r -f -a "none\t''
client\t''
server\t''"
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l api -d 'Route with an Ingress (default) or a Gateway API HTTPRoute on the ALB controller\'s Gateway' -r -f -a "ingress\t''
gateway\t''"
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l gateway -d 'With --api gateway: the Gateway to attach to (default: the ALB Gateway in the namespace, or the only one)' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l completion -d 'Print a completion script for bash, zsh or fish' -r -f -a "bash\t''
zsh\t''
fish\t''"
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l profile -d 'AWS profile for the ACM, Route 53, ELBv2 and EC2 calls' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l region -d 'AWS region (default: AWS_REGION, the profile\'s, the EKS server URL\'s, us-east-1)' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l kubeconfig -d 'Path to the kubeconfig file to use' -r -F
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -s n -l namespace -d 'The namespace to act in' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l request-timeout -d 'Time to wait for one API request, e.g. 5s, 1m (0 = no limit)' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l color -d 'Colour: auto (terminal and no NO_COLOR), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l as -d 'User to impersonate for the operation (a user, or system:serviceaccount:NS:NAME)' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l as-group -d 'Group to impersonate (repeatable; needs --as)' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l as-uid -d 'UID to impersonate (needs --as)' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l cluster -d 'The kubeconfig cluster entry to use, instead of the context\'s' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l user -d 'The kubeconfig user entry to use, instead of the context\'s' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -s s -l server -d 'The API server\'s address, instead of the cluster\'s' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l token -d 'Bearer token for the API server, instead of the user\'s credentials' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l certificate-authority -d 'CA certificate file to verify the API server with' -r -F
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l insecure-skip-tls-verify -d 'Do not verify the API server\'s certificate (insecure)' -r -f -a "true\t''
false\t''"
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l tls-server-name -d 'Name to check the API server\'s certificate against, instead of the server\'s host' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l internal -d 'An internal ALB instead of an internet-facing one'
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l create-cert -d 'Have the ALB controller request the certificate (controller v3.3.0+)'
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l namespace-readiness-gate -d 'Label the namespace so pods get ALB readiness gates'
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l diff -d 'Show the change against the live objects, and apply nothing'
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -l force-conflicts -d 'Take over fields another field manager owns'
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -s V -l version -d 'Print version'
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -a "status" -d 'Each stage from Service to HTTPS answer, with ✓ or ✗ and the reason'
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -a "doctor" -d 'Check the cluster\'s and account\'s preconditions, with a fix for each failure'
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -a "unpublish" -d 'Delete the Service and Ingress (or HTTPRoutes) publish made under NAME, and nothing else'
complete -c kubectl-publish -n "__fish_kubectl_publish_needs_command" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand status" -l timeout -d 'Time allowed for the DNS lookup and for the HTTPS request, each' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand status" -l profile -d 'AWS profile for the ACM, Route 53, ELBv2 and EC2 calls' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand status" -l region -d 'AWS region (default: AWS_REGION, the profile\'s, the EKS server URL\'s, us-east-1)' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand status" -l kubeconfig -d 'Path to the kubeconfig file to use' -r -F
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand status" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand status" -s n -l namespace -d 'The namespace to act in' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand status" -l request-timeout -d 'Time to wait for one API request, e.g. 5s, 1m (0 = no limit)' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand status" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand status" -l color -d 'Colour: auto (terminal and no NO_COLOR), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand status" -l as -d 'User to impersonate for the operation (a user, or system:serviceaccount:NS:NAME)' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand status" -l as-group -d 'Group to impersonate (repeatable; needs --as)' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand status" -l as-uid -d 'UID to impersonate (needs --as)' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand status" -l cluster -d 'The kubeconfig cluster entry to use, instead of the context\'s' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand status" -l user -d 'The kubeconfig user entry to use, instead of the context\'s' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand status" -s s -l server -d 'The API server\'s address, instead of the cluster\'s' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand status" -l token -d 'Bearer token for the API server, instead of the user\'s credentials' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand status" -l certificate-authority -d 'CA certificate file to verify the API server with' -r -F
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand status" -l insecure-skip-tls-verify -d 'Do not verify the API server\'s certificate (insecure)' -r -f -a "true\t''
false\t''"
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand status" -l tls-server-name -d 'Name to check the API server\'s certificate against, instead of the server\'s host' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand status" -s h -l help -d 'Print help'
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand doctor" -l host -d 'Also check the hosted zone and certificate for this host (repeatable)' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand doctor" -l class -d 'The IngressClass to check' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand doctor" -l vpc-id -d 'The cluster\'s VPC (default: the ALB controller\'s --aws-vpc-id, or a node\'s instance)' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand doctor" -l api -d 'With gateway, the Gateway API checks must pass (otherwise they only inform)' -r -f -a "ingress\t''
gateway\t''"
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand doctor" -l profile -d 'AWS profile for the ACM, Route 53, ELBv2 and EC2 calls' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand doctor" -l region -d 'AWS region (default: AWS_REGION, the profile\'s, the EKS server URL\'s, us-east-1)' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand doctor" -l kubeconfig -d 'Path to the kubeconfig file to use' -r -F
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand doctor" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand doctor" -s n -l namespace -d 'The namespace to act in' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand doctor" -l request-timeout -d 'Time to wait for one API request, e.g. 5s, 1m (0 = no limit)' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand doctor" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand doctor" -l color -d 'Colour: auto (terminal and no NO_COLOR), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand doctor" -l as -d 'User to impersonate for the operation (a user, or system:serviceaccount:NS:NAME)' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand doctor" -l as-group -d 'Group to impersonate (repeatable; needs --as)' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand doctor" -l as-uid -d 'UID to impersonate (needs --as)' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand doctor" -l cluster -d 'The kubeconfig cluster entry to use, instead of the context\'s' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand doctor" -l user -d 'The kubeconfig user entry to use, instead of the context\'s' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand doctor" -s s -l server -d 'The API server\'s address, instead of the cluster\'s' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand doctor" -l token -d 'Bearer token for the API server, instead of the user\'s credentials' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand doctor" -l certificate-authority -d 'CA certificate file to verify the API server with' -r -F
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand doctor" -l insecure-skip-tls-verify -d 'Do not verify the API server\'s certificate (insecure)' -r -f -a "true\t''
false\t''"
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand doctor" -l tls-server-name -d 'Name to check the API server\'s certificate against, instead of the server\'s host' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand doctor" -l internal -d 'Check for an internal ALB (private subnets) instead'
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand unpublish" -l profile -d 'AWS profile for the ACM, Route 53, ELBv2 and EC2 calls' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand unpublish" -l region -d 'AWS region (default: AWS_REGION, the profile\'s, the EKS server URL\'s, us-east-1)' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand unpublish" -l kubeconfig -d 'Path to the kubeconfig file to use' -r -F
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand unpublish" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand unpublish" -s n -l namespace -d 'The namespace to act in' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand unpublish" -l request-timeout -d 'Time to wait for one API request, e.g. 5s, 1m (0 = no limit)' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand unpublish" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''
name\t''"
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand unpublish" -l color -d 'Colour: auto (terminal and no NO_COLOR), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand unpublish" -l as -d 'User to impersonate for the operation (a user, or system:serviceaccount:NS:NAME)' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand unpublish" -l as-group -d 'Group to impersonate (repeatable; needs --as)' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand unpublish" -l as-uid -d 'UID to impersonate (needs --as)' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand unpublish" -l cluster -d 'The kubeconfig cluster entry to use, instead of the context\'s' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand unpublish" -l user -d 'The kubeconfig user entry to use, instead of the context\'s' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand unpublish" -s s -l server -d 'The API server\'s address, instead of the cluster\'s' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand unpublish" -l token -d 'Bearer token for the API server, instead of the user\'s credentials' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand unpublish" -l certificate-authority -d 'CA certificate file to verify the API server with' -r -F
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand unpublish" -l insecure-skip-tls-verify -d 'Do not verify the API server\'s certificate (insecure)' -r -f -a "true\t''
false\t''"
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand unpublish" -l tls-server-name -d 'Name to check the API server\'s certificate against, instead of the server\'s host' -r
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand unpublish" -l dry-run -d 'Only say what would be deleted (the API checks the deletes)'
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand unpublish" -s h -l help -d 'Print help'
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand help; and not __fish_seen_subcommand_from status doctor unpublish help" -f -a "status" -d 'Each stage from Service to HTTPS answer, with ✓ or ✗ and the reason'
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand help; and not __fish_seen_subcommand_from status doctor unpublish help" -f -a "doctor" -d 'Check the cluster\'s and account\'s preconditions, with a fix for each failure'
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand help; and not __fish_seen_subcommand_from status doctor unpublish help" -f -a "unpublish" -d 'Delete the Service and Ingress (or HTTPRoutes) publish made under NAME, and nothing else'
complete -c kubectl-publish -n "__fish_kubectl_publish_using_subcommand help; and not __fish_seen_subcommand_from status doctor unpublish help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
