#!/usr/bin/env bash
# Creates (once) the Python venv the aws-token tests, the testenv token
# webhook and bench/aws-token.sh use: botocore for independent re-signing,
# awscli as the anchor tool. Idempotent and safe to run concurrently; prints
# the venv's python path on stdout.
# `setup-python.sh moto` also installs moto's server (kubectl publish's AWS
# stand-in) into the same venv, in place, keeping the pins above.
set -euo pipefail

EXTRA=${1:-}
case $EXTRA in
	"") ;;
	moto) EXTRA_REQUIREMENTS="moto[server]==5.2.5"; EXTRA_CHECK="import moto.server" ;;
	*) echo "setup-python.sh: unknown extra $EXTRA (moto)" >&2; exit 2 ;;
esac

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${HONBAN_TESTENV_CACHE:-$ROOT/testenv/.cache}
VENV=$CACHE/python/venv
PYTHON=${PYTHON:-python3}
# awscli 1.46 vendors its own botocore; the standalone botocore is the
# independent signer the tests compare against.
REQUIREMENTS="awscli==1.46.3 botocore==1.44.8"

mkdir -p "$CACHE/python"
exec 7>"$CACHE/python/.lock"
flock 7
# --copies: the venv's python is a real file, so a process started through its
# resolved path (as testenv starts the token webhook) still finds the venv.
STAMP="copies $REQUIREMENTS"
if ! [[ -f $VENV/.stamp && $(<"$VENV/.stamp") == "$STAMP" && -x $VENV/bin/aws ]]; then
	printf 'setup-python: installing %s into %s\n' "$REQUIREMENTS" "$VENV" >&2
	rm -rf "$VENV"
	"$PYTHON" -m venv --copies "$VENV"
	# shellcheck disable=SC2086
	"$VENV/bin/python" -m pip install --disable-pip-version-check -q $REQUIREMENTS >&2
	"$VENV/bin/python" -c 'import botocore, awscli' >&2
	echo "$STAMP" >"$VENV/.stamp"
fi
# The extra's stamp lives in the venv, so a rebuilt venv installs it again.
if [[ -n $EXTRA && ! ( -f $VENV/.stamp-$EXTRA && $(<"$VENV/.stamp-$EXTRA") == "$EXTRA_REQUIREMENTS" ) ]]; then
	printf 'setup-python: installing %s into %s\n' "$EXTRA_REQUIREMENTS" "$VENV" >&2
	# shellcheck disable=SC2086
	"$VENV/bin/python" -m pip install --disable-pip-version-check -q "$EXTRA_REQUIREMENTS" $REQUIREMENTS >&2
	"$VENV/bin/python" -c "$EXTRA_CHECK" >&2
	echo "$EXTRA_REQUIREMENTS" >"$VENV/.stamp-$EXTRA"
fi
echo "$VENV/bin/python"
