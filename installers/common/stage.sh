#!/usr/bin/env bash
# Stages what every installer packages, on the platform it runs on (jpackage cannot build for
# another one):
#
#   OUT/input/      stickwright-VERSION.jar (target/classes) and the runtime dependency jars:
#                   the application's class path, jpackage's --input
#   OUT/runtime/    a jlinked Java runtime: the JDK modules jdeps finds in those jars, plus
#                   modules used in ways jdeps cannot see: javafx.controls and javafx.fxml (the
#                   wizard's FXML) and jdk.charsets (Charset.forName, e.g. FAT's IBM437, finds
#                   every charset on every platform). Not jdk.localedata: the user interface is
#                   English only, and its numbers are formatted to match (that module is 9 MB).
#   OUT/version     the package version: the pom's, without -SNAPSHOT
#   OUT/modules     the modules linked into the runtime, for the record
#
# JavaFX comes from the same Maven jars the build uses (javafx-*-<platform>.jar). They are
# modular, so jlink links them like JDK modules; their native libraries, which the jars carry as
# resources and JavaFX would otherwise unpack into ~/.openjfx/cache on first start, are left out
# of the module image and placed in the runtime's library directory, where JavaFX's loader finds
# them as it finds the JDK's own (this is the layout Gluon's jmods produce). The dependency scan
# of the Linux packages then sees them too.
#
# Usage: installers/common/stage.sh OUT [--skip-build]
#   --skip-build  use target/classes as they are (a caller that has just compiled, e.g. a test)
# Needs a JDK 17+ with jmods (JAVA_HOME, else the one javac belongs to) and Maven.
set -euo pipefail

out=${1:?usage: stage.sh OUT [--skip-build]}
skip_build=false
[[ ${2:-} == --skip-build ]] && skip_build=true
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)

case "$(uname -s)" in
    Linux) platform=linux; native_glob='*.so'; native_dir=lib ;;
    MINGW* | MSYS* | CYGWIN* | Windows_NT) platform=win; native_glob='*.dll'; native_dir=bin ;;
    *) echo "stage.sh: no installer for $(uname -s)" >&2; exit 2 ;;
esac

sep=$([[ $platform == win ]] && echo ';' || echo ':')  # the platform's path separator
# Under Git Bash, paths handed to the JDK's tools are converted here, not by MSYS's guesswork
# (which would also rewrite the jlink glob below).
if [[ $platform == win ]]; then
    export MSYS2_ARG_CONV_EXCL='*'
    np() { cygpath -w "$1"; }
else
    np() { printf '%s\n' "$1"; }
fi

if [[ -z ${JAVA_HOME:-} ]]; then
    JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
fi
[[ $platform == win ]] && JAVA_HOME=$(cygpath -u "$JAVA_HOME")
jdk_bin=$JAVA_HOME/bin
[[ -d $JAVA_HOME/jmods ]] || { echo "stage.sh: $JAVA_HOME has no jmods; jlink needs a full JDK" >&2; exit 2; }

cd "$root"
version=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' pom.xml | head -n 1)
version=${version%-SNAPSHOT}
[[ $version =~ ^[0-9]+(\.[0-9]+){0,2}$ ]] || { echo "stage.sh: pom version '$version' is not N[.N[.N]]" >&2; exit 2; }
echo "$version" > "$out/version"

if ! $skip_build; then
    mvn -B -q -DskipTests compile
fi
[[ -f target/classes/org/stickwright/Main.class ]] || { echo "stage.sh: target/classes is not compiled" >&2; exit 2; }

# The runtime class path exactly as Maven resolves it (test-scope jars excluded).
mvn -B -q dependency:build-classpath -DincludeScope=runtime -Dmdep.outputFile="$(np "$out/classpath.txt")"

rm -rf "$out/input" "$out/fx" "$out/runtime"
mkdir -p "$out/input" "$out/fx"
IFS=$sep read -r -a jars < "$out/classpath.txt" || true  # the file has no final newline
for jar in "${jars[@]}"; do
    name=${jar##*[/\\]}
    case "$name" in
        javafx-*-"$platform".jar) cp "$jar" "$out/fx/" ;;
        javafx-*.jar) ;;  # the classifier-less javafx jars are empty: they only pull in the platform jar
        *) cp "$jar" "$out/input/" ;;
    esac
done
app_jar=$out/input/stickwright-$version.jar
"$jdk_bin/jar" --create --file "$(np "$app_jar")" --main-class org.stickwright.Main -C target/classes .

# jdeps reads every jar whole rather than following references from the application's classes:
# libraries reach some of their own classes only by reflection or ServiceLoader (logback's
# configurators), and a module those need must be in the runtime all the same.
roots=()
for jar in "$out"/input/*.jar; do roots+=("$(np "$jar")"); done
found=$("$jdk_bin/jdeps" --multi-release 17 --ignore-missing-deps --print-module-deps \
    --module-path "$(np "$out/fx")" "${roots[@]}")
# (awk, not sort: under Git Bash, Windows' own sort.exe may come first on the PATH)
modules=$(printf '%s\n' "$found" javafx.controls javafx.fxml jdk.charsets | tr ',' '\n' | awk 'NF && !seen[$0]++' | paste -sd, -)
echo "$modules" > "$out/modules"
echo "stage.sh: linking $modules"

"$jdk_bin/jlink" --module-path "$(np "$JAVA_HOME/jmods")$sep$(np "$out/fx")" --add-modules "$modules" \
    --exclude-resources="glob:/javafx.graphics/$native_glob,glob:/javafx.graphics/javafx-swt.jar" \
    --strip-debug --no-header-files --no-man-pages --strip-native-commands --compress=2 \
    --output "$(np "$out/runtime")"
mkdir -p "$out/fx/unpacked"
for jar in "$out"/fx/javafx-*.jar; do
    (cd "$out/fx/unpacked" && "$jdk_bin/jar" --extract --file "$(np "$jar")")
done
for lib in "$out"/fx/unpacked/$native_glob; do
    cp "$lib" "$out/runtime/$native_dir/"
done
rm -rf "$out/fx"
echo "stage.sh: runtime $(du -sh "$out/runtime" | cut -f1), input $(du -sh "$out/input" | cut -f1), version $version"
