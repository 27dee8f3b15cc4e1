#!/usr/bin/env bash
# Installs moto's server, kubectl publish's stand-in for ACM, Route 53, EC2
# and ELBv2, into the project venv (see setup-python.sh); prints its python.
exec "$(dirname "${BASH_SOURCE[0]}")/setup-python.sh" moto
