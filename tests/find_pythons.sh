#!/usr/bin/env bash
# Finds the Pythons pyitt-host can embed and picks the ones tests/run.sh tests. Prints one line each,
# tab separated:
#   test  VERSION  PYTHON          tested
#   found VERSION  PYTHON  WHY     usable, not picked (WHY says how to pick it)
#   skip  VERSION  PYTHON  WHY     cannot be embedded or not supported (VERSION may be "?")
# Looked at: $PYITT_SYSTEM_PYTHON (default Debian's /usr/bin/python3), python3.9 ... python3.13 on
# PATH, and pyenv's $PYENV_ROOT/versions/*/bin/python (default ~/.pyenv) when that directory exists.
# One Python per version: the first found. $PYITT_TEST_PYTHONS picks: unset, the system python and
# the newest other version; "all", every usable one; otherwise words, each a version (3.12) or the
# path of a python. Only bash's builtins and the pythons themselves run, so a test can give it a PATH
# of fake pythons.
set -uo pipefail

readonly min_minor=9 max_minor=13
system_python=${PYITT_SYSTEM_PYTHON:-/usr/bin/python3}
pyenv_root=${PYENV_ROOT:-${HOME:-/nonexistent}/.pyenv}

# What a python says about itself: version, real executable, and why it cannot be embedded ("" if it
# can). Written for any python that may answer (2.7 too), so an old one is reported, not a traceback.
read -r -d '' probe <<'EOF'
import os, sys, sysconfig
v = sysconfig.get_config_var
version = "%d.%d" % sys.version_info[:2]
why = ""
if sys.implementation.name != "cpython" if hasattr(sys, "implementation") else True:
    why = "not CPython"
elif not os.path.isfile(os.path.join(v("INCLUDEPY") or "", "Python.h")):
    why = "no Python.h in %s (Debian: apt-get install python%s-dev)" % (v("INCLUDEPY"), version)
elif not any(os.path.isfile(os.path.join(d or "", n or "")) for d, n in
             ((v("LIBDIR"), v("LDLIBRARY")), (v("LIBPL"), v("LIBRARY")), (v("LIBPL"), v("LDLIBRARY")))):
    why = "neither a shared nor a static libpython next to it (%s, %s)" % (v("LDLIBRARY"), v("LIBPL"))
print("%s\t%s\t%s" % (version, os.path.realpath(sys.executable), why))
EOF

declare -A by_version=()  # minor -> python
declare -A seen=()        # real executable -> 1
declare -a report=()      # skip lines, in the order found
declare -A picked=()      # minor -> 1: tested
newest_other=""

# Probes one candidate; records it under its version, or reports why not. With "chosen", it takes
# its version's place whatever was found first, and is picked.
consider() {
    local python=$1 chosen=${2:-} answer version real why minor
    [ -x "$python" ] || { report+=("skip	?	$python	no executable file"); return; }
    if ! answer=$("$python" -c "$probe" 2>&1); then
        report+=("skip	?	$python	does not run: ${answer%%$'\n'*}")
        return
    fi
    IFS=$'\t' read -r version real why <<<"$answer"
    [ -n "${seen[$real]:-}" ] && [ -z "$chosen" ] && return
    seen[$real]=1
    minor=${version#3.}
    if [ "${version%%.*}" != 3 ] || [[ ! $minor =~ ^[0-9]+$ ]] || ((minor < min_minor || minor > max_minor)); then
        report+=("skip	$version	$python	pyitt-host supports CPython 3.$min_minor to 3.$max_minor")
    elif [ -n "$why" ]; then
        report+=("skip	$version	$python	$why")
    elif [ -n "$chosen" ]; then
        by_version[$minor]=$python
        picked[$minor]=1
    elif [ -n "${by_version[$minor]:-}" ]; then
        report+=("skip	$version	$python	${by_version[$minor]} is the $version already found")
    else
        by_version[$minor]=$python
    fi
}

[ -e "$system_python" ] && consider "$system_python"
IFS=: read -r -a path_dirs <<<"${PATH:-}"
for ((minor = min_minor; minor <= max_minor; minor++)); do
    for dir in "${path_dirs[@]}"; do
        # pyenv's shims run only the versions `pyenv global` names; its versions are read below.
        [ "$dir" = "$pyenv_root/shims" ] && continue
        if [ -x "$dir/python3.$minor" ]; then
            consider "$dir/python3.$minor"
            break
        fi
    done
done
if [ -d "$pyenv_root/versions" ]; then
    for python in "$pyenv_root"/versions/*/bin/python; do
        [ -e "$python" ] && consider "$python"
    done
fi

system_minor=""
for minor in "${!by_version[@]}"; do
    [ "${by_version[$minor]}" = "$system_python" ] && system_minor=$minor
done
for ((minor = max_minor; minor >= min_minor; minor--)); do
    if [ -n "${by_version[$minor]:-}" ] && [ "$minor" != "$system_minor" ]; then
        newest_other=$minor
        break
    fi
done

selection=${PYITT_TEST_PYTHONS:-}
if [ -z "$selection" ]; then
    [ -n "$system_minor" ] && picked[$system_minor]=1
    [ -n "$newest_other" ] && picked[$newest_other]=1
elif [ "$selection" = all ]; then
    for minor in "${!by_version[@]}"; do picked[$minor]=1; done
else
    for word in $selection; do
        if [[ $word =~ ^3\.([0-9]+)$ ]]; then
            minor=${BASH_REMATCH[1]}
            if [ -n "${by_version[$minor]:-}" ]; then
                picked[$minor]=1
            else
                report+=("skip	$word	-	asked for by PYITT_TEST_PYTHONS, but no usable python $word was found")
            fi
            continue
        fi
        consider "$word" chosen
    done
fi

for ((minor = min_minor; minor <= max_minor; minor++)); do
    python=${by_version[$minor]:-}
    [ -n "$python" ] || continue
    if [ -n "${picked[$minor]:-}" ]; then
        echo "test	3.$minor	$python"
    else
        echo "found	3.$minor	$python	not picked (PYITT_TEST_PYTHONS=all or =3.$minor tests it)"
    fi
done
for line in "${report[@]}"; do echo "$line"; done
